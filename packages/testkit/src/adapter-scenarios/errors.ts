/**
 * What a client is told when the trouble is the server's own, through an adapter: License Manager
 * refusing the app's setup, License Manager down past the policy, a seat record changed under
 * concurrent writes. The answer is a problem+json with a generic detail and a stable type; License
 * Manager's messages, role names, account ids and stack traces stay in the server's log.
 */
import assert from 'node:assert/strict';

import { LicenseManagerClient } from '@aws-sdk/client-license-manager';
import { MemoryStore } from '@licensegate/core';
import type { PutOptions } from '@licensegate/core/store';
import request from 'supertest';

import { REGION, TIERS } from '../constants.js';
import { countedLicense, tieredLicense } from '../licenses.js';
import { assertNoStack, assertProblem } from '../problems.js';
import type { AdapterDriver } from './driver.js';
import { useTableWorld } from './table-world.js';

const SEATS = 'lg-table-errors-seats';
const TIERED = 'lg-table-errors-tiers';
/** A role allowed everything a gate does except CheckoutLicense. */
const LIMITED_KEY = { accessKeyId: 'AKIDLIMITEDROLE00001', secretAccessKey: 'limited-secret' };
/** The generic detail of a 503 about License Manager. */
const GENERIC = 'The license cannot be checked now; try again later.';

/** A store whose compare-and-set always finds the record changed: seats under endless concurrent writes. */
class ContendedStore extends MemoryStore {
  override put<T>(namespace: string, key: string, value: T, options?: PutOptions): Promise<number | undefined> {
    if (options?.ifVersion !== undefined && namespace.endsWith(':seats')) return Promise.resolve(undefined);
    return super.put(namespace, key, value, options);
  }
}

/** Leaks that must never reach a client. */
function assertNothingInternal(text: string): void {
  assertNoStack(text);
  for (const secret of [
    /AKID/,
    /arn:aws/,
    /license-manager:/,
    /AccessDenied/,
    /ServerInternalException/,
    /Injected fault/,
  ]) {
    assert.doesNotMatch(text, secret);
  }
}

/** The scenarios of answers about the server's own trouble, run against `driver`. */
export function errorScenarios(driver: AdapterDriver): void {
  describe('answers about the server’s own trouble leak nothing', function () {
    this.timeout(15_000);
    const world = useTableWorld(
      driver,
      () => [countedLicense(SEATS, { seats: 3 }), tieredLicense(TIERED, 'Intermediate')],
      {
        auth: 'strict',
        accessKeys: [
          {
            ...LIMITED_KEY,
            actions: ['GetLicense', 'ListReceivedLicenses', 'CheckInLicense', 'ExtendLicenseConsumption'],
          },
          {
            accessKeyId: process.env['AWS_ACCESS_KEY_ID'] ?? '',
            secretAccessKey: process.env['AWS_SECRET_ACCESS_KEY'] ?? '',
          },
        ],
      },
    );

    it('License Manager refusing the app’s setup (no CheckoutLicense permission) at login: 503, a generic detail, the details in the log', async () => {
      const w = world();
      const client = new LicenseManagerClient({
        endpoint: w.lm.url,
        region: REGION,
        credentials: LIMITED_KEY,
        maxAttempts: 1,
      });
      const gate = w.gate({ productSku: SEATS, seats: { entitlement: 'ConcurrentUsers' }, client });
      await gate.start();
      const app = await w.seatApp({ gate });
      const answer = await request(app.url).post('/login').send({ user: 'ann' });
      const body = assertProblem(answer, {
        status: 503,
        type: 'license-unavailable',
        code: 'ERR_LG_LICENSE_MANAGER_CONFIGURATION',
      });
      assert.equal(body['detail'], GENERIC);
      assertNothingInternal(answer.text);
      const logged = w.logger.entries.filter((e) =>
        /license-manager:CheckoutLicense/.test(String(e.fields['error'] ?? e.message)),
      );
      assert.ok(logged.length >= 1, 'the server log says which permission is missing');
    });

    it('License Manager down past the policy: 503 with a generic detail, not License Manager’s message', async () => {
      const w = world();
      const gate = w.gate({ productSku: TIERED, tiers: TIERS, onUnavailable: 'deny' });
      await gate.start();
      const { url } = await w.tierApp({ gate });
      await request(url).get('/basic').expect(200);
      w.lm.addFault({ operation: '*', kind: 'error', error: 'ServerInternalException' });
      await gate.refresh();
      const answer = await request(url).get('/basic');
      const body = assertProblem(answer, {
        status: 503,
        type: 'license-unavailable',
        code: 'ERR_LG_LICENSE_UNAVAILABLE',
      });
      assert.equal(body['detail'], GENERIC);
      assert.ok(Number(answer.headers['retry-after']) >= 1);
      assertNothingInternal(answer.text);
    });

    it('a seat record that keeps changing under concurrent writes: 503 contention with Retry-After, not a 500 bad key', async () => {
      const w = world();
      const gate = w.gate({
        productSku: SEATS,
        seats: { entitlement: 'ConcurrentUsers' },
        store: new ContendedStore(),
      });
      await gate.start();
      const app = await w.seatApp({ gate });
      const answer = await request(app.url).post('/login').send({ user: 'ann' });
      assertProblem(answer, { status: 503, type: 'contention', code: 'ERR_LG_SEAT_CONTENTION' });
      assert.equal(answer.headers['retry-after'], '1');
      assertNothingInternal(answer.text);
      assert.equal(w.lm.emulator.dump().consumptions.length, 0, 'the seat checked out meanwhile was given back');
    });
  });
}
