import assert from 'node:assert/strict';
import { constants, verify } from 'node:crypto';

import { CheckoutBorrowLicenseCommand, GetLicenseCommand } from '@aws-sdk/client-license-manager';

import {
  CONFIGURABLE_ARN,
  DAY,
  EMULATOR_ACCOUNT,
  HOUR,
  MINUTE,
  TIERED_ARN,
  admin,
  arnFor,
  checkout,
  counted,
  expectAwsError,
  marketplaceSeed,
  newToken,
  rawCall,
  sellerSeed,
  standardSeeds,
  tier,
  usageOf,
  useEmulator,
} from './support/emulator-fixture.js';

interface ClockView {
  now: string;
  epochMs: number;
  offsetMs: number;
  skewMs: number;
}

function assertAdminError(
  answer: { status: number; json: Record<string, unknown> | undefined },
  status: number,
  code: string,
) {
  assert.equal(answer.status, status, JSON.stringify(answer.json));
  assert.equal(answer.json?.['code'], code);
  assert.equal(typeof answer.json?.['message'], 'string');
}

describe('admin path /_emulator (raw HTTP)', () => {
  const lm = useEmulator(() => ({ licenses: standardSeeds() }), { each: false });

  it('GET /health answers {"ok": true}', async () => {
    const answer = await admin(lm.running.url, 'GET', '/health');
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get('content-type'), 'application/json');
    assert.deepEqual(answer.json, { ok: true });
  });

  it('GET /state answers licenses with versions, live consumptions, faults and call counts', async () => {
    const held = await checkout(lm.client);
    lm.running.addFault({ operation: 'GetLicense', kind: 'latency', latencyMs: 1 });
    const answer = await admin(lm.running.url, 'GET', '/state');
    assert.equal(answer.status, 200);
    const state = answer.json as {
      licenses: { LicenseArn: string; marketplace: boolean; versions: { Version: string }[] }[];
      consumptions: { token: string; licenseArn: string; kind: string }[];
      faults: { kind: string }[];
      calls: Record<string, { calls: number; errors: number }>;
      clockOffsetMs: number;
    };
    assert.deepEqual(
      state.licenses.map((l) => [l.LicenseArn, l.marketplace, l.versions.map((v) => v.Version)]),
      [
        [TIERED_ARN, true, ['1']],
        [CONFIGURABLE_ARN, true, ['1']],
      ],
    );
    assert.deepEqual(
      state.consumptions.map((c) => [c.token, c.licenseArn, c.kind]),
      [[held.LicenseConsumptionToken, CONFIGURABLE_ARN, 'PROVISIONAL']],
    );
    assert.deepEqual(
      state.faults.map((f) => f.kind),
      ['latency'],
    );
    assert.deepEqual(state.calls, { CheckoutLicense: { calls: 1, errors: 0 } });
    assert.equal(state.clockOffsetMs, 0);
  });

  it('POST /reset goes back to the seeds: no consumptions, added licenses, faults or counts, real time', async () => {
    await checkout(lm.client);
    lm.running.addLicenses([marketplaceSeed('sku-added', [tier('Basic')])]);
    lm.running.addFault({ kind: 'latency', latencyMs: 1 });
    lm.running.clock.advance(DAY);
    const answer = await admin(lm.running.url, 'POST', '/reset');
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.json, { ok: true });
    const dump = lm.running.emulator.dump();
    assert.deepEqual(dump.consumptions, []);
    assert.deepEqual(
      dump.licenses.map((l) => l.LicenseArn),
      [TIERED_ARN, CONFIGURABLE_ARN],
    );
    assert.deepEqual(dump.faults, []);
    assert.deepEqual(dump.calls, {});
    assert.equal(dump.clockOffsetMs, 0);
    assert.equal((await usageOf(lm.client, CONFIGURABLE_ARN))['ConcurrentUsers'], '0');
  });

  describe('clock', () => {
    it('GET /clock reads it; POST advances it by ms or by "61m" / "2h" / "30d"', async () => {
      const read = (await admin(lm.running.url, 'GET', '/clock')).json as unknown as ClockView;
      assert.equal(read.offsetMs, 0);
      assert.ok(Math.abs(read.epochMs - Date.now()) < 5_000);
      assert.equal(Date.parse(read.now), read.epochMs);
      for (const [advance, ms] of [
        ['61m', 61 * MINUTE],
        ['2h', 2 * HOUR],
        ['30d', 30 * DAY],
        ['90s', 90_000],
        [1500, 1500],
      ] as const) {
        const before = lm.running.clock.offsetMs;
        const answer = await admin(lm.running.url, 'POST', '/clock', { advance });
        assert.equal(answer.status, 200);
        assert.equal((answer.json as unknown as ClockView).offsetMs - before, ms, `advance ${advance}`);
      }
    });

    it('POST {"advance": "61m"} expires a 60-minute seat', async () => {
      await checkout(lm.client);
      await admin(lm.running.url, 'POST', '/clock', { advance: '61m' });
      assert.equal((await usageOf(lm.client, CONFIGURABLE_ARN))['ConcurrentUsers'], '0');
    });

    it('POST {"set": ...} takes an ISO date-time or epoch ms; {"reset": true} goes back to real time', async () => {
      const set = await admin(lm.running.url, 'POST', '/clock', { set: '2030-06-01T12:00:00Z' });
      assert.equal(set.status, 200);
      const view = set.json as unknown as ClockView;
      assert.ok(Math.abs(view.epochMs - Date.parse('2030-06-01T12:00:00Z')) < 2_000);
      const license = (await lm.client.send(new GetLicenseCommand({ LicenseArn: CONFIGURABLE_ARN }))).License;
      assert.equal(license?.Status, 'EXPIRED', 'seeds end a year after load');
      const epoch = Date.parse('2027-01-01T00:00:00Z');
      const byNumber = (await admin(lm.running.url, 'POST', '/clock', { set: epoch })).json as unknown as ClockView;
      assert.ok(Math.abs(byNumber.epochMs - epoch) < 2_000);
      const reset = (await admin(lm.running.url, 'POST', '/clock', { reset: true })).json as unknown as ClockView;
      assert.equal(reset.offsetMs, 0);
      assert.equal(lm.running.clock.offsetMs, 0);
    });

    it('POST {"skew": "-10m"} puts the Date header of every answer off real time, not the virtual clock; reset removes it', async () => {
      for (const [skew, ms] of [
        ['-10m', -10 * MINUTE],
        ['+2h', 2 * HOUR],
        ['90s', 90_000],
        [-7_000, -7_000],
      ] as const) {
        const answer = await admin(lm.running.url, 'POST', '/clock', { skew });
        assert.equal(answer.status, 200);
        const view = answer.json as unknown as ClockView;
        assert.deepEqual({ skewMs: view.skewMs, offsetMs: view.offsetMs }, { skewMs: ms, offsetMs: 0 }, `skew ${skew}`);
        for (const shown of [
          (await admin(lm.running.url, 'GET', '/clock')).headers.get('date'),
          (await rawCall(lm.running.url, 'GetLicense', { body: { LicenseArn: CONFIGURABLE_ARN } })).headers.get('date'),
        ]) {
          const off = Date.parse(shown ?? '') - Date.now();
          assert.ok(Math.abs(off - ms) < 3_000, `Date ${String(shown)} is ${off} ms off, not ${ms}`);
        }
      }
      const license = (await lm.client.send(new GetLicenseCommand({ LicenseArn: CONFIGURABLE_ARN }))).License;
      assert.equal(license?.Status, 'AVAILABLE', 'the virtual clock did not move');
      const reset = (await admin(lm.running.url, 'POST', '/clock', { reset: true })).json as unknown as ClockView;
      assert.equal(reset.skewMs, 0);
      const date = (await admin(lm.running.url, 'GET', '/clock')).headers.get('date');
      assert.ok(Math.abs(Date.parse(date ?? '') - Date.now()) < 3_000, `Date ${String(date)} is real time again`);
    });

    it('refuses bad clock moves with 400 ERR_LG_EMU_BAD_CLOCK and leaves the clock alone', async () => {
      for (const body of [
        { advance: '5 minutes' },
        { advance: -5 },
        { advance: '-5m' },
        { set: 'soon' },
        { skew: '10 minutes' },
        { skew: '31d' },
        { skew: 1.5 },
        { skew: '--5m' },
        {},
        { rewind: '1h' },
      ]) {
        assertAdminError(await admin(lm.running.url, 'POST', '/clock', body), 400, 'ERR_LG_EMU_BAD_CLOCK');
      }
      assert.equal(lm.running.clock.offsetMs, 0);
      assert.equal(lm.running.clock.skewMs, 0);
    });

    it('refuses a body that is not JSON with 400 ERR_LG_EMU_BAD_ADMIN_REQUEST', async () => {
      assertAdminError(
        await admin(lm.running.url, 'POST', '/clock', '{advance: 61m'),
        400,
        'ERR_LG_EMU_BAD_ADMIN_REQUEST',
      );
    });

    it('refuses a set beyond the range of dates with 400, and the clock keeps working', async () => {
      const answer = await admin(lm.running.url, 'POST', '/clock', { set: 1e17 });
      assertAdminError(answer, 400, 'ERR_LG_EMU_BAD_CLOCK');
      assert.equal((await admin(lm.running.url, 'GET', '/clock')).status, 200, 'GET /clock still answers');
      assert.equal(lm.running.clock.offsetMs, 0, 'a refused move leaves the clock alone');
      await checkout(lm.client);
    });

    it('refuses an advance beyond the range of dates with 400, and the clock keeps working', async () => {
      const answer = await admin(lm.running.url, 'POST', '/clock', { advance: '999999999999d' });
      assertAdminError(answer, 400, 'ERR_LG_EMU_BAD_CLOCK');
      assert.equal(lm.running.clock.offsetMs, 0, 'a refused move leaves the clock alone');
      await checkout(lm.client);
    });
  });

  describe('faults', () => {
    it('POST adds one or several (201), GET lists them, DELETE /faults/ID and DELETE /faults clear them', async () => {
      const one = await admin(lm.running.url, 'POST', '/faults', {
        operation: 'CheckoutLicense',
        kind: 'error',
        error: 'RateLimitExceededException',
        status: 400,
        times: 3,
      });
      assert.equal(one.status, 201);
      const [added] = (one.json as { faults: { id: number; operation: string; remaining: number; phase: string }[] })
        .faults;
      assert.deepEqual(
        { operation: added?.operation, remaining: added?.remaining, phase: added?.phase },
        { operation: 'CheckoutLicense', remaining: 3, phase: 'before' },
      );
      await expectAwsError(checkout(lm.client), 'RateLimitExceededException', 400);
      const several = await admin(lm.running.url, 'POST', '/faults', [
        { operation: 'GetLicense', kind: 'latency', latencyMs: 1 },
        { operation: 'GetLicense', kind: 'drop', phase: 'after', rate: 0.5 },
      ]);
      assert.equal(several.status, 201);
      assert.equal((several.json as { faults: unknown[] }).faults.length, 2);
      const listed = (await admin(lm.running.url, 'GET', '/faults')).json as {
        faults: { id: number; remaining: number | null; struck: number }[];
      };
      assert.equal(listed.faults.length, 3);
      assert.deepEqual(
        { remaining: listed.faults[0]?.remaining, struck: listed.faults[0]?.struck },
        { remaining: 2, struck: 1 },
      );
      const deleted = await admin(lm.running.url, 'DELETE', `/faults/${added?.id}`);
      assert.equal(deleted.status, 200);
      assert.equal((deleted.json as { faults: unknown[] }).faults.length, 2);
      await checkout(lm.client);
      const cleared = await admin(lm.running.url, 'DELETE', '/faults');
      assert.deepEqual(cleared.json, { faults: [] });
      assert.deepEqual(lm.running.emulator.faults.list(), []);
    });

    it('refuses a bad fault with 400 ERR_LG_EMU_BAD_FAULT', async () => {
      assertAdminError(await admin(lm.running.url, 'POST', '/faults', { kind: 'meteor' }), 400, 'ERR_LG_EMU_BAD_FAULT');
      assertAdminError(
        await admin(lm.running.url, 'POST', '/faults', { operation: 'CreateGrant', kind: 'error' }),
        400,
        'ERR_LG_EMU_BAD_FAULT',
      );
      assert.deepEqual(lm.running.emulator.faults.list(), []);
    });

    it('adds none of a list that holds a bad fault', async () => {
      const answer = await admin(lm.running.url, 'POST', '/faults', [
        { operation: 'CheckoutLicense', kind: 'error' },
        { kind: 'meteor' },
      ]);
      assertAdminError(answer, 400, 'ERR_LG_EMU_BAD_FAULT');
      assert.deepEqual(lm.running.emulator.faults.list(), [], 'a refused list leaves no fault behind');
      await checkout(lm.client);
    });
  });

  describe('licenses', () => {
    it('POST adds one license (an object) or several (a list), 201 with their ARNs, ready to check out', async () => {
      const arn = arnFor('sku-admin-one');
      const one = await admin(lm.running.url, 'POST', '/licenses', marketplaceSeed('sku-admin-one', [tier('Gold')]));
      assert.equal(one.status, 201);
      assert.deepEqual(one.json, { LicenseArns: [arn] });
      const several = await admin(lm.running.url, 'POST', '/licenses', [
        sellerSeed('sku-admin-two', 'Admin Co', [counted('Seats', 1)]),
        marketplaceSeed('sku-admin-three', [tier('Silver')], { LicenseArn: undefined }),
      ]);
      assert.equal(several.status, 201);
      const arns = (several.json as { LicenseArns: string[] }).LicenseArns;
      assert.equal(arns[0], arnFor('sku-admin-two', EMULATOR_ACCOUNT));
      assert.match(arns[1] ?? '', /^arn:aws:license-manager::294406891311:license:l-[0-9a-f]{32}$/);
      const answer = await checkout(lm.client, {
        sku: 'sku-admin-one',
        entitlements: [{ Name: 'Gold', Unit: 'None' }],
      });
      assert.equal(answer.LicenseArn, arn);
    });

    it('refuses a bad seed with 400 ERR_LG_EMU_BAD_SEED naming the entry', async () => {
      const answer = await admin(lm.running.url, 'POST', '/licenses', [
        marketplaceSeed('sku-fine', [tier('Gold')]),
        { ...marketplaceSeed('sku-bad', [tier('Gold')]), Validity: { Begin: 'yesterday' } },
      ]);
      assertAdminError(answer, 400, 'ERR_LG_EMU_BAD_SEED');
      assert.match(String(answer.json?.['message']), /licenses\[1\]/);
      assert.equal(lm.running.emulator.dump().licenses.length, 2, 'no license was added');
    });

    it('refuses an ARN that is taken with 400 ERR_LG_EMU_BAD_SEED', async () => {
      const answer = await admin(lm.running.url, 'POST', '/licenses', marketplaceSeed('sku-tiered', [tier('Gold')]));
      assertAdminError(answer, 400, 'ERR_LG_EMU_BAD_SEED');
      assert.equal(lm.running.emulator.dump().licenses.length, 2);
    });

    it('adds none of a list in which two licenses share an ARN', async () => {
      const arn = arnFor('sku-twin');
      const answer = await admin(lm.running.url, 'POST', '/licenses', [
        marketplaceSeed('sku-twin', [tier('Gold')], { LicenseArn: arn }),
        marketplaceSeed('sku-twin-2', [tier('Gold')], { LicenseArn: arn }),
      ]);
      assertAdminError(answer, 400, 'ERR_LG_EMU_BAD_SEED');
      assert.equal(lm.running.emulator.dump().licenses.length, 2, 'a refused list leaves no license behind');
    });
  });

  it('GET /calls answers the calls per operation and how many failed', async () => {
    await checkout(lm.client);
    await expectAwsError(checkout(lm.client, { sku: 'unknown' }), 'ResourceNotFoundException', 400);
    await lm.client.send(new GetLicenseCommand({ LicenseArn: TIERED_ARN }));
    const answer = await admin(lm.running.url, 'GET', '/calls');
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.json, {
      CheckoutLicense: { calls: 2, errors: 1 },
      GetLicense: { calls: 1, errors: 0 },
    });
    assert.equal(lm.running.calls(), 3);
  });

  it('GET /signing-key answers the PEM that verifies borrow SignedTokens', async () => {
    const response = await fetch(`${lm.running.url}/_emulator/signing-key`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/x-pem-file');
    const pem = await response.text();
    assert.match(pem, /^-----BEGIN PUBLIC KEY-----\n[\s\S]+\n-----END PUBLIC KEY-----\n$/);
    assert.equal(pem, lm.running.emulator.signingKeyPem());
    const arn = lm.running.addLicenses([
      sellerSeed('sku-borrowable', 'Admin Co', [counted('Seats', 2)], {
        ConsumptionConfiguration: { BorrowConfiguration: { AllowEarlyCheckIn: true, MaxTimeToLiveInMinutes: 60 } },
      }),
    ])[0];
    const borrowed = await lm.client.send(
      new CheckoutBorrowLicenseCommand({
        LicenseArn: arn,
        Entitlements: [{ Name: 'Seats', Unit: 'Count', Value: '1' }],
        DigitalSignatureMethod: 'JWT_PS384',
        ClientToken: newToken(),
      }),
    );
    const [header, payload, signature] = (borrowed.SignedToken ?? '').split('.');
    const ok = verify(
      'sha384',
      Buffer.from(`${header}.${payload}`),
      { key: pem, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 48 },
      Buffer.from(signature ?? '', 'base64url'),
    );
    assert.ok(ok);
  });

  it('refuses an admin body over 1 MiB with an ERR_LG_EMU_BAD_ADMIN_REQUEST answer', async () => {
    const answer = await admin(lm.running.url, 'POST', '/licenses', JSON.stringify([{ pad: 'x'.repeat(1024 * 1024) }]));
    assert.ok(answer.status === 400 || answer.status === 413, `status ${answer.status}`);
    assert.equal(answer.json?.['code'], 'ERR_LG_EMU_BAD_ADMIN_REQUEST');
    assert.equal(lm.running.emulator.dump().licenses.length, 2);
  });

  it('answers 404 ERR_LG_EMU_BAD_ADMIN_REQUEST for an unknown route or method', async () => {
    assertAdminError(await admin(lm.running.url, 'GET', '/nothing-here'), 404, 'ERR_LG_EMU_BAD_ADMIN_REQUEST');
    assertAdminError(await admin(lm.running.url, 'DELETE', '/health'), 404, 'ERR_LG_EMU_BAD_ADMIN_REQUEST');
    assertAdminError(
      await admin(lm.running.url, 'PUT', '/clock', { advance: '1m' }),
      404,
      'ERR_LG_EMU_BAD_ADMIN_REQUEST',
    );
  });
});
