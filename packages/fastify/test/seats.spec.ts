/**
 * Seats through the Fastify plugin beyond the adapter table (which runs them on `@fastify/session`):
 * seats on `@fastify/secure-session`, whose session is the cookie itself (no id, no store) — login
 * takes a seat, `regenerate()` keeps it, `delete()` returns it, a user's sessions share one.
 * License Manager's own count (GetLicenseUsage) is the judge.
 */
import assert from 'node:assert/strict';

import fastifyCookie from '@fastify/cookie';
import fastifySecureSession from '@fastify/secure-session';
import type { LicenseGate } from '@licensegate/core';
import type { FastifyRequest, preHandlerHookHandler } from 'fastify';
import request from 'supertest';

import { licenseGatePlugin, type LicenseGatePluginOptions } from '../src/index.js';
import {
  assertProblem,
  countedLicense,
  marketplaceLicense,
  TIERS,
  useWorld,
  type FastifyWorld,
} from './support/world.js';

/**
 * The request's secure-session (this test project also loads `@fastify/session`, whose typing of
 * `request.session` wins).
 */
type CookieSession = fastifySecureSession.Session<{ user: string }>;
const cookieSession = (req: FastifyRequest): CookieSession => req.session as unknown as CookieSession;

const SKU = 'lg-fastify-seats';
const SEATS = 'ConcurrentUsers';
const TIERED_SKU = 'lg-fastify-seats-tiered';

const login: preHandlerHookHandler = (req, reply, done) => {
  const user = (req.body as { user?: unknown } | undefined)?.user;
  if (typeof user !== 'string') {
    void reply.code(400).send({ error: 'send {"user": "name"}' });
    return;
  }
  cookieSession(req).set('user', user);
  done();
};

/** An app on secure-session: login, regenerate, logout by delete(), a seat route; `tiered`: logins that also ask a tier. */
async function secureSessionApp(
  w: FastifyWorld,
  gate: LicenseGate,
  options: Omit<LicenseGatePluginOptions, 'gate'> = {},
  tiered = false,
): Promise<string> {
  const app = w.app();
  await app.register(fastifyCookie);
  await app.register(fastifySecureSession, {
    key: Buffer.alloc(32, 7),
    cookie: { path: '/', httpOnly: true },
  });
  await app.register(licenseGatePlugin, { gate, ...options });
  app.post('/login', { preHandler: login, config: { licensegate: { seat: 'acquire' } } }, async (req) => ({
    seat: req.license.seat?.key ?? null,
  }));
  app.post('/regenerate', async (req) => {
    cookieSession(req).regenerate();
    return { user: cookieSession(req).get('user') ?? null };
  });
  app.post('/delete', async (req) => {
    cookieSession(req).delete();
    return { deleted: true };
  });
  if (tiered) {
    app.post(
      '/login-premium',
      { preHandler: login, config: { licensegate: { tier: 'Premium', seat: 'acquire' } } },
      async (req) => ({
        seat: req.license.seat?.key ?? null,
      }),
    );
    app.post(
      '/login-basic',
      { preHandler: login, config: { licensegate: { tier: 'Basic', seat: 'acquire' } } },
      async (req) => ({
        seat: req.license.seat?.key ?? null,
      }),
    );
  }
  app.get('/app', { config: { licensegate: { seat: 'require' } } }, async (req) => ({
    seat: req.license.seat?.key ?? null,
    holders: req.license.seat?.holders ?? [],
  }));
  return w.serve(app);
}

describe('fastify plugin: seats', () => {
  const world = useWorld(() => [
    countedLicense(SKU, { seats: 2 }),
    marketplaceLicense(TIERED_SKU, [
      { Name: 'Intermediate', Value: 'Enabled', Unit: 'None' },
      { Name: SEATS, MaxCount: 2, Overage: false, Unit: 'Count', AllowCheckIn: true },
    ]),
  ]);

  it('a route with a tier and a seat step checks the tier first: a refused login takes no seat', async () => {
    const w = world();
    const gate = w.gate({ productSku: TIERED_SKU, tiers: TIERS, seats: { entitlement: SEATS } });
    await gate.start();
    const url = await secureSessionApp(w, gate, {}, true);
    assertProblem(await request(url).post('/login-premium').send({ user: 'ann' }), {
      status: 403,
      type: 'tier-required',
    });
    assert.equal(await w.consumed(w.arnOf(TIERED_SKU), SEATS), 0, 'no seat taken');
    assert.deepEqual(await gate.seats.held(), []);
    const seat = (await request(url).post('/login-basic').send({ user: 'ann' }).expect(200)).body.seat as string;
    assert.match(seat, /^cookie-/);
    assert.equal(await w.consumed(w.arnOf(TIERED_SKU), SEATS), 1);
  });

  async function started(w: FastifyWorld): Promise<{ gate: LicenseGate; taken: () => Promise<number> }> {
    const gate = w.gate({ productSku: SKU, seats: { entitlement: SEATS } });
    await gate.start();
    return { gate, taken: () => w.consumed(w.arnOf(SKU), SEATS) };
  }

  describe('on @fastify/secure-session (the session is the cookie)', () => {
    it('login takes a seat kept in the cookie; the seat route finds it; regenerate() keeps it; delete() returns it', async () => {
      const w = world();
      const { gate, taken } = await started(w);
      const url = await secureSessionApp(w, gate);
      const ann = request.agent(url);

      const seat = (await ann.post('/login').send({ user: 'ann' }).expect(200)).body.seat as string;
      assert.match(seat, /^cookie-[0-9a-f-]{36}$/, 'a cookie session gets an id for its seat');
      assert.equal(await taken(), 1);
      assert.equal((await ann.get('/app').expect(200)).body.seat, seat);

      assert.deepEqual((await ann.post('/regenerate').expect(200)).body, { user: null }, 'regenerate clears the data…');
      assert.equal((await ann.get('/app').expect(200)).body.seat, seat, '…but not the seat');
      assert.equal(await taken(), 1, 'no second checkout');
      assert.equal(w.calls('CheckoutLicense'), 1);

      await ann.post('/delete').expect(200);
      assert.equal(await taken(), 0, 'delete() returned the seat');
      assert.deepEqual(await gate.seats.held(), []);
      assertProblem(await ann.get('/app'), { status: 403, type: 'seat-required', code: 'ERR_LG_NO_SEAT' });
    });

    it('two logins, two seats; a third is refused with 403 seats-exhausted and takes nothing', async () => {
      const w = world();
      const { gate, taken } = await started(w);
      const url = await secureSessionApp(w, gate);
      const keys = [];
      for (const user of ['ann', 'bob'])
        keys.push((await request(url).post('/login').send({ user }).expect(200)).body.seat);
      assert.notEqual(keys[0], keys[1], 'each cookie session has its own seat');
      assertProblem(await request(url).post('/login').send({ user: 'cy' }), {
        status: 403,
        type: 'seats-exhausted',
      });
      assert.equal(await taken(), 2);
    });

    it('seats keyed by user: two cookie sessions of one user share one seat, each a holder', async () => {
      const w = world();
      const { gate, taken } = await started(w);
      const url = await secureSessionApp(w, gate, {
        seatKey: (req: FastifyRequest) => cookieSession(req).get('user'),
        seatInfo: (req: FastifyRequest) => ({ user: cookieSession(req).get('user') }),
      });
      const phone = request.agent(url);
      const laptop = request.agent(url);
      await phone.post('/login').send({ user: 'ann' }).expect(200);
      await laptop.post('/login').send({ user: 'ann' }).expect(200);
      assert.equal(await taken(), 1, 'one seat for ann');
      const held = await gate.seats.held();
      assert.equal(held.length, 1);
      assert.equal(held[0]?.key, 'ann');
      assert.equal(held[0]?.holders.length, 2);
      assert.deepEqual(held[0]?.info, { user: 'ann' });

      await phone.post('/delete').expect(200);
      assert.equal(await taken(), 1, 'the laptop still holds it');
      assert.equal((await laptop.get('/app').expect(200)).body.seat, 'ann');
      await laptop.post('/delete').expect(200);
      assert.equal(await taken(), 0, 'the last holder returned it');
    });
  });
});
