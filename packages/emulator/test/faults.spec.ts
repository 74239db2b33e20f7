import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';

import {
  GetLicenseCommand,
  ListReceivedLicensesCommand,
  type LicenseManagerClient,
} from '@aws-sdk/client-license-manager';

import { EmulatorError, type RunningEmulator } from '../src/index.js';
import {
  CONFIGURABLE_ARN,
  checkout,
  clientFor,
  expectAwsError,
  newToken,
  rejection,
  standardSeeds,
  startTestEmulator,
  stateOf,
  usageOf,
  useEmulator,
} from './support/emulator-fixture.js';

function getLicense(client: LicenseManagerClient) {
  return client.send(new GetLicenseCommand({ LicenseArn: CONFIGURABLE_ARN }));
}

/** Calls GetLicense `n` times; `true` where the call failed. */
async function failurePattern(client: LicenseManagerClient, n: number): Promise<boolean[]> {
  const pattern: boolean[] = [];
  for (let i = 0; i < n; i++) {
    pattern.push(
      await getLicense(client).then(
        () => false,
        () => true,
      ),
    );
  }
  return pattern;
}

describe('fault injection through the AWS SDK', () => {
  const lm = useEmulator(() => ({ licenses: standardSeeds() }), { each: false });

  describe('kind: error', () => {
    it('answers RateLimitExceededException at 429 by default, and at 400 when the fault says so', async () => {
      lm.running.addFault({
        operation: 'CheckoutLicense',
        kind: 'error',
        error: 'RateLimitExceededException',
        times: 1,
      });
      await expectAwsError(checkout(lm.client), 'RateLimitExceededException', 429);
      lm.running.addFault({
        operation: 'CheckoutLicense',
        kind: 'error',
        error: 'RateLimitExceededException',
        status: 400,
        times: 1,
      });
      const error = await expectAwsError(checkout(lm.client), 'RateLimitExceededException', 400);
      assert.equal(error.$metadata.attempts, 1);
      assert.equal(lm.running.calls('CheckoutLicense'), 2);
      assert.equal((await usageOf(lm.client, CONFIGURABLE_ARN))['ConcurrentUsers'], '0');
    });

    it('answers ServerInternalException at 500, which a one-attempt SDK client sees once', async () => {
      lm.running.addFault({ operation: 'CheckoutLicense', kind: 'error' });
      const error = await expectAwsError(checkout(lm.client), 'ServerInternalException', 500);
      assert.equal(error.$fault, 'server');
      assert.equal(error.$metadata.attempts, 1);
      assert.equal(lm.running.calls('CheckoutLicense'), 1);
      assert.deepEqual(lm.running.emulator.callCounts()['CheckoutLicense'], { calls: 1, errors: 1 });
    });

    it('carries the message the fault names', async () => {
      lm.running.addFault({
        operation: 'GetLicense',
        kind: 'error',
        error: 'AuthorizationException',
        message: 'no grant',
        times: 1,
      });
      const error = await expectAwsError(getLicense(lm.client), 'AuthorizationException', 403);
      assert.equal(error.message, 'no grant');
    });

    it('lets a retrying SDK client through a single injected 500', async () => {
      lm.running.addFault({ operation: 'GetLicense', kind: 'error', error: 'ServerInternalException', times: 1 });
      const retrying = lm.clientFor({ maxAttempts: 2 });
      const answer = await getLicense(retrying);
      assert.equal(answer.License?.LicenseArn, CONFIGURABLE_ARN);
      assert.equal(answer.$metadata.attempts, 2);
      assert.equal(lm.running.calls('GetLicense'), 2);
    });

    it('with phase after, does the work and then fails; a retry with the same ClientToken replays it', async () => {
      lm.running.addFault({ operation: 'CheckoutLicense', kind: 'error', phase: 'after', times: 1 });
      const clientToken = newToken();
      await expectAwsError(checkout(lm.client, { clientToken }), 'ServerInternalException', 500);
      assert.equal((await usageOf(lm.client, CONFIGURABLE_ARN))['ConcurrentUsers'], '1');
      const retried = await checkout(lm.client, { clientToken });
      assert.equal(retried.LicenseConsumptionToken, lm.running.emulator.dump().consumptions[0]?.token);
      assert.equal((await usageOf(lm.client, CONFIGURABLE_ARN))['ConcurrentUsers'], '1');
    });
  });

  describe('kind: latency', () => {
    it('delays the answer by at least latencyMs', async () => {
      lm.running.addFault({ operation: 'GetLicense', kind: 'latency', latencyMs: 100, times: 1 });
      const started = performance.now();
      const answer = await getLicense(lm.client);
      const elapsed = performance.now() - started;
      assert.equal(answer.License?.LicenseArn, CONFIGURABLE_ARN);
      assert.ok(elapsed >= 100, `took ${elapsed.toFixed(1)} ms`);
    });
  });

  describe('kind: drop', () => {
    it('before the work: the SDK gets a socket error and the state does not change', async () => {
      await checkout(lm.client);
      const before = stateOf(lm.running);
      lm.running.addFault({ operation: 'CheckoutLicense', kind: 'drop', times: 1 });
      const error = await rejection(checkout(lm.client));
      assert.equal(error.$metadata.httpStatusCode, undefined, 'no HTTP answer');
      assert.equal(error.code, 'ECONNRESET', `${error.name}: ${error.message}`);
      assert.deepEqual(stateOf(lm.running), before);
      assert.equal((await usageOf(lm.client, CONFIGURABLE_ARN))['ConcurrentUsers'], '1');
      assert.deepEqual(lm.running.emulator.callCounts()['CheckoutLicense'], { calls: 2, errors: 1 });
      await checkout(lm.client);
      assert.equal((await usageOf(lm.client, CONFIGURABLE_ARN))['ConcurrentUsers'], '2');
    });

    it('after the work: the units are taken; a retry with the same ClientToken replays without taking more', async () => {
      lm.running.addFault({ operation: 'CheckoutLicense', kind: 'drop', phase: 'after', times: 1 });
      const clientToken = newToken();
      const entitlements = [{ Name: 'DataConsumption', Unit: 'Count' as const, Value: '25' }];
      const error = await rejection(checkout(lm.client, { type: 'PERPETUAL', entitlements, clientToken }));
      assert.equal(error.$metadata.httpStatusCode, undefined);
      assert.equal((await usageOf(lm.client, CONFIGURABLE_ARN))['DataConsumption'], '25');
      const [consumption] = lm.running.emulator.dump().consumptions;
      const retried = await checkout(lm.client, { type: 'PERPETUAL', entitlements, clientToken });
      assert.equal(retried.LicenseConsumptionToken, consumption?.token);
      assert.equal((await usageOf(lm.client, CONFIGURABLE_ARN))['DataConsumption'], '25');
      assert.equal(lm.running.emulator.dump().consumptions.length, 1);
    });
  });

  describe('times, rate and operation', () => {
    it('with times, strikes the next N matching calls only, then goes away', async () => {
      const fault = lm.running.addFault({
        operation: 'GetLicense',
        kind: 'error',
        error: 'RateLimitExceededException',
        times: 2,
      });
      assert.equal(fault.remaining, 2);
      assert.deepEqual(await failurePattern(lm.client, 4), [true, true, false, false]);
      assert.equal(fault.struck, 2);
      assert.deepEqual(lm.running.emulator.faults.list(), []);
    });

    it('strikes only the operation it names; * strikes every operation', async () => {
      lm.running.addFault({ operation: 'GetLicense', kind: 'error' });
      await lm.client.send(new ListReceivedLicensesCommand({}));
      await expectAwsError(getLicense(lm.client), 'ServerInternalException', 500);
      lm.running.clearFaults();
      const every = lm.running.addFault({ kind: 'error', error: 'AuthorizationException' });
      assert.equal(every.operation, '*');
      await expectAwsError(lm.client.send(new ListReceivedLicensesCommand({})), 'AuthorizationException', 403);
      await expectAwsError(checkout(lm.client), 'AuthorizationException', 403);
      lm.running.clearFaults(every.id);
      await checkout(lm.client);
    });

    it('with rate, strikes a repeatable share of calls (seeded generator)', async () => {
      lm.running.addFault({ operation: 'GetLicense', kind: 'error', rate: 0.5 });
      const first = await failurePattern(lm.client, 24);
      const struck = first.filter(Boolean).length;
      assert.ok(struck >= 6 && struck <= 18, `${struck} of 24 struck`);
      assert.equal(lm.running.emulator.faults.list()[0]?.struck, struck);
      // Clearing every fault restarts the generator: the same fault strikes the same calls.
      lm.running.clearFaults();
      lm.running.addFault({ operation: 'GetLicense', kind: 'error', rate: 0.5 });
      assert.deepEqual(await failurePattern(lm.client, 24), first);

      // Another emulator with the same seed strikes the same calls; another seed, other calls.
      const twins: RunningEmulator[] = [];
      const clients: LicenseManagerClient[] = [];
      try {
        for (const faultSeed of [1, 7]) {
          const running = await startTestEmulator({ licenses: standardSeeds(), faultSeed });
          twins.push(running);
          running.addFault({ operation: 'GetLicense', kind: 'error', rate: 0.5 });
          clients.push(clientFor(running.url));
        }
        assert.deepEqual(await failurePattern(clients[0] as LicenseManagerClient, 24), first);
        assert.notDeepEqual(await failurePattern(clients[1] as LicenseManagerClient, 24), first);
      } finally {
        for (const client of clients) client.destroy();
        await Promise.all(twins.map((running) => running.close()));
      }
    });
  });

  describe('bad fault specs', () => {
    const bad: [string, unknown][] = [
      ['an unknown kind', { kind: 'explode' }],
      ['an operation the emulator does not emulate', { operation: 'CreateGrant', kind: 'error' }],
      ['a status outside 300..599', { kind: 'error', status: 200 }],
      ['an error name that is not a name', { kind: 'error', error: 'Not An Exception' }],
      ['a latency fault without latencyMs', { kind: 'latency' }],
      ['a phase other than before/after', { kind: 'drop', phase: 'during' }],
      ['times of 0', { kind: 'drop', times: 0 }],
      ['a rate of 0', { kind: 'drop', rate: 0 }],
      ['a rate above 1', { kind: 'drop', rate: 1.5 }],
      ['a spec that is not an object', 'drop'],
    ];
    for (const [what, spec] of bad) {
      it(`refuses ${what} with ERR_LG_EMU_BAD_FAULT`, () => {
        assert.throws(
          () => lm.running.addFault(spec as never),
          (error: unknown) => error instanceof EmulatorError && error.code === 'ERR_LG_EMU_BAD_FAULT',
        );
        assert.deepEqual(lm.running.emulator.faults.list(), []);
      });
    }
  });
});
