/**
 * The fault matrix: what each phase does to License Manager (through the emulator's faults and
 * clock) between and during its waves of traffic, and the two smallest reproductions of known
 * failures. A phase ends with every session logging out and a graceful stop (run.ts).
 */
import type { FaultSpec } from '@licensegate/emulator';
import { MINUTE } from '@licensegate/testkit';

import type { PhaseName, SoakOptions } from './options.js';
import type { Random } from './random.js';
import { GATE, LARGE_POOL, MAX_UNITS, MODES, SMALL_POOL, type Grant, type Mode, type Tier } from './scenario.js';
import type { Truth } from './truth.js';
import type { OnAnswer, VirtualUser } from './users.js';
import type { SoakWorld } from './world.js';

/** What a wave saw. */
export interface WaveResult {
  /** Modes that answered 402 (pool used up) at least once. */
  readonly exhausted: ReadonlySet<Mode>;
}

/** How a wave differs from the default. */
export interface WaveOptions {
  /** Most units of one drawdown request (default {@link MAX_UNITS}.normal). */
  readonly maxUnits?: number;
  /** Shares of tier and seat requests (default 0.3 and 0.25; the rest are drawdown). */
  readonly mix?: { readonly tier: number; readonly seat: number };
  /** Runs after each answer, with how many the wave has had; `'stop'` ends the wave. */
  readonly onAnswer?: OnAnswer;
  /** Whether users log in and out (default `true`). */
  readonly login?: boolean;
}

/** What a phase works with. */
export interface PhaseContext {
  readonly world: SoakWorld;
  readonly truth: Truth;
  readonly rng: Random;
  readonly options: SoakOptions;
  readonly users: readonly VirtualUser[];
  /** Requests of one wave: the phase's requests over its waves. */
  readonly perWave: number;
  /** Every user plays until `requests` have been sent; `onAnswer` runs after each answer. */
  wave(requests: number, options?: WaveOptions): Promise<WaveResult>;
  /** Clears the faults, gives the engine two minutes to resolve what is uncertain, and checks the seats strictly. */
  quiet(): Promise<void>;
  /** Moves both clocks. */
  step(ms: number): Promise<void>;
  /** A new license version (the truth follows). */
  grant(grant: Grant): Promise<void>;
  /** Every License Manager call fails from now on, until `quiet()`. */
  outage(): void;
}

/** A phase of the soak. */
export interface Phase {
  readonly name: PhaseName;
  /** One line: what it does. */
  readonly title: string;
  /** What the license grants when the phase starts. */
  grant(options: SoakOptions): Grant;
  /** Whether the graceful stop comes while drawdown requests are in flight (default `true`). */
  readonly rush?: boolean;
  run(ctx: PhaseContext): Promise<void>;
}

const pools = (units: number): Record<Mode, number> => ({ sync: units, batch: units, reserve: units });

/** Intermediate, `seats` seats, pools no phase runs out of. */
const standard = (options: SoakOptions): Grant => ({
  tier: 'Intermediate',
  seats: options.seats,
  pool: pools(LARGE_POOL),
});

/** Operations the engine calls on its hot paths (seats and units). */
const WORK_OPERATIONS = ['CheckoutLicense', 'CheckInLicense', 'ExtendLicenseConsumption'] as const;

/** Plays `waves` waves with `faults()` injected during each, a quiet point after each. */
async function faultyWaves(
  ctx: PhaseContext,
  faults: () => FaultSpec[],
  onAnswer?: (n: number) => void,
): Promise<void> {
  for (let w = 0; w < ctx.options.waves; w++) {
    ctx.world.inject(...faults());
    await ctx.wave(ctx.perWave, onAnswer === undefined ? {} : { onAnswer });
    await ctx.quiet();
  }
}

/** Adds a burst of `make()` every `every` answers of a wave. */
function burstsEvery(ctx: PhaseContext, every: number, make: () => FaultSpec): (answered: number) => void {
  return (answered) => {
    if (answered % every === 0) ctx.world.inject(make());
  };
}

const baseline: Phase = {
  name: 'baseline',
  title: 'no fault',
  grant: standard,
  async run(ctx) {
    await faultyWaves(ctx, () => []);
  },
};

const throttling: Phase = {
  name: 'throttling',
  title: 'RateLimitExceededException (400 and 429) and ThrottlingException on every operation',
  grant: standard,
  async run(ctx) {
    await faultyWaves(ctx, () => [
      { operation: '*', kind: 'error', error: 'RateLimitExceededException', status: 400, rate: 0.1 },
      { operation: '*', kind: 'error', error: 'RateLimitExceededException', status: 429, rate: 0.05 },
      { operation: '*', kind: 'error', error: 'ThrottlingException', status: 400, rate: 0.1 },
    ]);
  },
};

const serverErrors: Phase = {
  name: 'server-errors',
  title: 'bursts of 5xx: the next 5-40 calls fail, again and again',
  grant: standard,
  async run(ctx) {
    const every = Math.max(5, Math.floor(ctx.perWave / 6));
    await faultyWaves(
      ctx,
      () => [{ operation: '*', kind: 'error', error: 'ServerInternalException', status: 500, times: 20 }],
      burstsEvery(ctx, every, () =>
        ctx.rng.chance(0.5)
          ? { operation: '*', kind: 'error', error: 'ServerInternalException', status: 500, times: ctx.rng.int(5, 40) }
          : {
              operation: '*',
              kind: 'error',
              error: 'ServiceUnavailableException',
              status: 503,
              times: ctx.rng.int(5, 40),
            },
      ),
    );
  },
};

const outage: Phase = {
  name: 'outage',
  title: `every call fails for longer than the ${GATE.graceMs / MINUTE}-minute grace; then it heals`,
  grant: standard,
  async run(ctx) {
    const waves = Math.max(ctx.options.waves, 3);
    const per = Math.max(1, Math.floor(ctx.options.requests / (waves + 2)));
    await ctx.wave(per); // healthy
    await ctx.step(MINUTE);
    ctx.outage();
    // Waves through the outage, the last two past the grace.
    const offsets = [0, ...Array.from({ length: waves - 1 }, (_, i) => GATE.graceMs + 2 * MINUTE * (i - (waves - 4)))];
    const outageWaves = [...new Set(offsets.map((o) => Math.max(0, o)))].sort((a, b) => a - b);
    let elapsed = 0;
    for (const offset of outageWaves) {
      await ctx.step(offset - elapsed);
      elapsed = offset;
      await ctx.wave(per);
    }
    await ctx.quiet(); // heals
    await ctx.step(GATE.refreshIntervalMs + MINUTE); // the gate's next try succeeds
    await ctx.wave(per);
    await ctx.quiet();
  },
};

const latency: Phase = {
  name: 'latency',
  title: 'latency: 20-200 ms on a third of the calls, 800 ms on a few',
  grant: standard,
  async run(ctx) {
    await faultyWaves(ctx, () => [
      { operation: '*', kind: 'latency', latencyMs: ctx.rng.int(20, 200), rate: 0.33 },
      { operation: 'CheckoutLicense', kind: 'latency', latencyMs: 800, rate: 0.03 },
    ]);
  },
};

function drops(phase: 'before' | 'after'): Phase {
  return {
    name: phase === 'before' ? 'drop-before' : 'drop-after',
    title:
      phase === 'before'
        ? 'connections dropped before the call takes effect'
        : 'connections dropped after the call took effect (the answer is lost)',
    grant: standard,
    async run(ctx) {
      const every = Math.max(5, Math.floor(ctx.perWave / 24));
      await faultyWaves(
        ctx,
        () => [{ operation: '*', kind: 'drop', phase, rate: 0.05 }],
        // Bursts long enough to outlast a call's retries, among the concurrent calls: the engine
        // learns nothing of some calls.
        burstsEvery(ctx, every, () => ({
          operation: ctx.rng.pick(WORK_OPERATIONS),
          kind: 'drop',
          phase,
          times: ctx.rng.int(GATE.retry.attempts, 8 * GATE.retry.attempts),
        })),
      );
    },
  };
}

const exhaustion: Phase = {
  name: 'exhaustion',
  title: `pools of ${SMALL_POOL} units run out under concurrency; renewals add ${SMALL_POOL}, which run out too`,
  grant: (options) => ({ ...standard(options), pool: pools(SMALL_POOL) }),
  rush: false,
  async run(ctx) {
    ctx.truth.poolRanOut(); // the point of the phase: unbillable units may occur
    const rounds = Math.max(2, ctx.options.waves);
    for (let round = 0; round < rounds; round++) {
      // Mostly drawdown requests, until every mode has answered 402 (or ten waves).
      const seen = new Set<Mode>();
      for (let w = 0; w < 10 && seen.size < MODES.length; w++) {
        const { exhausted } = await ctx.wave(ctx.perWave, {
          maxUnits: MAX_UNITS.exhaustion,
          mix: { tier: 0.05, seat: 0.05 },
        });
        for (const mode of exhausted) seen.add(mode);
      }
      await ctx.quiet();
      if (round < rounds - 1) {
        const current = ctx.truth.current;
        await ctx.grant({ ...current, pool: pools(current.pool.sync + SMALL_POOL) });
        await ctx.step(GATE.refreshIntervalMs + MINUTE); // the gate sees the renewal
      }
    }
  },
};

const mixed: Phase = {
  name: 'mixed',
  title: 'everything at once, at lower rates, with tier changes and time passing',
  grant: standard,
  async run(ctx) {
    const waves = Math.max(ctx.options.waves, 4);
    const per = Math.max(1, Math.floor(ctx.options.requests / waves));
    const tiers: Tier[] = ['Basic', 'Premium', 'Intermediate'];
    for (let w = 0; w < waves; w++) {
      const { rng } = ctx;
      const faults: FaultSpec[] = [
        { operation: '*', kind: 'error', error: 'RateLimitExceededException', status: 400, rate: 0.03 },
        { operation: '*', kind: 'error', error: 'ThrottlingException', status: 400, rate: 0.03 },
        { operation: '*', kind: 'latency', latencyMs: rng.int(5, 100), rate: 0.2 },
        { operation: '*', kind: 'drop', phase: 'before', rate: 0.02 },
        { operation: '*', kind: 'drop', phase: 'after', rate: 0.02 },
      ];
      ctx.world.inject(...faults);
      await ctx.wave(per, {
        onAnswer: burstsEvery(ctx, Math.max(5, Math.floor(per / 4)), () =>
          rng.chance(0.5)
            ? { operation: '*', kind: 'error', error: 'ServerInternalException', status: 500, times: rng.int(3, 15) }
            : { operation: rng.pick(WORK_OPERATIONS), kind: 'drop', phase: 'after', times: rng.int(1, 4) },
        ),
      });
      await ctx.quiet();
      if (w % 2 === 0) {
        // A new tier: it must be applied before the answer it replaces is too stale to serve.
        await ctx.grant({ ...ctx.truth.current, tier: tiers[(w / 2) % tiers.length] as Tier });
        await ctx.step(GATE.graceMs + 2 * MINUTE);
      } else {
        await ctx.step(rng.int(1, 20) * MINUTE);
      }
    }
  },
};

const reproBatchBurst: Phase = {
  name: 'repro-batch-burst',
  title: `100 concurrent batch requests of 50 units against a ${SMALL_POOL}-unit pool`,
  grant: (options) => ({ ...standard(options), pool: pools(SMALL_POOL) }),
  rush: false,
  async run(ctx) {
    ctx.truth.poolRanOut();
    const user = ctx.users[0] as VirtualUser;
    // Open the hundred keep-alive connections first, so that the burst arrives at once.
    await Promise.all(Array.from({ length: 100 }, () => user.call({ kind: 'tier', tier: 'Basic' })));
    for (let round = 0; round < 2; round++) {
      await Promise.all(
        Array.from({ length: 100 }, () => user.call({ kind: 'units', mode: 'batch', units: MAX_UNITS.exhaustion })),
      );
    }
  },
};

const reproLostLogin: Phase = {
  name: 'repro-lost-login',
  title: 'one login whose CheckoutLicense answer is lost (every try), then its logout',
  grant: standard,
  rush: false,
  async run(ctx) {
    const user = ctx.users[0] as VirtualUser;
    ctx.world.inject({
      operation: 'CheckoutLicense',
      kind: 'drop',
      phase: 'after',
      times: GATE.retry.attempts,
    });
    await user.call({ kind: 'login', user: user.name });
    ctx.world.heal();
    await user.call({ kind: 'logout' });
  },
};

/** Every phase, by name. */
export const PHASES: Readonly<Record<PhaseName, Phase>> = {
  baseline,
  throttling,
  'server-errors': serverErrors,
  outage,
  latency,
  'drop-before': drops('before'),
  'drop-after': drops('after'),
  exhaustion,
  mixed,
  'repro-batch-burst': reproBatchBurst,
  'repro-lost-login': reproLostLogin,
};
