import assert from 'node:assert/strict';

import { LicenseManagerClient } from '@aws-sdk/client-license-manager';

import {
  LicenseGateError,
  LicenseUnavailableError,
  NoLicenseError,
  TierRequiredError,
  type LicenseGate,
  type UnavailablePolicy,
} from '../src/index.js';
import {
  deniedWith,
  HOUR,
  MINUTE,
  PAST_REFRESH,
  REGION,
  SKU,
  tieredLicense,
  useHarness,
  type Harness,
} from './support/gate-harness.js';

const OUTAGE = { operation: '*', kind: 'error', error: 'ServerInternalException' } as const;
const SELLER_FINGERPRINT = 'aws:123456789012:Other:issuer-fingerprint';

/** Asserts `gate` denies `tier` with NoLicenseError of `reason`. */
function assertNoLicense(gate: LicenseGate, tier: string, reason: string, degraded: boolean): void {
  const decision = gate.checkTier(tier);
  const error = deniedWith(decision);
  assert.ok(error instanceof NoLicenseError, `expected NoLicenseError, got ${error.name}: ${error.message}`);
  assert.equal(error.code, 'ERR_LG_NO_LICENSE');
  assert.equal(error.reason, reason);
  assert.equal(decision.degraded, degraded);
  assert.equal(gate.hasTier(tier), false);
}

describe('LicenseGate failure policy (real SDK against the emulator)', () => {
  const harness = useHarness();
  let h: Harness;
  beforeEach(() => {
    h = harness();
  });

  describe('transient trouble', () => {
    it('retries a RateLimitExceededException at HTTP 400 (the SDK does not) and learns the tier in the same refresh', async () => {
      h.addLicense(tieredLicense(SKU, ['Intermediate']));
      h.lm.addFault({
        operation: 'CheckoutLicense',
        kind: 'error',
        error: 'RateLimitExceededException',
        status: 400,
        times: 1,
      });
      const { gate, events } = h.gate();

      await gate.start();

      assert.equal(gate.tier, 'Intermediate');
      assert.deepEqual(h.lm.emulator.callCounts()['CheckoutLicense'], { calls: 2, errors: 1 });
      assert.equal(events.degraded.length, 0, 'a retried call is no outage');
      assert.equal(gate.status().degraded, false);
      const retries = h.logger.events('licensegate.call.retry', 'debug');
      assert.equal(retries.length, 1);
      assert.equal(retries[0]?.fields['error'], 'RateLimitExceededException');
      assert.equal(h.logger.at('warn').length, 0);
    });

    it('serves the last answer under grace, degrades once per episode, denies after graceMs, and recovers', async () => {
      h.addLicense(tieredLicense(SKU, ['Intermediate']));
      const { gate, events } = h.gate();
      await gate.start();
      const learntAt = h.clock.now();

      h.lm.addFault(OUTAGE);
      await h.step(gate, PAST_REFRESH);

      assert.equal(events.degraded.length, 1);
      const degraded = events.degraded[0];
      assert.equal(degraded?.reason, 'transient');
      assert.equal(degraded?.code, 'ERR_LG_LICENSE_UNAVAILABLE');
      assert.equal(degraded?.policy, 'grace');
      assert.equal(degraded?.graceEndsAt?.getTime(), learntAt + HOUR);
      assert.deepEqual(gate.checkTier('Intermediate'), { allowed: true, degraded: true });
      assert.equal(gate.hasTier('Basic'), true);
      const tooHigh = gate.checkTier('Premium');
      assert.ok(deniedWith(tooHigh) instanceof TierRequiredError, 'grace never serves above the tier learnt');
      assert.equal(tooHigh.degraded, true);
      const status = gate.status();
      assert.equal(status.degraded, true);
      assert.equal(status.tier, 'Intermediate');
      assert.equal(status.lastCheckedAt, new Date(learntAt).toISOString());
      assert.equal(status.graceEndsAt, new Date(learntAt + HOUR).toISOString());
      assert.equal(status.lastError?.code, 'ERR_LG_LICENSE_UNAVAILABLE');
      assert.equal(status.lastError?.name, 'ServerInternalException');
      assert.ok(status.degradedSince !== null);

      // More failed refreshes in the same episode: no new event, no new warning.
      for (let i = 0; i < 4; i++) {
        const failedBefore = h.lm.emulator.callCounts()['CheckoutLicense']?.errors ?? 0;
        await h.step(gate, 5 * MINUTE);
        assert.ok(
          (h.lm.emulator.callCounts()['CheckoutLicense']?.errors ?? 0) >= failedBefore + 2,
          'a refresh ran and failed',
        );
      }
      assert.equal(events.degraded.length, 1, 'one degraded event per episode, not per failed refresh');
      assert.equal(h.logger.events('licensegate.gate.degraded', 'warn').length, 1);
      assert.equal(h.logger.at('warn').length, 1);
      assert.equal(gate.hasTier('Intermediate'), true, 'still within the grace');

      await h.advanceTo(learntAt + HOUR + 1);
      await h.settle(gate);
      const decision = gate.checkTier('Basic');
      const error = deniedWith(decision);
      assert.ok(error instanceof LicenseUnavailableError, `expected LicenseUnavailableError, got ${error.name}`);
      assert.equal(error.code, 'ERR_LG_LICENSE_UNAVAILABLE');
      assert.ok(error.retryAfterMs > 0 && error.retryAfterMs <= 15 * MINUTE, `retryAfterMs ${error.retryAfterMs}`);
      assert.equal(decision.degraded, true);
      assert.equal(gate.hasTier('Basic'), false);
      assert.throws(() => gate.assertTier('Basic'), LicenseUnavailableError);
      assert.equal(events.degraded.length, 1);

      h.lm.clearFaults();
      await h.step(gate, PAST_REFRESH);
      assert.equal(events.recovered.length, 1);
      assert.ok((events.recovered[0]?.downtimeMs ?? 0) >= HOUR - PAST_REFRESH);
      assert.ok((events.recovered[0]?.failures ?? 0) >= 6);
      assert.equal(h.logger.events('licensegate.gate.recovered', 'info').length, 1);
      assert.deepEqual(gate.checkTier('Intermediate'), { allowed: true, degraded: false });
      assert.equal(gate.status().degraded, false);
      assert.equal(gate.status().lastError, null);
      assert.equal(gate.status().graceEndsAt, null);

      h.lm.addFault(OUTAGE);
      await h.step(gate, PAST_REFRESH);
      assert.equal(events.degraded.length, 2, 'a new outage is a new episode');
      assert.equal(h.logger.events('licensegate.gate.degraded', 'warn').length, 2);
    });

    it("denies at once during an outage under 'deny'", async () => {
      h.addLicense(tieredLicense(SKU, ['Premium']));
      const { gate, events } = h.gate({ onUnavailable: 'deny' });
      await gate.start();
      assert.equal(gate.hasTier('Basic'), true);

      h.lm.addFault(OUTAGE);
      await h.step(gate, PAST_REFRESH);

      const decision = gate.checkTier('Basic');
      const error = deniedWith(decision);
      assert.ok(error instanceof LicenseUnavailableError);
      assert.ok(error.retryAfterMs > 0);
      assert.match(error.message, /'deny'/);
      assert.equal(decision.degraded, true);
      assert.equal(events.degraded.length, 1);
      assert.equal(events.degraded[0]?.policy, 'deny');
      assert.equal(events.degraded[0]?.graceEndsAt, null);
      assert.equal(gate.status().graceEndsAt, null);
    });

    it("lets requests through under 'allow' when no answer was ever learnt; 'grace' denies them", async () => {
      h.addLicense(tieredLicense(SKU, ['Basic']));
      h.lm.addFault(OUTAGE);
      const allow = h.gate({ onUnavailable: 'allow' });
      const grace = h.gate({ onUnavailable: 'grace' });

      await allow.gate.start();
      await grace.gate.start();

      assert.deepEqual(allow.gate.checkTier('Premium'), { allowed: true, degraded: true });
      assert.equal(allow.gate.hasTier('Premium'), true);
      assert.equal(allow.gate.status().tier, null);
      assert.equal(allow.gate.status().lastCheckedAt, null);
      assert.equal(allow.gate.status().degraded, true);
      assert.equal(allow.events.degraded.length, 1);
      assert.equal(allow.events.degraded[0]?.policy, 'allow');

      const decision = grace.gate.checkTier('Basic');
      const error = deniedWith(decision);
      assert.ok(error instanceof LicenseUnavailableError);
      assert.ok(error.retryAfterMs > 0);
      assert.equal(grace.gate.status().graceEndsAt, null, 'no answer, no grace');
      assert.equal(h.logger.events('licensegate.gate.degraded', 'warn').length, 2, 'one warning per gate');
    });
    it('never serves past Validity.End under grace, however long the grace', async () => {
      h.addLicense(tieredLicense(SKU, ['Premium'], { Validity: { Begin: '-1d', End: '+30m' } }));
      const { gate } = h.gate({ graceMs: 24 * HOUR });
      await gate.start();
      const end = Date.parse(gate.status().license?.expiresAt ?? '');

      h.lm.addFault(OUTAGE);
      await h.step(gate, PAST_REFRESH);
      assert.deepEqual(gate.checkTier('Premium'), { allowed: true, degraded: true });

      await h.advanceTo(end + MINUTE);
      await h.settle(gate);
      const decision = gate.checkTier('Basic');
      const error = deniedWith(decision);
      assert.ok(error instanceof NoLicenseError, `expected NoLicenseError, got ${error.name}`);
      assert.equal(error.reason, 'expired');
      assert.equal(decision.degraded, true);
    });

    it('warns once, not at every refresh, while GetLicense fails and the checkout works', async () => {
      h.addLicense(tieredLicense(SKU, ['Intermediate']));
      const { gate } = h.gate();
      await gate.start();

      h.lm.addFault({ operation: 'GetLicense', kind: 'error', error: 'ServerInternalException' });
      for (let i = 0; i < 3; i++) await h.step(gate, PAST_REFRESH);

      assert.ok(
        (h.lm.emulator.callCounts()['GetLicense']?.errors ?? 0) >= 6,
        'three refreshes failed to read the license',
      );
      assert.equal(gate.tier, 'Intermediate', 'the checkout still tells the tier');
      assert.equal(gate.status().license?.status, 'AVAILABLE', 'what was known of the license is kept');
      assert.equal(
        h.logger.at('warn').length,
        1,
        `warnings: ${JSON.stringify(h.logger.at('warn').map((e) => e.fields['event']))}`,
      );
    });

    it('stops cleanly during an outage: stop() resolves and leaves no timer', async () => {
      h.addLicense(tieredLicense(SKU, ['Basic']));
      const { gate } = h.gate();
      await gate.start();
      h.lm.addFault(OUTAGE);
      await h.step(gate, PAST_REFRESH);

      await gate.stop();
      assert.equal(h.clock.pendingTimers, 0);
      assert.equal(gate.status().state, 'stopped');
      assert.ok((h.lm.emulator.callCounts()['CheckInLicense']?.errors ?? 0) >= 1, 'the check-in was tried');
    });
  });

  describe('definitive answers', () => {
    it('answers no-entitlement for a license without any of the tiers, and never falls back from it in an outage', async () => {
      h.addLicense(tieredLicense(SKU, ['Enterprise']));
      const gates = (['grace', 'allow', 'deny'] as UnavailablePolicy[]).map((policy) => ({
        policy,
        ...h.gate({ onUnavailable: policy }),
      }));
      for (const { gate } of gates) await gate.start();

      for (const { gate } of gates) {
        assert.equal(gate.tier, null);
        assertNoLicense(gate, 'Basic', 'no-entitlement', false);
        assert.equal(gate.status().reason, 'no-entitlement');
        assert.equal(gate.status().degraded, false);
      }
      assert.equal(h.logger.events('licensegate.tier.none_granted', 'warn').length, 3);

      h.lm.addFault(OUTAGE);
      await h.advance(PAST_REFRESH);
      for (const { gate, events, policy } of gates) {
        await h.settle(gate);
        assert.equal(events.degraded.length, 1, `${policy}: the outage was noticed`);
        assertNoLicense(gate, 'Basic', 'no-entitlement', true);
        assert.equal(gate.hasTier('Premium'), false, `${policy} must not override a definitive answer`);
      }
    });

    it('answers no-license for a SKU License Manager has no license for', async () => {
      h.addLicense(tieredLicense(SKU, ['Premium']));
      const { gate, events } = h.gate({ productSku: 'lg-never-sold' });

      await gate.start();

      assert.equal(gate.tier, null);
      assertNoLicense(gate, 'Basic', 'no-license', false);
      assert.match(deniedWith(gate.checkTier('Basic')).message, /lg-never-sold/);
      const status = gate.status();
      assert.equal(status.reason, 'no-license');
      assert.equal(status.license, null);
      assert.equal(status.degraded, false);
      assert.equal(events.degraded.length, 0);
      assert.deepEqual(
        h.lm.emulator.callCounts()['CheckoutLicense'],
        { calls: 1, errors: 1 },
        'a definitive no is not retried',
      );
    });
  });

  describe('configuration errors', () => {
    it('reads a wrong keyFingerprint as no-license, with a warning that names productSku and keyFingerprint', async () => {
      h.addLicense(tieredLicense(SKU, ['Premium']));
      const { gate } = h.gate({ keyFingerprint: SELLER_FINGERPRINT });

      await gate.start();

      assert.equal(gate.tier, null);
      assertNoLicense(gate, 'Basic', 'no-license', false);
      const warnings = h.logger.at('warn');
      assert.equal(warnings.length, 1);
      assert.equal(warnings[0]?.fields['event'], 'licensegate.tier.none_granted');
      assert.equal(warnings[0]?.fields['productSku'], SKU);
      assert.equal(warnings[0]?.fields['keyFingerprint'], SELLER_FINGERPRINT);
      assert.match(warnings[0]?.message ?? '', /keyFingerprint/);
      assert.equal(h.lm.calls('CheckoutLicense'), 1);
      assert.equal(h.lm.calls('ListReceivedLicenses'), 1);
    });
  });
});

describe('LicenseGate with missing IAM permissions (emulator strict auth)', () => {
  const FULL_KEY = { accessKeyId: 'AKIDLICENSEGATEFULL', secretAccessKey: 'licensegate-full-secret' };
  let actions: string[] = [];
  const harness = useHarness(() => ({
    auth: 'strict',
    accessKeys: [
      {
        accessKeyId: process.env['AWS_ACCESS_KEY_ID'] ?? '',
        secretAccessKey: process.env['AWS_SECRET_ACCESS_KEY'] ?? '',
        actions,
      },
      FULL_KEY,
    ],
  }));
  let h: Harness;
  beforeEach(() => {
    h = harness();
    h.addLicense(tieredLicense(SKU, ['Intermediate']));
  });

  /** Asserts `start()` rejects for the missing permission `action`, and the gate ends stopped. */
  async function assertStartRefused(gate: LicenseGate, action: string): Promise<void> {
    await assert.rejects(gate.start(), (error: unknown) => {
      assert.ok(error instanceof LicenseGateError, String(error));
      assert.equal(error.code, 'ERR_LG_LICENSE_MANAGER_CONFIGURATION');
      assert.match(error.message, new RegExp(`the role the app runs with needs license-manager:${action}\\b`));
      return true;
    });
    assert.equal(gate.status().state, 'stopped');
    assert.equal(h.clock.pendingTimers, 0);
  }

  describe('a role allowed GetLicense only', () => {
    before(() => {
      actions = ['GetLicense'];
    });

    it('start() rejects with ERR_LG_LICENSE_MANAGER_CONFIGURATION naming license-manager:CheckoutLicense', async () => {
      const { gate, events } = h.gate();
      await assertStartRefused(gate, 'CheckoutLicense');
      assert.deepEqual(h.lm.emulator.callCounts()['CheckoutLicense'], { calls: 1, errors: 1 }, 'never retried');
      assert.equal(events.degraded[0]?.reason, 'configuration');
      assert.equal(h.logger.events('licensegate.gate.degraded', 'error').length, 1);
    });

    it('works with a key that has every permission (the signatures verify)', async () => {
      const client = new LicenseManagerClient({
        endpoint: h.lm.url,
        region: REGION,
        credentials: FULL_KEY,
        maxAttempts: 1,
      });
      const { gate } = h.gate({ client });
      await gate.start();
      assert.equal(gate.tier, 'Intermediate');
    });
  });

  describe('a role allowed every call but GetLicense', () => {
    before(() => {
      actions = ['CheckoutLicense', 'CheckInLicense', 'ExtendLicenseConsumption', 'ListReceivedLicenses'];
    });

    it('start() rejects naming license-manager:GetLicense (without it expiry and status go unseen)', async () => {
      const { gate } = h.gate();
      await assertStartRefused(gate, 'GetLicense');
    });
  });
});
