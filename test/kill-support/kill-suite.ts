/**
 * kill -9 through a real HTTP app, for one store kind: an app instance is killed with SIGKILL in
 * the middle of HTTP traffic, the instances alive on the same store adopt what it left, and the
 * test checks what License Manager ends up with against what the CLIENT saw:
 *
 *   served ≤ consumed ≤ served + in flight
 *
 * - served: units of requests whose complete 2xx answer the client received;
 * - in flight: units of requests sent whose complete answer never came (the instance died first).
 *
 * For the `reserve` dimension "consumed" is the units of the blocks checked out less what is left
 * unspent in the shared block (the next instance spends it), and the upper bound also takes the
 * units of a block checkout that the kill left granted but maybe not credited (the engine discards
 * such a block rather than risk crediting it twice: sold, never spent).
 *
 * Seats across the kill: users logged in through the killed instance. Those who log out through
 * the survivor (sessions are in a shared store) return their seat at once; the seats of those who
 * never come back are adopted once the dead instance's heartbeat lapses and checked in once idle;
 * a user who goes on working through the survivor keeps one seat throughout. License Manager's live
 * seats are back to that one within `instanceLeaseMs + idleTimeoutMs` (plus a little slack) of the
 * kill, and the store holds exactly that seat.
 *
 * All kills of a run share ONE license, store prefix and survivor: a deployment whose instances die
 * again and again while one stays up, and a replacement comes up after each kill (started while the
 * survivor recovers, so two live instances compete to adopt, and it is the next one killed). Each
 * kill is measured by License Manager's counts before and after it, and starts only once the
 * previous kill's journal is reported and its seats are back.
 *
 * The kill is sent from a worker thread at a random moment (see DelayedKill): a timer of the test's
 * own event loop fires in step with the traffic the test drives, not at a random moment for the app.
 *
 * `LG_KILL_ROUNDS` sets the number of kills (default 10).
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';

import { DelayedKill } from '../support/delayed-kill.js';
import { AppUser } from './app-user.js';
import { HttpLoad, type LoadRequest } from './http-load.js';
import { IDLE_TIMEOUT_MS, INSTANCE_LEASE_MS } from './kill-config.js';
import { describeResult, sideProblems, sidesOf, summary, type KillResult } from './kill-report.js';
import type { KillStoreKit } from './kill-stores.js';
import { KillWorld, type AppInstance, type Usage } from './kill-world.js';

/** Kills per run unless `LG_KILL_ROUNDS` says otherwise. */
const DEFAULT_ROUNDS = 10;
/** Requests in flight on the instance that is killed. */
const CONCURRENCY = 64;
/** The largest units of one drawdown request (each draws 1..this at random). */
const MAX_UNITS = 9;
/** Share of the traffic that is `reserve` requests, and seat checks (`GET /app`); the rest is `batch`. */
const MIX = { reserve: 0.3, app: 0.04 } as const;
/** The kill comes this long after the traffic is up, at random. */
const KILL_AFTER_MS = { min: 100, max: 600 } as const;
/** Each CheckoutLicense (reports, block checkouts, seats) takes this long: the kill often finds one under way. */
const CHECKOUT_LATENCY_MS = 15;
/** Slack on the seats' bound: the heartbeat tick (a third of the lease), check-in calls, a busy machine. */
const SEAT_SLACK_MS = 750;
/** The seats' bound, from the kill. */
const SEAT_BOUND_MS = INSTANCE_LEASE_MS + IDLE_TIMEOUT_MS + SEAT_SLACK_MS;
/** How long the live instances may take to report the killed one's journal. */
const DRAIN_MS = 10_000;

/** Waits until `condition` holds (asked every 25 ms); answers the ms waited, or `undefined` past `timeoutMs`. */
async function pollUntil(condition: () => Promise<boolean>, timeoutMs: number): Promise<number | undefined> {
  const started = performance.now();
  for (;;) {
    if (await condition()) return performance.now() - started;
    if (performance.now() - started > timeoutMs) return undefined;
    await sleep(25);
  }
}

const randomInt = (min: number, max: number): number => min + Math.floor(Math.random() * (max - min + 1));

/** Registers the kill suite for one store kind. */
export function describeKillSuite(kit: KillStoreKit): void {
  const rounds = Number(process.env['LG_KILL_ROUNDS'] ?? DEFAULT_ROUNDS);
  if (!Number.isSafeInteger(rounds) || rounds < 1)
    throw new Error(
      `LG_KILL_ROUNDS must be a whole number of kills, 1 or more; got ${JSON.stringify(process.env['LG_KILL_ROUNDS'])}`,
    );

  describe(`kill -9 through HTTP, ${kit.kind} store: an app instance killed in the middle of traffic`, function () {
    const world = new KillWorld(kit);
    const results: KillResult[] = [];
    let survivor: AppInstance | undefined;
    /** The instance the next kill hits (started while the previous kill recovered). */
    let next: Promise<AppInstance> | undefined;

    before(async function () {
      const missing = kit.missing();
      if (missing !== undefined) {
        console.log(`    ${missing}: the kill -9 suite of the ${kit.kind} store is skipped`);
        this.skip();
      }
      this.timeout(30_000);
      await world.start(CHECKOUT_LATENCY_MS);
      survivor = await world.startInstance();
    });

    after(async function () {
      this.timeout(10_000);
      const left = await next?.catch(() => undefined);
      await left?.child.kill();
      await survivor?.child.kill();
      await world.close();
      if (results.length > 0) console.log(summary(kit.kind, results, SEAT_BOUND_MS));
    });

    for (let kill = 1; kill <= rounds; kill++) {
      it(`kill ${kill} of ${rounds}: served ≤ consumed ≤ served + in flight; seats back within instanceLeaseMs + idleTimeoutMs`, async function () {
        this.timeout(30_000);
        assert.ok(survivor !== undefined);
        const victim = await (next ?? world.startInstance());
        next = undefined;
        const result = await killOnce(world, victim, survivor, kill, () => {
          next = world.startInstance();
          next.catch(() => undefined); // awaited by the next kill, which fails with it
        });
        results.push(result);
        console.log(`      ${describeResult(result, SEAT_BOUND_MS)}`);
        assert.ok(survivor.child.alive, 'the surviving instance died');
        assert.deepEqual(result.problems, []);
      });
    }
  });
}

/**
 * One kill of `victim`, its recovery and the checks. Problems are collected rather than thrown, so
 * that each kill cleans up after itself (the next one starts from no seat held).
 * @param replace - called once the victim is dead and its leavers logged out: start the next one
 */
async function killOnce(
  world: KillWorld,
  victim: AppInstance,
  survivor: AppInstance,
  kill: number,
  replace: () => void,
): Promise<KillResult> {
  const problems: string[] = [];
  const ready = await pollUntil(
    async () => (await world.journal()).open === 0 && (await world.usage()).seats === 0,
    DRAIN_MS,
  );
  assert.ok(ready !== undefined, 'the previous kill left an unreported journal or seats held');
  const before: Usage = await world.usage();
  const blockBefore = (await world.journal()).blockLeft;

  const leavers = [new AppUser(`k${kill}-leaves-1`), new AppUser(`k${kill}-leaves-2`)];
  const gone = [new AppUser(`k${kill}-gone-1`), new AppUser(`k${kill}-gone-2`)];
  const active = new AppUser(`k${kill}-active`);
  const late = Array.from({ length: randomInt(0, 2) }, (_, i) => new AppUser(`k${kill}-late-${i + 1}`));
  let activeRunning = false;
  let activeLoop: Promise<void> = Promise.resolve();
  let replaced = false;
  try {
    for (const user of [...leavers, ...gone, active]) await user.login(victim.port);
    const loggedIn = (await world.usage()).seats - before.seats;
    if (loggedIn !== 5) problems.push(`5 logins took ${loggedIn} seats`);

    // Traffic on the victim: drawdown requests of both modes, and seat checks of two logged-in users.
    const touching = [gone[0] as AppUser, active];
    const nextRequest = (): LoadRequest => {
      const pick = Math.random();
      if (pick < MIX.app) {
        const user = touching[randomInt(0, touching.length - 1)] as AppUser;
        return { route: 'app', method: 'GET', path: '/app', units: 0, ...(user.cookie ? { cookie: user.cookie } : {}) };
      }
      const units = randomInt(1, MAX_UNITS);
      const route = pick < MIX.app + MIX.reserve ? 'reserve' : 'batch';
      return { route, method: 'POST', path: `/${route}?units=${units}`, units };
    };
    // The users the traffic does not touch stay active until the kill (the traffic may take a while to
    // get going on a loaded machine, and the kill's timer may fire late): a seat idle for the app's
    // idleTimeoutMs (1 s) would be returned by the victim's reaper before the kill.
    const keepActive = setInterval(() => {
      for (const user of [...leavers, gone[1] as AppUser]) void user.use(victim.port).catch(() => undefined);
    }, 250).unref();
    const killing: { by?: DelayedKill } = {};
    const load = new HttpLoad(
      victim.port,
      CONCURRENCY,
      nextRequest,
      (request, body) => request.units === 0 || (JSON.parse(body) as { charged?: number }).charged === request.units,
      () => killing.by?.fired === true,
    );
    const killAfterMs = randomInt(KILL_AFTER_MS.min, KILL_AFTER_MS.max);
    // Users who log in during the traffic (the kill may find one half done); they never come back.
    const lateLogins = late.map(async (user) => {
      await sleep(Math.random() * killAfterMs);
      await user.login(victim.port).catch(() => undefined);
    });
    // The kill is armed once both drawdown routes answer (a fresh instance buys its first block first).
    const up = await pollUntil(
      async () => (load.answered('batch') >= 10 && load.answered('reserve') >= 5) || !victim.child.alive,
      10_000,
    );
    if (up === undefined || !victim.child.alive) clearInterval(keepActive);
    assert.ok(
      up !== undefined && victim.child.alive,
      `the traffic did not get going: ${load.answered('batch')} batch and ${load.answered('reserve')} reserve requests answered`,
    );

    const pid = victim.child.process.pid;
    assert.ok(pid !== undefined);
    killing.by = new DelayedKill(pid, killAfterMs);
    await killing.by.done.finally(() => clearInterval(keepActive));
    const killedAt = performance.now();
    const heartbeatLeftMs = await world.heartbeatLeft(victim.instanceId);
    load.stopSending();
    await victim.child.kill();
    await load.settled();
    await Promise.all(lateLogins);
    const [atKill, usageAtKill] = await Promise.all([world.journal(), world.usage()]);

    // Two users log out through the survivor: their seats come back at once — checked by their
    // checkouts, not by a count, which a checkout the victim sent just before it died may still move.
    const held = await world.seats();
    for (const user of leavers) {
      const token = user.seat === undefined ? undefined : held.get(user.seat);
      if (token === undefined) problems.push(`${user.name}'s seat was no longer held before the logout`);
      const answer = await user.logout(survivor.port);
      if (answer.status !== 200) problems.push(`logout of ${user.name} through the survivor: ${answer.status}`);
      else if (token !== undefined && world.isLive(token))
        problems.push(`${user.name} logged out through the survivor, and License Manager still holds the seat`);
    }
    const stillHeld = await world.seatKeys();
    for (const user of leavers)
      if (user.seat !== undefined && stillHeld.includes(user.seat))
        problems.push(`${user.name} logged out through the survivor, and the store still holds the seat`);
    replace();
    replaced = true;
    // One goes on working through the survivor, on the seat taken at login.
    activeRunning = true;
    activeLoop = (async () => {
      while (activeRunning) {
        const answer = await active.use(survivor.port);
        if (answer.status !== 200 || answer.body['seat'] !== active.seat)
          problems.push(
            `the active user's GET /app through the survivor: ${answer.status} ${JSON.stringify(answer.body)}`,
          );
        await sleep(100);
      }
    })();

    // Seats: back to the active user's one seat, held once (one record in the store, one checkout in License Manager).
    const seatsWaited = await pollUntil(async () => {
      const [usage, keys] = await Promise.all([world.usage(), world.seatKeys()]);
      return usage.seats === 1 && keys.length === 1 && keys[0] === active.seat;
    }, SEAT_BOUND_MS + 5_000);
    const seatsBackMs = seatsWaited === undefined ? undefined : performance.now() - killedAt;
    if (seatsBackMs === undefined || seatsBackMs > SEAT_BOUND_MS) {
      const [usage, keys] = await Promise.all([world.usage(), world.seatKeys()]);
      problems.push(
        `seats not back to the active user's within ${SEAT_BOUND_MS} ms of the kill: ${usage.seats} live in License Manager, the store holds ${JSON.stringify(keys)}, the active user's is ${active.seat}`,
      );
    }

    // Drawdown: the live instances report the journal the victim left.
    const drained = await pollUntil(async () => (await world.journal()).open === 0, DRAIN_MS);
    if (drained === undefined)
      problems.push(`the killed instance's journal was not reported: ${JSON.stringify(await world.journal())}`);
    const after: Usage = await world.usage();
    const blockAfter = (await world.journal()).blockLeft;

    const { batch, reserve } = sidesOf(load, {
      before,
      atKill: usageAtKill,
      after,
      journal: atKill,
      blockBefore,
      blockAfter,
    });
    problems.push(...sideProblems({ batch, reserve, app: load.tally('app') }));
    return { kill, batch, reserve, heartbeatLeftMs, seatsBackMs, problems };
  } finally {
    activeRunning = false;
    await activeLoop;
    if (active.cookie !== undefined) await active.logout(survivor.port).catch(() => undefined);
    await victim.child.kill();
    if (!replaced) replace();
    const errors = [...victim.logs, ...survivor.logs.splice(0)].filter((line) => line.startsWith('error '));
    for (const line of errors.slice(0, 3)) problems.push(`logged: ${line}`);
  }
}
