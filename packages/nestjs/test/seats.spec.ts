/**
 * Floating seats through real Nest 12 apps, real express-session and supertest agents, against the
 * emulator over HTTP: login, logout, regenerate, destroy, idle expiry, contention, seats shared by
 * a user's sessions (by the module's seatKey and by a subclassed guard), the wait queue, and
 * License Manager outages. License Manager's own count (GetLicenseUsage) is the judge.
 */
import assert from 'node:assert/strict';

import { MemoryStore, type LicenseGate } from '@licensegate/core';
import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import request from 'supertest';

import { LicenseGateGuard, LicenseGateModule, type LicenseGateModuleOptions, type LicenseRoute } from '../src/index.js';
import { byUser, seatModule, withSessions } from './support/seat-app.js';
import {
  assertProblem,
  countedLicense,
  MINUTE,
  rawPost,
  recordEvents,
  until,
  useWorld,
  type EventLog,
} from './support/world.js';

const SKU = 'lg-nest-seats';
const SEATS = 'ConcurrentUsers';

/** Seats keyed by the app's own user id, which its auth put on `req.user` (here: a header). */
@Injectable()
class UserSeatGuard extends LicenseGateGuard {
  protected override getSeatKey(req: Request, _route: LicenseRoute): string | undefined {
    const id = req.header('x-user-id');
    return id === undefined ? undefined : `user:${id}`;
  }

  protected override getSeatInfo(req: Request): unknown {
    return { userId: req.header('x-user-id') };
  }
}

describe('nestjs seats: @AcquireSeat, @ReleaseSeat, @RequireSeat with express-session', () => {
  const world = useWorld(() => [countedLicense(SKU, { seats: 3 })]);

  interface Setup {
    gate: LicenseGate;
    events: EventLog;
    url: string;
    /** Seats License Manager counts as taken. */
    taken: () => Promise<number>;
  }

  async function setup(
    seats: { idleTimeoutMs?: number; wait?: { timeoutMs: number; pollMs?: number } } = {},
    options: Partial<LicenseGateModuleOptions> = {},
    sku = SKU,
    guard?: typeof LicenseGateGuard,
  ): Promise<Setup> {
    const w = world();
    const gate = w.gate({ productSku: sku, seats: { entitlement: SEATS, ...seats } });
    const events = recordEvents(gate);
    await gate.start();
    const { url } = await w.serve(seatModule(LicenseGateModule.forRoot({ gate, ...options }), guard), withSessions);
    return { gate, events, url, taken: () => w.consumed(w.arnOf(sku), SEATS) };
  }

  it('login takes a seat for the session, /app finds it, logout returns it', async () => {
    const w = world();
    const { gate, url, taken } = await setup();
    const ann = request.agent(url);

    const login = await ann.post('/login').send({ user: 'ann' }).expect(200);
    assert.equal(login.body.seat, login.body.sid, 'a session-keyed seat');
    assert.equal(await taken(), 1);
    assert.deepEqual(
      (await gate.seats.held()).map((s) => s.key),
      [login.body.sid],
    );

    const inside = await ann.get('/app').expect(200);
    assert.deepEqual(inside.body, { user: 'ann', sid: login.body.sid, seat: login.body.sid, holders: [] });

    const out = await ann.post('/logout').expect(200);
    assert.equal(out.body.seat, null, '@License() shows no seat after logout');
    assert.equal(await taken(), 0);
    assert.equal(w.calls('CheckInLicense'), 1);
    assert.deepEqual(await gate.seats.held(), []);
    assertProblem(await ann.get('/app'), { status: 403, type: 'seat-required', code: 'ERR_LG_NO_SEAT' });
    assert.equal(w.calls('CheckoutLicense'), 1, '@RequireSeat() does not take a seat for a session that logged out');
  });

  it('@RequireSeat() answers 403 seat-required to a request without a login', async () => {
    const w = world();
    const { url } = await setup();
    assertProblem(await request(url).get('/app'), { status: 403, type: 'seat-required', code: 'ERR_LG_NO_SEAT' });
    assert.equal(w.calls('CheckoutLicense'), 0);
  });

  it("a failed login (the app's guard refuses it first) takes no seat", async () => {
    const w = world();
    const { url, taken } = await setup();
    const res = await request.agent(url).post('/login').send({}).expect(400);
    assert.deepEqual(res.body, { error: 'send {"user": "name"}' });
    assert.equal(w.calls('CheckoutLicense'), 0);
    assert.equal(await taken(), 0);
  });

  it('a second login in the same session takes no second seat', async () => {
    const w = world();
    const { url, taken } = await setup();
    const ann = request.agent(url);
    const first = await ann.post('/login').send({ user: 'ann' }).expect(200);
    const second = await ann.post('/login').send({ user: 'ann' }).expect(200);
    assert.equal(second.body.seat, first.body.seat);
    assert.equal(w.calls('CheckoutLicense'), 1);
    assert.equal(await taken(), 1);
  });

  it('8 parallel logins for 3 seats: exactly 3 seats and 5 seats-exhausted problems', async () => {
    const { gate, url, taken } = await setup();
    const agents = Array.from({ length: 8 }, () => request.agent(url));
    const answers = await Promise.all(agents.map((agent, i) => agent.post('/login').send({ user: `user${i}` })));
    const ok = answers.filter((r) => r.status === 200);
    const refused = answers.filter((r) => r.status !== 200);
    assert.equal(ok.length, 3);
    assert.equal(refused.length, 5);
    for (const res of refused) {
      assertProblem(res, {
        status: 403,
        type: 'seats-exhausted',
        code: 'ERR_LG_SEATS_EXHAUSTED',
        fields: { entitlement: SEATS, limit: 3 },
      });
      assert.equal(res.headers['retry-after'], undefined, 'no Retry-After without the wait queue');
    }
    assert.equal(await taken(), 3);
    assert.deepEqual((await gate.seats.held()).map((s) => s.key).sort(), ok.map((r) => r.body.sid as string).sort());
  });

  it('req.session.regenerate() after login keeps the same seat under the new id: no second checkout', async () => {
    const w = world();
    const { gate, url, taken } = await setup();
    const ann = request.agent(url);
    const login = await ann.post('/login').send({ user: 'ann' }).expect(200);

    const regenerated = await ann.post('/regenerate').expect(200);
    assert.equal(regenerated.body.before, login.body.sid);
    assert.notEqual(regenerated.body.after, login.body.sid);
    const inside = await ann.get('/app').expect(200);
    assert.equal(inside.body.sid, regenerated.body.after);
    assert.equal(inside.body.seat, regenerated.body.after);

    assert.equal(w.calls('CheckoutLicense'), 1, 'the seat moved, it was not taken again');
    assert.equal(w.calls('CheckInLicense'), 0);
    assert.equal(await taken(), 1);
    assert.deepEqual(
      (await gate.seats.held()).map((s) => s.key),
      [regenerated.body.after],
    );
    await ann.post('/logout').expect(200);
    assert.equal(await taken(), 0, 'logout after regenerate returns the moved seat');
  });

  it('req.session.destroy() returns the seat (through service.sessionStore())', async () => {
    const w = world();
    const { events, url, taken } = await setup();
    const ann = request.agent(url);
    const login = await ann.post('/login').send({ user: 'ann' }).expect(200);
    assert.equal(await taken(), 1);

    await ann.post('/destroy').expect(200);
    await until(() => events.seatReleased.length === 1, 'the seat of the destroyed session to be returned');
    assert.deepEqual(events.seatReleased[0], { key: login.body.sid, reason: 'release' });
    assert.equal(await taken(), 0);
    assert.equal(w.calls('CheckInLicense'), 1);
    assertProblem(await ann.get('/app'), { status: 403, type: 'seat-required' });
  });

  it('a session unused for idleTimeoutMs loses its seat; /app takes one again while one is free', async () => {
    const w = world();
    const { events, url, taken } = await setup({ idleTimeoutMs: 10 * MINUTE });
    const ann = request.agent(url);
    await ann.post('/login').send({ user: 'ann' }).expect(200);

    await w.advance(6 * MINUTE);
    await ann.get('/app').expect(200); // touches the seat
    await w.advance(6 * MINUTE); // 12 minutes after login, 6 after the touch
    assert.equal(events.seatReleased.length, 0, 'a used seat is kept');
    assert.equal(await taken(), 1);

    await w.advance(5 * MINUTE); // 11 minutes unused
    await until(() => events.seatReleased.length === 1, 'the idle seat to be reaped');
    assert.equal(events.seatReleased[0]?.reason, 'idle');
    assert.equal(await taken(), 0);

    const back = await ann.get('/app').expect(200);
    assert.equal(back.body.seat, back.body.sid);
    assert.equal(w.calls('CheckoutLicense'), 2, 'the lost seat is taken again');
    assert.equal(await taken(), 1);
  });

  it('a lost seat that cannot be taken again answers 403 seats-exhausted', async () => {
    const w = world();
    w.addLicense(countedLicense('lg-nest-one-seat', { seats: 1 }));
    const { events, url } = await setup({ idleTimeoutMs: 5 * MINUTE }, {}, 'lg-nest-one-seat');
    const ann = request.agent(url);
    const bob = request.agent(url);
    await ann.post('/login').send({ user: 'ann' }).expect(200);
    await w.advance(6 * MINUTE);
    await until(() => events.seatReleased.length === 1, 'the idle seat to be reaped');
    await bob.post('/login').send({ user: 'bob' }).expect(200);
    assertProblem(await ann.get('/app'), {
      status: 403,
      type: 'seats-exhausted',
      fields: { entitlement: SEATS, limit: 1 },
    });
  });

  it("seats keyed by user (the module's seatKey): two sessions share one seat; the last logout returns it", async () => {
    const w = world();
    const { gate, url, taken } = await setup({}, { seatKey: byUser });
    const laptop = request.agent(url);
    const phone = request.agent(url);

    const a = await laptop.post('/login').send({ user: 'ann' }).expect(200);
    const b = await phone.post('/login').send({ user: 'ann' }).expect(200);
    assert.equal(a.body.seat, 'ann');
    assert.equal(b.body.seat, 'ann');
    assert.equal(w.calls('CheckoutLicense'), 1, 'one seat for one user');
    assert.equal(await taken(), 1);
    const [seat] = await gate.seats.held();
    assert.deepEqual([...(seat?.holders ?? [])].sort(), [a.body.sid, b.body.sid].sort());

    await laptop.post('/logout').expect(200);
    assert.equal(await taken(), 1, 'the phone still holds the seat');
    assert.deepEqual((await gate.seats.held())[0]?.holders, [b.body.sid]);
    assert.deepEqual((await phone.get('/app').expect(200)).body.holders, [b.body.sid]);
    assertProblem(await laptop.get('/app'), { status: 403, type: 'seat-required' });

    await phone.post('/logout').expect(200);
    assert.equal(await taken(), 0);
    assert.equal(w.calls('CheckInLicense'), 1);
  });

  it('seats keyed by user: a regenerated session stays a holder under its new id', async () => {
    const w = world();
    const { gate, url, taken } = await setup({}, { seatKey: byUser });
    const laptop = request.agent(url);
    const phone = request.agent(url);
    await laptop.post('/login').send({ user: 'ann' }).expect(200);
    const b = await phone.post('/login').send({ user: 'ann' }).expect(200);

    const regenerated = await laptop.post('/regenerate').expect(200);
    assert.deepEqual(
      [...((await gate.seats.held())[0]?.holders ?? [])].sort(),
      [regenerated.body.after, b.body.sid].sort(),
    );
    await laptop.get('/app').expect(200);
    assert.equal(w.calls('CheckoutLicense'), 1);

    await phone.post('/logout').expect(200);
    await laptop.post('/logout').expect(200);
    assert.equal(await taken(), 0);
  });

  it("a subclassed guard keys seats by the app's own user id: one seat per user across sessions", async () => {
    const w = world();
    const { gate, url, taken } = await setup({}, {}, SKU, UserSeatGuard);
    const laptop = request.agent(url);
    const phone = request.agent(url);
    const bob = request.agent(url);

    const a = await laptop.post('/login').set('x-user-id', '42').send({ user: 'ann' }).expect(200);
    await phone.post('/login').set('x-user-id', '42').send({ user: 'ann' }).expect(200);
    await bob.post('/login').set('x-user-id', '7').send({ user: 'bob' }).expect(200);
    assert.equal(a.body.seat, 'user:42');
    assert.equal(w.calls('CheckoutLicense'), 2, 'one seat per user id');
    assert.equal(await taken(), 2);
    const held = (await gate.seats.held()).sort((x, y) => x.key.localeCompare(y.key));
    assert.deepEqual(
      held.map((s) => [s.key, s.holders.length, s.info]),
      [
        ['user:42', 2, { userId: '42' }],
        ['user:7', 1, { userId: '7' }],
      ],
    );
    assert.equal((await laptop.get('/app').set('x-user-id', '42').expect(200)).body.seat, 'user:42');

    await laptop.post('/logout').set('x-user-id', '42').expect(200);
    await phone.post('/logout').set('x-user-id', '42').expect(200);
    assert.equal(await taken(), 1, "user 42's seat is back; bob keeps his");
  });

  it("seatInfo(req) from the module's options is shown by gate.seats.held()", async () => {
    const { gate, url } = await setup({}, { seatInfo: (req) => ({ user: req.session.user }) });
    await request.agent(url).post('/login').send({ user: 'ann' }).expect(200);
    assert.deepEqual((await gate.seats.held())[0]?.info, { user: 'ann' });
  });

  it('with seats.wait: a login that waits in vain answers 429 seats-exhausted with Retry-After', async () => {
    const w = world();
    w.addLicense(countedLicense('lg-nest-one-seat', { seats: 1 }));
    const { url } = await setup({ wait: { timeoutMs: 5_000, pollMs: 10_000 } }, {}, 'lg-nest-one-seat');
    await request.agent(url).post('/login').send({ user: 'ann' }).expect(200);

    const timers = w.clock.pendingTimers;
    const bob = request
      .agent(url)
      .post('/login')
      .send({ user: 'bob' })
      .then((r) => r);
    await until(() => w.clock.pendingTimers >= timers + 2, 'bob to wait in the queue');
    await w.advance(5_000);
    const res = await bob;
    const body = assertProblem(res, { status: 429, type: 'seats-exhausted', fields: { entitlement: SEATS, limit: 1 } });
    assert.match(body['detail'] as string, /waiting 5000 ms/);
    assert.equal(res.headers['retry-after'], '10');
  });

  it('with seats.wait: a waiting login gets the seat another session returns', async () => {
    const w = world();
    w.addLicense(countedLicense('lg-nest-one-seat', { seats: 1 }));
    const { url } = await setup({ wait: { timeoutMs: 60_000 } }, {}, 'lg-nest-one-seat');
    const ann = request.agent(url);
    await ann.post('/login').send({ user: 'ann' }).expect(200);

    const timers = w.clock.pendingTimers;
    const bob = request
      .agent(url)
      .post('/login')
      .send({ user: 'bob' })
      .then((r) => r);
    await until(() => w.clock.pendingTimers >= timers + 2, 'bob to wait in the queue');
    await ann.post('/logout').expect(200);
    const res = await bob;
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.user, 'bob');
    assert.equal(await w.consumed(w.arnOf('lg-nest-one-seat'), SEATS), 1);
  });

  it('with seats.wait: a login whose client gave up while waiting does not take the seat from a live one', async () => {
    const w = world();
    w.addLicense(countedLicense('lg-nest-one-seat', { seats: 1 }));
    const { url } = await setup({ wait: { timeoutMs: 60_000 } }, {}, 'lg-nest-one-seat');
    const ann = request.agent(url);
    await ann.post('/login').send({ user: 'ann' }).expect(200);

    const timers = w.clock.pendingTimers;
    const bob = rawPost(`${url}/login`, { user: 'bob' });
    await until(() => w.clock.pendingTimers >= timers + 2, 'bob to wait in the queue');
    bob.abort(); // bob closes the tab
    await until(() => w.clock.pendingTimers <= timers, 'bob to stop waiting');

    await ann.post('/logout').expect(200);
    const res = await request.agent(url).post('/login').send({ user: 'carol' });
    assert.equal(
      res.status,
      200,
      `carol, who is still there, gets the free seat; got ${res.status} ${res.text.slice(0, 120)}`,
    );
    assert.equal(res.body.user, 'carol');
  });

  it('a login while License Manager cannot be reached answers 503 license-unavailable with Retry-After', async () => {
    const w = world();
    const { url, taken } = await setup();
    w.lm.addFault({ operation: 'CheckoutLicense', kind: 'error', error: 'ServerInternalException' });
    const res = await request.agent(url).post('/login').send({ user: 'ann' });
    assertProblem(res, { status: 503, type: 'license-unavailable', code: 'ERR_LG_LICENSE_UNAVAILABLE' });
    assert.match(String(res.headers['retry-after']), /^[1-9]\d*$/);
    w.lm.clearFaults();
    assert.equal(await taken(), 0);
  });

  it('logout never fails the request: a seat that cannot be returned is logged, and the answer is 200', async () => {
    const w = world();
    const store = new MemoryStore({ sweepIntervalMs: 2 ** 31 - 1 });
    let failing = false;
    const get = store.get.bind(store);
    store.get = (...args: Parameters<MemoryStore['get']>) =>
      failing ? Promise.reject(new Error('the store is down')) : get(...args);
    const gate = w.gate({ productSku: SKU, seats: { entitlement: SEATS }, store });
    await gate.start();
    const { url } = await w.serve(seatModule(LicenseGateModule.forRoot({ gate })), withSessions);
    const ann = request.agent(url);
    await ann.post('/login').send({ user: 'ann' }).expect(200);
    failing = true;
    const out = await ann.post('/logout').expect(200);
    failing = false;
    assert.equal(out.body.loggedOut, true);
    const [logged] = w.logger.events('licensegate.release_failed', 'warn');
    assert.match(String(logged?.fields['error']), /the store is down/);
  });

  it('the status shows the seats held here', async () => {
    const { url } = await setup();
    await request.agent(url).post('/login').send({ user: 'ann' }).expect(200);
    const res = await request(url).get('/status').expect(200);
    assert.deepEqual(res.body.seats, { entitlement: SEATS, heldHere: 1, limit: 3 });
  });
});
