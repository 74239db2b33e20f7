/**
 * What a gate says when it starts and stops (gate-report.ts), against the emulator through the real
 * SDK: the one `licensegate.gate.started` line, the one `licensegate.gate.stopped` line, the one
 * `licensegate.gate.start_waiting` line while start() retries, the permission probe of seat gates
 * (the emulator in strict auth with keys limited to chosen actions), and entitlements the license
 * lacks. Every line each test captured is checked against the Logs table of the README (by the
 * harness, when it closes).
 */
import assert from 'node:assert/strict';

import { LicenseManagerClient } from '@aws-sdk/client-license-manager';
import type { SeedLicense } from '@licensegate/emulator';

import type { LicenseGateOptions } from '../src/index.js';
import { HOUR, MINUTE, REGION, SKU, tieredLicense, useHarness, type Harness } from './support/gate-harness.js';

/** The key every test process signs with (tools/test-env.cjs): the harness's seller client uses it. */
const ADMIN = { accessKeyId: 'AKIDLICENSEGATETEST', secretAccessKey: 'licensegate-test-secret' };
/** A key for the app's role, limited per test through `actions`. */
const APP_KEY = { accessKeyId: 'AKIDAPPROLE', secretAccessKey: 'app-role-secret' };

/** A Marketplace license with 5 `ConcurrentUsers` seats and 1,000 `DataConsumption` units. */
function countedLicense(overrides: Partial<SeedLicense> = {}): SeedLicense {
  return {
    ...tieredLicense(SKU, []),
    Entitlements: [
      { Name: 'ConcurrentUsers', MaxCount: 5, Overage: false, Unit: 'Count', AllowCheckIn: true },
      { Name: 'DataConsumption', MaxCount: 1000, Overage: false, Unit: 'Count' },
    ],
    ...overrides,
  } as SeedLicense;
}

const COUNTED: Partial<LicenseGateOptions> = {
  tiers: undefined,
  seats: { entitlement: 'ConcurrentUsers' },
  drawdown: { DataConsumption: { mode: 'batch' } },
};

function startedLine(h: Harness): Record<string, unknown> {
  const lines = h.logger.events('licensegate.gate.started');
  assert.equal(lines.length, 1, 'one started line');
  assert.equal(lines[0]?.level, 'info');
  return { ...lines[0]?.fields, msg: lines[0]?.message };
}

describe('what a gate says when it starts and stops (real SDK against the emulator)', () => {
  describe('start and stop lines', () => {
    const harness = useHarness();
    let h: Harness;
    beforeEach(() => {
      h = harness();
    });

    it('a tier gate: one info line with the license, its validity, the tier, the Region and endpoint', async () => {
      const arn = h.addLicense(tieredLicense(SKU, ['Intermediate']));
      const { gate } = h.gate();

      await gate.start();

      const line = startedLine(h);
      assert.equal(line['productSku'], SKU);
      assert.equal(line['region'], REGION);
      assert.equal(line['endpoint'], h.lm.url.replace(/\/$/, ''));
      assert.equal(line['tier'], 'Intermediate');
      assert.deepEqual(line['tiers'], ['Basic', 'Intermediate', 'Premium']);
      const license = line['license'] as Record<string, unknown>;
      assert.equal(license['arn'], arn);
      assert.equal(license['status'], 'AVAILABLE');
      assert.equal(license['version'], '1');
      assert.match(String(license['validUntil']), /^\d{4}-\d\d-\d\dT/);
      assert.equal(line['degraded'], false);
      assert.equal(line['seats'], undefined, 'no seats configured, none reported');
      assert.match(String(line['msg']), new RegExp(`license ${arn} AVAILABLE, valid until .*; tier Intermediate`));
      assert.equal(h.logger.events('licensegate.gate.start_waiting').length, 0, 'nothing was retried');
      assert.equal(h.lm.emulator.callCounts()['CheckInLicense'], undefined, 'a tier gate probes nothing');

      // A retry after start() is a refresh's, not start's: no start_waiting line.
      h.lm.addFault({ operation: 'CheckoutLicense', kind: 'error', error: 'ServerInternalException', times: 1 });
      await h.step(gate, HOUR);
      assert.equal(h.logger.events('licensegate.call.retry').length, 1, 'the refresh retried');
      assert.equal(h.logger.events('licensegate.gate.start_waiting').length, 0);

      await gate.stop();
      const stopped = h.logger.events('licensegate.gate.stopped', 'info');
      assert.equal(stopped.length, 1);
      assert.equal(stopped[0]?.message, 'The gate stopped');
    });

    it('seats and drawdown: each entitlement found, with its maximum; the stop line says what was returned and reported', async () => {
      h.addLicense(countedLicense());
      const { gate } = h.gate(COUNTED);

      await gate.start();

      const line = startedLine(h);
      assert.deepEqual(line['seats'], {
        entitlement: 'ConcurrentUsers',
        unit: 'Count',
        found: true,
        max: 5,
        heldHere: 0,
      });
      assert.deepEqual(line['drawdown'], {
        DataConsumption: { mode: 'batch', unit: 'Count', found: true, max: 1000, exhausted: false, pending: 0 },
      });
      assert.equal(line['tier'], undefined, 'no tiers configured, none reported');
      assert.match(
        String(line['msg']),
        /seats ConcurrentUsers \(max 5\); drawdown DataConsumption \(batch, max 1000\)/,
      );
      assert.equal(h.logger.at('warn').length, 0, 'the role may do everything: no warning');

      await gate.seats.acquire('alice');
      await gate.seats.acquire('bob');
      await gate.drawdown.debit('DataConsumption', 7);
      const report = await gate.stop();

      assert.equal(report.seatsReturned, 2);
      assert.deepEqual(report.unitsReported, { DataConsumption: 7 });
      const stopped = h.logger.events('licensegate.gate.stopped', 'info');
      assert.equal(stopped.length, 1);
      assert.equal(stopped[0]?.fields['seatsReturned'], 2);
      assert.deepEqual(stopped[0]?.fields['unitsReported'], { DataConsumption: 7 });
      assert.equal(stopped[0]?.message, 'The gate stopped: 2 seats returned; units reported: 7 DataConsumption');
    });

    it('an entitlement the license lacks: a warning with a did-you-mean, and found: false in the started line', async () => {
      h.addLicense(countedLicense());
      const { gate } = h.gate({ ...COUNTED, seats: { entitlement: 'ConcurrentUser' } });

      await gate.start();

      const [warning, ...more] = h.logger.events('licensegate.license.entitlement_not_found', 'warn');
      assert.equal(more.length, 0);
      assert.equal(warning?.fields['entitlement'], 'ConcurrentUser');
      assert.equal(warning?.fields['option'], 'seats.entitlement');
      assert.equal(warning?.fields['suggestion'], 'ConcurrentUsers');
      assert.deepEqual(warning?.fields['entitlements'], ['ConcurrentUsers', 'DataConsumption']);
      assert.match(String(warning?.message), /did you mean 'ConcurrentUsers'\?/);
      const seats = startedLine(h)['seats'] as Record<string, unknown>;
      assert.equal(seats['found'], false);
      assert.match(String(startedLine(h)['msg']), /seats ConcurrentUser \(not on the license\)/);
    });

    it('no license for the SKU: the started line says none was found (not that License Manager was silent)', async () => {
      const { gate } = h.gate(COUNTED);

      await gate.start();

      const line = startedLine(h);
      assert.equal(line['license'], null);
      assert.match(String(line['msg']), /no license found for this productSku and keyFingerprint/);
      assert.equal((line['seats'] as Record<string, unknown>)['found'], null, 'unknown without a license');
    });

    it('start() retrying: one start_waiting line (not one per retry) naming the call and the endpoint, then degraded', async () => {
      h.addLicense(tieredLicense(SKU, ['Basic']));
      h.lm.addFault({ operation: 'CheckoutLicense', kind: 'error', error: 'ServerInternalException', times: 3 });
      const retry = { attempts: 3, baseDelayMs: 1, maxDelayMs: 5, deadlineMs: 1000 };
      const { gate } = h.gate({ retry });

      await gate.start();

      const waiting = h.logger.events('licensegate.gate.start_waiting');
      assert.equal(waiting.length, 1, 'once per start');
      assert.equal(waiting[0]?.level, 'info');
      assert.equal(waiting[0]?.fields['operation'], 'CheckoutLicense');
      assert.equal(waiting[0]?.fields['error'], 'ServerInternalException');
      assert.equal(waiting[0]?.fields['attempts'], 3);
      assert.equal(waiting[0]?.fields['retryForMs'], 1000);
      assert.equal(waiting[0]?.fields['endpoint'], h.lm.url.replace(/\/$/, ''));
      assert.match(
        String(waiting[0]?.message),
        /^start\(\) is waiting for License Manager at http:\/\/127\.0\.0\.1:\d+: CheckoutLicense failed \(ServerInternalException\); retrying \(up to 3 attempts within 1 s/,
      );
      assert.equal(h.logger.events('licensegate.call.retry', 'debug').length, 2, 'each retry is still at debug');
      const events = h.logger.entries.map((e) => e.fields['event']);
      assert.ok(
        events.indexOf('licensegate.gate.start_waiting') < events.indexOf('licensegate.gate.degraded') &&
          events.indexOf('licensegate.gate.degraded') < events.indexOf('licensegate.gate.started'),
        `waiting, then degraded, then started: ${events.join(', ')}`,
      );
      const line = startedLine(h);
      assert.equal(line['degraded'], true);
      assert.match(
        String(line['msg']),
        /no answer from License Manager about the license yet \(requests follow the 'grace' failure policy\)/,
      );

      // After start, retries are not start's: no second line.
      h.lm.addFault({ operation: 'CheckoutLicense', kind: 'error', error: 'ServerInternalException', times: 1 });
      await h.step(gate, HOUR);
      assert.equal(h.logger.events('licensegate.gate.start_waiting').length, 1);
    });

    it('one quick retry at start is said at info, not as a warning', async () => {
      h.addLicense(tieredLicense(SKU, ['Basic']));
      h.lm.addFault({ operation: 'CheckoutLicense', kind: 'error', error: 'ThrottlingException', times: 1 });
      const { gate } = h.gate();

      await gate.start();

      assert.equal(h.logger.events('licensegate.gate.start_waiting', 'info').length, 1);
      assert.equal(h.logger.at('warn').length, 0);
      assert.equal(startedLine(h)['tier'], 'Basic');
    });

    it('a seat gate whose probe gets no answer (a 5xx) says so at debug only, and still starts', async () => {
      h.addLicense(countedLicense());
      h.lm.addFault({ operation: 'CheckInLicense', kind: 'error', error: 'ServiceUnavailableException', times: 1 });
      const { gate } = h.gate(COUNTED);

      await gate.start();

      const unchecked = h.logger.events('licensegate.gate.permission_unchecked', 'debug');
      assert.deepEqual(
        unchecked.map((e) => [e.fields['operation'], e.fields['error']]),
        [['CheckInLicense', 'ServiceUnavailableException']],
      );
      assert.equal(h.logger.events('licensegate.gate.permission_missing').length, 0);
      assert.equal(startedLine(h)['degraded'], false);
    });
  });

  describe('the permission probe (emulator in strict auth, keys limited to chosen actions)', () => {
    let actions: readonly string[] = [];
    const harness = useHarness(() => ({
      auth: 'strict',
      accessKeys: [ADMIN, { ...APP_KEY, actions }],
    }));
    let h: Harness;
    let client: LicenseManagerClient;
    beforeEach(() => {
      h = harness();
      client = new LicenseManagerClient({ endpoint: h.lm.url, region: REGION, credentials: APP_KEY, maxAttempts: 1 });
    });
    afterEach(() => client.destroy());

    /** Runs the next test with the app's key limited to `list`. */
    function withActions(list: readonly string[]): void {
      before(() => {
        actions = list;
      });
    }

    describe('a role without CheckInLicense nor ExtendLicenseConsumption', () => {
      withActions(['Get*', 'ListReceivedLicenses', 'CheckoutLicense']);

      it('warns once at start with both actions, why they matter and the IAM statement to add; the gate starts and changes nothing', async () => {
        h.addLicense(countedLicense());
        const { gate } = h.gate({ ...COUNTED, client });

        await gate.start();

        const missing = h.logger.events('licensegate.gate.permission_missing');
        assert.equal(missing.length, 1);
        assert.equal(missing[0]?.level, 'warn');
        assert.deepEqual(missing[0]?.fields['actions'], [
          'license-manager:CheckInLicense',
          'license-manager:ExtendLicenseConsumption',
        ]);
        assert.equal(missing[0]?.fields['error'], 'AccessDeniedException');
        assert.deepEqual(missing[0]?.fields['statement'], {
          Effect: 'Allow',
          Action: ['license-manager:CheckInLicense', 'license-manager:ExtendLicenseConsumption'],
          Resource: '*',
        });
        assert.match(String(missing[0]?.message), /seat stays taken until its lease ends/);
        assert.match(String(missing[0]?.message), /"Action":\["license-manager:CheckInLicense"/);
        assert.equal(gate.status().state, 'running', 'the gate starts anyway');
        assert.deepEqual(h.lm.emulator.dump().consumptions, [], 'the probe consumed nothing');
        assert.deepEqual(h.lm.emulator.callCounts()['CheckInLicense'], { calls: 1, errors: 1 });
        assert.deepEqual(h.lm.emulator.callCounts()['ExtendLicenseConsumption'], { calls: 1, errors: 1 });

        // What the warning foretold: a logout cannot return the seat.
        await gate.seats.acquire('alice');
        await gate.seats.release('alice');
        assert.equal(h.lm.emulator.dump().consumptions.length, 1, 'the seat stays out');
        assert.ok(h.logger.events('licensegate.seat.checkin_failed', 'warn').length >= 1);
      });
    });

    describe('a role without ExtendLicenseConsumption only', () => {
      withActions(['Get*', 'ListReceivedLicenses', 'CheckoutLicense', 'CheckInLicense']);

      it('names only that action', async () => {
        h.addLicense(countedLicense());
        const { gate } = h.gate({ ...COUNTED, client });

        await gate.start();

        const [missing] = h.logger.events('licensegate.gate.permission_missing', 'warn');
        assert.deepEqual(missing?.fields['actions'], ['license-manager:ExtendLicenseConsumption']);
        assert.match(String(missing?.message), /every seat is lost at its first keep-alive/);
      });
    });

    describe('a role with every action the gate needs', () => {
      withActions([
        'license-manager:CheckoutLicense',
        'license-manager:CheckInLicense',
        'license-manager:ExtendLicenseConsumption',
        'license-manager:GetLicense',
        'license-manager:ListReceivedLicenses',
      ]);

      it('no warning: the probe read the "no such token" answers as allowed', async () => {
        h.addLicense(countedLicense());
        const { gate } = h.gate({ ...COUNTED, client });

        await gate.start();

        assert.equal(h.logger.at('warn').length, 0, JSON.stringify(h.logger.at('warn')));
        assert.equal(h.logger.events('licensegate.gate.permission_unchecked').length, 0);
        assert.deepEqual(h.lm.emulator.callCounts()['CheckInLicense'], { calls: 1, errors: 1 });
        await gate.seats.acquire('alice');
        await gate.seats.release('alice');
        assert.deepEqual(h.lm.emulator.dump().consumptions, [], 'the seat went back');
      });
    });

    describe('a tier gate on a role without CheckInLicense', () => {
      withActions(['Get*', 'ListReceivedLicenses', 'CheckoutLicense']);

      it('probes nothing (a tier checkout expires by itself) and warns of nothing', async () => {
        h.addLicense(tieredLicense(SKU, ['Basic']));
        const { gate } = h.gate({ client });

        await gate.start();

        assert.equal(h.logger.events('licensegate.gate.permission_missing').length, 0);
        assert.equal(h.lm.emulator.callCounts()['CheckInLicense'], undefined);
        assert.equal(startedLine(h)['tier'], 'Basic');
        await h.advance(MINUTE);
      });
    });
  });
});
