/**
 * Runs the soak: each phase in a world of its own (a new emulator, license, gate and app), its
 * virtual users driving waves of traffic while the phase injects faults and moves the clocks; then
 * every session logs out, the server closes, `gate.stop()` runs, and what License Manager holds
 * and consumed is read through the real AWS SDK.
 */
import { startEmulator } from '@licensegate/emulator';
import { MINUTE } from '@licensegate/testkit';

import { Judge } from './judge.js';
import type { PhaseName, SoakOptions } from './options.js';
import { PHASES, type PhaseContext, type WaveResult } from './phases.js';
import { Random } from './random.js';
import { DIMENSIONS, GATE, MAX_UNITS, MODES, SEAT_ENTITLEMENT, type Mode } from './scenario.js';
import { FIGURE_NAMES, Tally, type Figures } from './tally.js';
import { Truth } from './truth.js';
import { Budget, VirtualUser, type Behaviour } from './users.js';
import { SoakWorld } from './world.js';

/** One phase's outcome. */
export interface PhaseResult {
  readonly name: PhaseName;
  readonly title: string;
  readonly tally: Tally;
  readonly figures: Figures;
  /** Warnings and errors the gate logged, by event. */
  readonly logged: ReadonlyMap<string, number>;
}

/** A soak run's outcome. */
export interface SoakResult {
  readonly options: SoakOptions;
  readonly phases: readonly PhaseResult[];
  /** The five figures over every phase. */
  readonly totals: Figures;
  /** Whether every figure is 0 and every phase finished. */
  readonly passed: boolean;
}

/** How long the engine is given, at a quiet point, to resolve what is uncertain. */
const QUIET_MS = 2 * MINUTE;

/** Runs the soak. */
export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const phases: PhaseResult[] = [];
  for (const [index, name] of options.phases.entries()) {
    options.progress?.(`phase ${name}: ${PHASES[name].title}`);
    const result = await runPhase(name, index, options);
    phases.push(result);
    options.progress?.(
      `phase ${name}: ${result.tally.requests} requests in ${(result.tally.elapsedMs / 1000).toFixed(1)} s; ` +
        FIGURE_NAMES.map((f) => `${f} ${result.figures[f]}`).join(', '),
    );
  }
  const totals = Object.fromEntries(
    FIGURE_NAMES.map((f) => [f, phases.reduce((sum, p) => sum + p.figures[f], 0)]),
  ) as unknown as Figures;
  const finished = phases.every((p) => p.tally.error === undefined);
  return { options, phases, totals, passed: finished && FIGURE_NAMES.every((f) => totals[f] === 0) };
}

/** Runs one phase in a world of its own. */
export async function runPhase(name: PhaseName, index: number, options: SoakOptions): Promise<PhaseResult> {
  const phase = PHASES[name];
  const started = performance.now();
  const rng = Random.derive(options.seed, `phase:${index}:${name}`);
  const grant = phase.grant(options);
  const lm = await startEmulator({ host: '127.0.0.1', port: 0, faultSeed: rng.int(1, 2 ** 31 - 1) });
  const world = new SoakWorld(lm, grant, options.sabotage);
  const tally = new Tally();
  const startedAt = world.clock.now();
  const truth = new Truth(startedAt, grant);
  const judge = new Judge(world, truth, tally);
  const users: VirtualUser[] = [];
  try {
    await world.open();
    followSeats(world, tally);
    for (let i = 0; i < options.users; i++) {
      const userRng = Random.derive(options.seed, `phase:${index}:user:${i}`);
      // The first user has room for a hundred requests at once (the burst reproduction needs it).
      const sockets = i === 0 ? Math.max(128, options.burst) : options.burst;
      users.push(
        new VirtualUser(`user${i}`, world.url, { timeoutMs: options.requestTimeoutMs, sockets }, judge, userRng, () =>
          world.clock.now(),
        ),
      );
    }
    const ctx = context(world, truth, tally, judge, rng, options, users);
    await phase.run(ctx);
    // The end: no fault, every session logs out; then a graceful stop while drawdown requests
    // are still coming and License Manager is slow: the server closes (requests in flight
    // finish), then the gate stops.
    await ctx.quiet();
    await Promise.all(users.map((user) => user.logout()));
    await ctx.quiet();
    let closing: Promise<void> | undefined;
    // License Manager slow, so that reports are in flight when the gate stops.
    if (phase.rush !== false) world.inject({ operation: '*', kind: 'latency', latencyMs: 50, rate: 0.5 });
    const rush = phase.rush === false ? 0 : Math.max(options.users * options.burst, Math.floor(ctx.perWave / 2));
    await ctx.wave(rush, {
      login: false,
      mix: { tier: 0.1, seat: 0 },
      onAnswer: (answered) => {
        if (answered < Math.floor(rush / 2)) return;
        closing ??= world.closeServer();
        return 'stop'; // users start nothing new; what is in flight finishes
      },
    });
    await (closing ?? world.closeServer());
    for (const user of users) user.close();
    await world.engine.stop();
    await world.settle();
    world.heal();
    await measure(world, truth, tally);
  } catch (error) {
    tally.error = (error as Error).stack ?? String(error);
  } finally {
    for (const user of users) user.close();
    tally.elapsedMs = performance.now() - started;
    tally.virtualMs = world.clock.now() - startedAt;
    tally.lmCalls = countCalls(world);
    await world.close().catch(() => undefined);
  }
  return { name, title: phase.title, tally, figures: tally.figures(), logged: world.log.counts };
}

function context(
  world: SoakWorld,
  truth: Truth,
  tally: Tally,
  judge: Judge,
  rng: Random,
  options: SoakOptions,
  users: readonly VirtualUser[],
): PhaseContext {
  return {
    world,
    truth,
    rng,
    options,
    users,
    perWave: Math.max(1, Math.floor(options.requests / options.waves)),
    async wave(requests, waveOptions = {}) {
      const before = countRefusals(tally);
      const budget = new Budget(requests, waveOptions.onAnswer);
      const behaviour: Behaviour = {
        burst: options.burst,
        maxUnits: waveOptions.maxUnits ?? MAX_UNITS.normal,
        logoutChance: 0.25,
        mix: waveOptions.mix ?? { tier: 0.3, seat: 0.25 },
        login: waveOptions.login ?? true,
      };
      await Promise.all(users.map((user) => user.play(budget, behaviour)));
      return { exhausted: new Set(MODES.filter((m) => countRefusals(tally)[m] > before[m])) } satisfies WaveResult;
    },
    async quiet() {
      world.heal();
      truth.outageEnded();
      await world.step(QUIET_MS);
      judge.quiet();
    },
    step: (ms) => world.step(ms),
    async grant(next) {
      await world.grant(next);
      truth.changed(world.clock.now(), next);
    },
    outage() {
      world.inject({ operation: '*', kind: 'error', error: 'ServerInternalException', status: 500 });
      truth.outageBegan(world.clock.now());
    },
  };
}

/** 402 answers so far, per mode (how a wave learns a pool ran out). */
function countRefusals(tally: Tally): Record<Mode, number> {
  return Object.fromEntries(MODES.map((m) => [m, tally.refusals[m]])) as Record<Mode, number>;
}

/** Counts the seats the gate takes, returns and loses (its events). */
function followSeats(world: SoakWorld, tally: Tally): void {
  const gate = world.engine;
  gate.on('seatAcquired', () => tally.seats.acquired++);
  gate.on('seatReleased', () => tally.seats.released++);
  gate.on('seatLost', () => tally.seats.lost++);
  gate.on('seatDenied', () => tally.seats.denied++);
}

/** After the graceful stop: what License Manager holds and consumed (real AWS SDK), and the engine's own counts. */
async function measure(world: SoakWorld, truth: Truth, tally: Tally): Promise<void> {
  const usage = await world.usage();
  const journal = await world.journal();
  tally.seats.leakedAtEnd = usage.get(SEAT_ENTITLEMENT) ?? 0;
  tally.poolRanOut = truth.ranOut;
  for (const mode of MODES) {
    const u = tally.units[mode];
    const stats = world.engine.drawdown.stats(DIMENSIONS[mode]);
    u.consumed = usage.get(DIMENSIONS[mode]) ?? 0;
    u.unbillable = stats.unbillable;
    const block = journal.get(`block:${DIMENSIONS[mode]}`);
    const held = typeof block === 'number' ? block : 0;
    if (mode === 'reserve') {
      // "Less than one block plus one reservation is left", plus units of reservations cancelled
      // (requests with no answer): what the block counter holds beyond that is not excused.
      const allowed = Math.max(GATE.blockUnits, MAX_UNITS.exhaustion) + MAX_UNITS.exhaustion + u.unanswered;
      u.leftover = Math.min(held, allowed);
    } else {
      // Credit: units checked out ahead for requests that were then refused (a checkout whose answer
      // was lost: 503) or cancelled — never more than such requests asked for.
      u.leftover = Math.min(held, u.unsettled);
    }
  }
  tally.journalLeft = [...journal.entries()]
    .filter(([key]) => !key.startsWith('block:') && !key.startsWith('unbillable:'))
    .map(([key]) => key.split(':')[0] as string);
}

function countCalls(world: SoakWorld): { calls: number; errors: number } {
  let calls = 0;
  let errors = 0;
  for (const c of Object.values(world.lm.emulator.callCounts())) {
    calls += c.calls;
    errors += c.errors;
  }
  return { calls, errors };
}
