/**
 * What a client is told when the trouble is the server's own: License Manager refusing the app's
 * setup, License Manager down, a seat record changed under concurrent writes. The answer is a
 * problem+json with a generic detail and a stable type; License Manager's messages, role names,
 * account ids and stack traces stay in the server's log.
 */
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { LicenseManagerClient } from '@aws-sdk/client-license-manager';
import { createLicenseGate, MemoryStore, type LicenseGate } from '@licensegate/core';
import type { PutOptions } from '@licensegate/core/store';
import { startEmulator, type RunningEmulator } from '@licensegate/emulator';
import { licenseGate } from '../src/index.js';
import express from 'express';
import session from 'express-session';
import request from 'supertest';

import {
  assertNoStack,
  assertProblem,
  CapturingLogger,
  countedLicense,
  FAST_RETRY,
  tieredLicense,
} from './support/world.js';

const SEATS = 'lg-express-errors-seats';
const TIERED = 'lg-express-errors-tiers';
const LIMITED_KEY = { accessKeyId: 'AKIDLIMITEDROLE00001', secretAccessKey: 'limited-secret' };

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

describe('express: answers about the server’s own trouble leak nothing', function () {
  this.timeout(15_000);
  let lm: RunningEmulator;
  let server: Server | undefined;
  let gate: LicenseGate | undefined;
  const logger = new CapturingLogger();

  beforeEach(async () => {
    lm = await startEmulator({
      host: '127.0.0.1',
      port: 0,
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
    });
    lm.addLicenses([countedLicense(SEATS, { seats: 3 }), tieredLicense(TIERED, 'Intermediate')]);
    logger.entries.length = 0;
  });
  afterEach(async () => {
    server?.closeAllConnections();
    server?.close();
    await gate?.stop();
    await lm.close();
  });

  /** Serves login (a seat) or a tier route over `gate`, whichever it has. */
  async function serve(g: LicenseGate): Promise<string> {
    gate = g;
    await g.start();
    const lg = licenseGate(g);
    const app = express();
    app.use(session({ secret: 'errors-test', resave: false, saveUninitialized: false }));
    if (g.options.seats !== undefined) {
      app.post(
        '/login',
        (req, _res, next) => req.session.regenerate(next),
        lg.acquireSeat(),
        (_req, res) => res.json({ ok: true }),
      );
    }
    if (g.options.tiers.length > 0) app.get('/report', lg.requireTier('Basic'), (_req, res) => res.json({ ok: true }));
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server?.once('listening', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it('License Manager refusing the app’s setup (no CheckoutLicense permission) at login: 503, a generic detail, the details in the log', async () => {
    const client = new LicenseManagerClient({
      endpoint: lm.url,
      region: 'us-east-1',
      credentials: LIMITED_KEY,
      maxAttempts: 1,
    });
    const url = await serve(
      createLicenseGate({
        productSku: SEATS,
        seats: { entitlement: 'ConcurrentUsers' },
        client,
        logger,
        retry: FAST_RETRY,
      }),
    );
    const answer = await request(url).post('/login');
    const body = assertProblem(answer, {
      status: 503,
      type: 'license-unavailable',
      code: 'ERR_LG_LICENSE_MANAGER_CONFIGURATION',
    });
    assert.equal(body['detail'], 'The license cannot be checked now; try again later.');
    assertNothingInternal(answer.text);
    const logged = logger.entries.filter((e) =>
      /license-manager:CheckoutLicense/.test(String(e.fields['error'] ?? e.message)),
    );
    assert.ok(logged.length >= 1, 'the server log says which permission is missing');
    client.destroy();
  });

  it('License Manager down past the policy: 503 with a generic detail, not License Manager’s message', async () => {
    const url = await serve(
      createLicenseGate({
        productSku: TIERED,
        tiers: ['Basic', 'Intermediate', 'Premium'],
        client: { endpoint: lm.url, region: 'us-east-1' },
        onUnavailable: 'deny',
        logger,
        retry: FAST_RETRY,
      }),
    );
    await request(url).get('/report').expect(200);
    lm.addFault({ operation: '*', kind: 'error', error: 'ServerInternalException' });
    await gate?.refresh();
    const answer = await request(url).get('/report');
    const body = assertProblem(answer, {
      status: 503,
      type: 'license-unavailable',
      code: 'ERR_LG_LICENSE_UNAVAILABLE',
    });
    assert.equal(body['detail'], 'The license cannot be checked now; try again later.');
    assert.ok(Number(answer.headers['retry-after']) >= 1);
    assertNothingInternal(answer.text);
  });

  it('a seat record that keeps changing under concurrent writes: 503 contention with Retry-After, not a 500 bad key', async () => {
    const url = await serve(
      createLicenseGate({
        productSku: SEATS,
        seats: { entitlement: 'ConcurrentUsers' },
        client: { endpoint: lm.url, region: 'us-east-1' },
        store: new ContendedStore(),
        logger,
        retry: FAST_RETRY,
      }),
    );
    const answer = await request(url).post('/login');
    assertProblem(answer, { status: 503, type: 'contention', code: 'ERR_LG_SEAT_CONTENTION' });
    assert.equal(answer.headers['retry-after'], '1');
    assert.equal(lm.emulator.dump().consumptions.length, 0, 'the seat checked out meanwhile was given back');
  });
});
