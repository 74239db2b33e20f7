/**
 * Floating seats through an adapter, with real sessions and supertest agents: login, logout,
 * regenerate, destroy, idle expiry, contention, seats shared by a user's sessions, the wait queue,
 * License Manager and store outages. License Manager's own count (GetLicenseUsage) is the judge of
 * how many seats are held.
 */
import assert from 'node:assert/strict';

import { MemoryStore, type LicenseGate } from '@licensegate/core';
import request from 'supertest';

import { MINUTE } from '../constants.js';
import { recordEvents, type EventLog } from '../events.js';
import { countedLicense } from '../licenses.js';
import { assertProblem } from '../problems.js';
import { rawRequest } from '../raw-request.js';
import { until } from '../waiting.js';
import type { AdapterDriver, SeatApp, SeatAppOptions } from './driver.js';
import { useTableWorld } from './table-world.js';

const SKU = 'lg-table-seats';
const ONE_SEAT = 'lg-table-one-seat';
const SEATS = 'ConcurrentUsers';

interface Setup {
  gate: LicenseGate;
  events: EventLog;
  app: SeatApp;
  /** Seats License Manager counts as taken. */
  taken: () => Promise<number>;
  /** CheckInLicense calls since the gate started (its start-up permission probe left out). */
  checkIns: () => number;
}

/** The seat scenarios, run against `driver`. */
export function seatScenarios(driver: AdapterDriver): void {
  describe('seats', () => {
    const world = useTableWorld(driver, () => [
      countedLicense(SKU, { seats: 3 }),
      countedLicense(ONE_SEAT, { seats: 1 }),
    ]);

    async function setup(
      seats: { idleTimeoutMs?: number; wait?: { timeoutMs: number; pollMs?: number } } = {},
      options: Omit<SeatAppOptions, 'gate'> = {},
      sku = SKU,
    ): Promise<Setup> {
      const w = world();
      const gate = w.gate({ productSku: sku, seats: { entitlement: SEATS, ...seats } });
      const events = recordEvents(gate);
      await gate.start();
      const probes = w.calls('CheckInLicense');
      const app = await w.seatApp({ gate, ...options });
      return {
        gate,
        events,
        app,
        taken: () => w.consumed(w.arnOf(sku), SEATS),
        checkIns: () => w.calls('CheckInLicense') - probes,
      };
    }

    it('login takes a seat for the session, the seat route finds it, logout returns it', async () => {
      const w = world();
      const { gate, app, taken, checkIns } = await setup();
      const ann = request.agent(app.url);

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
      assert.equal(out.body.seat, null, 'the request shows no seat after logout');
      assert.equal(await taken(), 0);
      assert.equal(checkIns(), 1);
      assert.deepEqual(await gate.seats.held(), []);
      assertProblem(await ann.get('/app'), { status: 403, type: 'seat-required', code: 'ERR_LG_NO_SEAT' });
      assert.equal(w.calls('CheckoutLicense'), 1, 'the seat route does not take a seat for a session that logged out');
    });

    it('the seat route answers 403 seat-required to a request without a login', async () => {
      const w = world();
      const { app } = await setup();
      assertProblem(await request(app.url).get('/app'), { status: 403, type: 'seat-required', code: 'ERR_LG_NO_SEAT' });
      assert.equal(w.calls('CheckoutLicense'), 0);
    });

    it("a login the app's own step refuses takes no seat", async () => {
      const w = world();
      const { app, taken } = await setup();
      const res = await request.agent(app.url).post('/login').send({}).expect(400);
      assert.deepEqual(res.body, { error: 'send {"user": "name"}' });
      assert.equal(w.calls('CheckoutLicense'), 0);
      assert.equal(await taken(), 0);
    });

    it('a second login in the same session takes no second seat', async () => {
      const w = world();
      const { app, taken } = await setup();
      const ann = request.agent(app.url);
      const first = await ann.post('/login').send({ user: 'ann' }).expect(200);
      const second = await ann.post('/login').send({ user: 'ann' }).expect(200);
      assert.equal(second.body.seat, first.body.seat);
      assert.equal(w.calls('CheckoutLicense'), 1);
      assert.equal(await taken(), 1);
    });

    it('8 parallel logins for 3 seats: exactly 3 seats and 5 seats-exhausted problems', async () => {
      const { gate, app, taken } = await setup();
      const agents = Array.from({ length: 8 }, () => request.agent(app.url));
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

    it('regenerating the session after login keeps the same seat under the new id: no second checkout', async () => {
      const w = world();
      const { gate, app, taken, checkIns } = await setup();
      const ann = request.agent(app.url);
      const login = await ann.post('/login').send({ user: 'ann' }).expect(200);

      const regenerated = await ann.post('/regenerate').expect(200);
      assert.equal(regenerated.body.before, login.body.sid);
      assert.notEqual(regenerated.body.after, login.body.sid);
      const inside = await ann.get('/app').expect(200);
      assert.equal(inside.body.sid, regenerated.body.after);
      assert.equal(inside.body.seat, regenerated.body.after);

      assert.equal(w.calls('CheckoutLicense'), 1, 'the seat moved, it was not taken again');
      assert.equal(checkIns(), 0);
      assert.equal(await taken(), 1);
      assert.deepEqual(
        (await gate.seats.held()).map((s) => s.key),
        [regenerated.body.after],
      );

      await ann.post('/logout').expect(200);
      assert.equal(await taken(), 0, 'logout after regenerate returns the moved seat');
    });

    it("destroying the session returns the seat (through the adapter's session store)", async () => {
      const { events, app, taken, checkIns } = await setup();
      const ann = request.agent(app.url);
      const login = await ann.post('/login').send({ user: 'ann' }).expect(200);
      assert.equal(await taken(), 1);

      await ann.post('/destroy').expect(200);
      await until(() => events.seatReleased.length === 1, 'the seat of the destroyed session to be returned');
      assert.deepEqual(events.seatReleased[0], { key: login.body.sid, reason: 'release' });
      assert.equal(await taken(), 0);
      assert.equal(checkIns(), 1);
      assertProblem(await ann.get('/app'), { status: 403, type: 'seat-required' });
    });

    it('a session unused for idleTimeoutMs loses its seat; the seat route takes one again while one is free', async () => {
      const w = world();
      const { events, app, taken } = await setup({ idleTimeoutMs: 10 * MINUTE });
      const ann = request.agent(app.url);
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
      const { events, app } = await setup({ idleTimeoutMs: 5 * MINUTE }, {}, ONE_SEAT);
      const ann = request.agent(app.url);
      const bob = request.agent(app.url);
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

    it('seats keyed by user: two sessions of one user share one seat; the last logout returns it', async () => {
      const w = world();
      const { gate, app, taken, checkIns } = await setup({}, { seatKey: 'user' });
      const laptop = request.agent(app.url);
      const phone = request.agent(app.url);

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
      assert.equal(checkIns(), 1);
    });

    it('seats keyed by user: a regenerated session stays a holder under its new id', async () => {
      const w = world();
      const { gate, app, taken } = await setup({}, { seatKey: 'user' });
      const laptop = request.agent(app.url);
      const phone = request.agent(app.url);
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

    it("the adapter's session store works with a store that keeps its sessions in an ES private field", async () => {
      const { events, app } = await setup({}, { sessionStore: 'private-field' });
      const ann = request.agent(app.url);

      // The wrapper must call the store's methods on the store itself: a private field is not
      // reachable through an object that merely inherits from it.
      const login = await ann
        .post('/login')
        .send({ user: 'ann' })
        .timeout(2_000)
        .then(
          (r) => r,
          (error: Error) => assert.fail(`the login had no answer within 2 s (${error.message})`),
        );
      assert.equal(login.status, 200, login.text.slice(0, 200));
      assert.equal(await app.sessions(), 1);
      await ann.get('/app').expect(200);
      await ann.post('/destroy').expect(200);
      await until(() => events.seatReleased.length === 1, 'the seat of the destroyed session to be returned');
      assert.equal(await app.sessions(), 0);
    });

    it('a logout while License Manager refuses the check-in still answers; the seat goes back on the retry', async () => {
      const w = world();
      const { app, taken, checkIns } = await setup();
      const ann = request.agent(app.url);
      await ann.post('/login').send({ user: 'ann' }).expect(200);
      w.lm.addFault({ operation: 'CheckInLicense', kind: 'error', error: 'ServerInternalException', times: 2 });

      await ann.post('/logout').expect(200);
      assert.equal(await taken(), 1, 'not returned yet');
      assertProblem(await ann.get('/app'), { status: 403, type: 'seat-required' });
      await w.advance(31_000);
      await until(() => checkIns() === 3, 'the check-in to be retried');
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
      const app = await w.seatApp({ gate });
      const ann = request.agent(app.url);
      await ann.post('/login').send({ user: 'ann' }).expect(200);
      failing = true;
      const out = await ann.post('/logout').expect(200);
      failing = false;
      assert.equal(out.body.loggedOut, true);
      const [logged] = w.logger.events('licensegate.seat.release_failed', 'warn');
      assert.match(String(logged?.fields['error']), /the store is down/);
    });

    it('seatInfo of the request is shown by gate.seats.held()', async () => {
      const { gate, app } = await setup({}, { seatInfo: 'user' });
      await request.agent(app.url).post('/login').send({ user: 'ann' }).expect(200);
      assert.deepEqual((await gate.seats.held())[0]?.info, { user: 'ann' });
    });

    it('with seats.wait: a login that waits in vain answers 429 seats-exhausted with Retry-After', async () => {
      const w = world();
      const { app } = await setup({ wait: { timeoutMs: 5_000, pollMs: 10_000 } }, {}, ONE_SEAT);
      await request.agent(app.url).post('/login').send({ user: 'ann' }).expect(200);

      const timers = w.clock.pendingTimers;
      const bob = request
        .agent(app.url)
        .post('/login')
        .send({ user: 'bob' })
        .then((r) => r);
      await until(() => w.clock.pendingTimers >= timers + 2, 'bob to wait in the queue');
      await w.advance(5_000);
      const res = await bob;
      const body = assertProblem(res, {
        status: 429,
        type: 'seats-exhausted',
        fields: { entitlement: SEATS, limit: 1 },
      });
      assert.match(body['detail'] as string, /waiting 5000 ms/);
      assert.equal(res.headers['retry-after'], '10');
    });

    it('with seats.wait: a waiting login gets the seat another session returns', async () => {
      const w = world();
      const { app } = await setup({ wait: { timeoutMs: 60_000 } }, {}, ONE_SEAT);
      const ann = request.agent(app.url);
      await ann.post('/login').send({ user: 'ann' }).expect(200);

      const timers = w.clock.pendingTimers;
      const bob = request
        .agent(app.url)
        .post('/login')
        .send({ user: 'bob' })
        .then((r) => r);
      await until(() => w.clock.pendingTimers >= timers + 2, 'bob to wait in the queue');
      await ann.post('/logout').expect(200);
      const res = await bob;
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.user, 'bob');
      assert.equal(await w.consumed(w.arnOf(ONE_SEAT), SEATS), 1);
    });

    it('with seats.wait: a login whose client gave up stops waiting, and does not take the seat from a live one', async () => {
      const w = world();
      const { events, app } = await setup({ wait: { timeoutMs: 60_000 } }, {}, ONE_SEAT);
      const ann = request.agent(app.url);
      await ann.post('/login').send({ user: 'ann' }).expect(200);

      const timers = w.clock.pendingTimers;
      const bob = rawRequest(`${app.url}/login`, { json: { user: 'bob' } });
      await until(() => w.clock.pendingTimers >= timers + 2, 'bob to wait in the queue');
      const closed = app.closed();
      bob.abort(); // bob closes the tab
      await until(() => app.closed() === closed + 1, 'the server to see bob leave');
      await until(() => w.clock.pendingTimers <= timers, 'bob to stop waiting');

      await ann.post('/logout').expect(200);
      // If bob's waiting acquisition goes on without him, it takes the seat now; let it land.
      await until(() => events.seatAcquired.length >= 2, 'a second acquisition', 300).catch(() => undefined);
      const base = w.clock.pendingTimers;
      let answered = false;
      const carol = request
        .agent(app.url)
        .post('/login')
        .send({ user: 'carol' })
        .then((r) => {
          answered = true;
          return r;
        });
      await until(() => answered || w.clock.pendingTimers >= base + 2, 'carol to be answered or queued');
      await w.advance(60_000); // carol waits at most this long
      const res = await carol;
      assert.equal(
        res.status,
        200,
        `carol, who is still there, gets the free seat; got ${res.status} ${res.text.slice(0, 120)}`,
      );
      assert.equal(res.body.user, 'carol');
    });

    it('a login while License Manager cannot be reached answers 503 license-unavailable with Retry-After', async () => {
      const w = world();
      const { app, taken } = await setup();
      w.lm.addFault({ operation: 'CheckoutLicense', kind: 'error', error: 'ServerInternalException' });
      const res = await request.agent(app.url).post('/login').send({ user: 'ann' });
      assertProblem(res, { status: 503, type: 'license-unavailable', code: 'ERR_LG_LICENSE_UNAVAILABLE' });
      assert.match(String(res.headers['retry-after']), /^[1-9]\d*$/);
      w.lm.clearFaults();
      assert.equal(await taken(), 0);
    });

    it('a login retried after a 503 answers promptly, with a seat or a problem (never a bare 500)', async () => {
      const w = world();
      const { app, taken } = await setup();
      const ann = request.agent(app.url);
      w.lm.addFault({ operation: 'CheckoutLicense', kind: 'error', error: 'ServerInternalException', times: 2 });
      assertProblem(await ann.post('/login').send({ user: 'ann' }), { status: 503, type: 'license-unavailable' });

      // The first checkout's answer is unknown to the gate; the pool keeps its record (with its
      // ClientToken) for 30 s of the gate's clock. A retry must not spin on that record in real time.
      const again = await ann
        .post('/login')
        .send({ user: 'ann' })
        .timeout(2_000)
        .then(
          (r) => r,
          (error: Error) => assert.fail(`the retried login had no answer within 2 s (${error.message})`),
        );
      assert.ok(
        again.status === 200 || String(again.headers['content-type']).startsWith('application/problem+json'),
        `a seat or a problem, not ${again.status} ${again.text.slice(0, 200)}`,
      );
      if (again.status === 200) assert.equal(await taken(), 1);
    });

    it('the status route shows the seats held here', async () => {
      const { app } = await setup();
      await request.agent(app.url).post('/login').send({ user: 'ann' }).expect(200);
      const res = await request(app.url).get('/status').expect(200);
      assert.deepEqual(res.body.seats, { entitlement: SEATS, heldHere: 1, limit: 3 });
    });
  });
}
