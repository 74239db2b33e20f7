/**
 * The soak's options: how much traffic each phase drives, how many virtual users, which phases,
 * the seed — with the full and the short defaults, and the command line that sets them.
 */

/** The fault matrix, in the order a full run plays it. */
export const MATRIX_PHASES = [
  'baseline',
  'throttling',
  'server-errors',
  'outage',
  'latency',
  'drop-before',
  'drop-after',
  'exhaustion',
  'mixed',
] as const;

/** The smallest reproductions of known failures; played only when named. */
export const REPRO_PHASES = ['repro-batch-burst', 'repro-lost-login'] as const;

/** A phase's name. */
export type PhaseName = (typeof MATRIX_PHASES)[number] | (typeof REPRO_PHASES)[number];

/**
 * Ways to wire the app wrong on purpose, each moving one figure — to show the soak can fail:
 * `tier` serves the Premium route ungated, `seat` serves the seat route ungated, `release` logs out
 * without returning the seat, `leak` checks a seat out behind the gate's back at each login,
 * `charge` serves the batch route without charging it, `double` debits the batch route twice.
 */
export const SABOTAGES = ['tier', 'seat', 'release', 'leak', 'charge', 'double'] as const;

/** A way to wire the app wrong on purpose. */
export type Sabotage = (typeof SABOTAGES)[number];

/** What a soak run does. */
export interface SoakOptions {
  /** Requests per phase (answered requests, all routes). */
  readonly requests: number;
  /** Virtual users, each with its own session and keep-alive agent. */
  readonly users: number;
  /** Requests each user has in flight at once in a burst. */
  readonly burst: number;
  /** Seats the license grants (fewer than users: some logins are refused). */
  readonly seats: number;
  /** Waves of traffic per phase (between them the clock moves and faults change). */
  readonly waves: number;
  /** Seed of every random choice; printed, so that a run can be replayed with `--seed`. */
  readonly seed: number;
  /** Phases to play, in order. */
  readonly phases: readonly PhaseName[];
  /** Wire the app wrong on purpose (see {@link SABOTAGES}). */
  readonly sabotage?: Sabotage;
  /** Real-time limit of one HTTP request to the app; past it the request counts as unanswered. */
  readonly requestTimeoutMs: number;
  /** Called with a line of progress (the command line prints it; the spec stays quiet). */
  readonly progress?: (line: string) => void;
}

/** The default seed: fixed, so that two runs with no `--seed` make the same choices. */
export const DEFAULT_SEED = 20_261_127;

/** `npm run soak`: minutes of traffic, 12,000 requests per phase. */
export const FULL_OPTIONS: SoakOptions = {
  requests: 12_000,
  users: 32,
  burst: 8,
  seats: 20,
  waves: 6,
  seed: DEFAULT_SEED,
  phases: MATRIX_PHASES,
  requestTimeoutMs: 30_000,
};

/** The version inside `npm test`: a few seconds in all. */
export const SHORT_OPTIONS: SoakOptions = {
  requests: 240,
  users: 8,
  burst: 4,
  seats: 5,
  waves: 3,
  seed: DEFAULT_SEED,
  phases: MATRIX_PHASES,
  requestTimeoutMs: 10_000,
};

/** A bad command line or option: `code` is stable, the message says how to fix it. */
export class SoakOptionError extends Error {
  readonly code = 'ERR_SOAK_OPTION';

  constructor(message: string) {
    super(message);
    this.name = 'SoakOptionError';
  }
}

/** What the command line asked for. */
export type ParsedArgs = { readonly help: true } | { readonly help: false; readonly options: SoakOptions };

/** The `--help` text. */
export const USAGE = `npm run soak -- [options]

Drives a real Express app (packages/express over packages/core) against the License Manager
emulator through a fault matrix, and prints five figures that must each be 0: wrong grants,
leaked seats, excess seats, lost units, doubled units. Exits 1 when one is not
(2 for a bad option).

  --requests N     requests per phase (default ${FULL_OPTIONS.requests})
  --users N        virtual users, each with a session and a keep-alive agent (default ${FULL_OPTIONS.users})
  --burst N        requests each user has in flight at once (default ${FULL_OPTIONS.burst})
  --seats N        seats the license grants (default ${FULL_OPTIONS.seats})
  --waves N        waves of traffic per phase (default ${FULL_OPTIONS.waves})
  --seed N         seed of every random choice (default ${DEFAULT_SEED}; printed by every run)
  --phases a,b     phases to play (default: all of the matrix)
                   matrix: ${MATRIX_PHASES.join(', ')}
                   reproductions: ${REPRO_PHASES.join(', ')}
  --short          the short version that runs inside npm test
  --sabotage WHAT  wire the app wrong on purpose, to see the figure it moves:
                   ${SABOTAGES.join(', ')}
  --help           this text`;

const INTEGER_FLAGS = {
  '--requests': { key: 'requests', min: 1, max: 10_000_000 },
  '--users': { key: 'users', min: 1, max: 1_000 },
  '--burst': { key: 'burst', min: 1, max: 256 },
  '--seats': { key: 'seats', min: 1, max: 10_000 },
  '--waves': { key: 'waves', min: 1, max: 1_000 },
  '--seed': { key: 'seed', min: 0, max: 4_294_967_295 },
} as const;

/**
 * Reads the command line (the arguments after the script).
 * @throws SoakOptionError naming the flag and what it takes
 */
export function parseSoakArgs(argv: readonly string[]): ParsedArgs {
  let options: SoakOptions = FULL_OPTIONS;
  const set: Partial<Record<string, unknown>> = {};
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] as string;
    if (flag === '--help' || flag === '-h') return { help: true };
    if (flag === '--short') {
      options = SHORT_OPTIONS;
      continue;
    }
    const value = argv[i + 1];
    if (flag in INTEGER_FLAGS) {
      const { key, min, max } = INTEGER_FLAGS[flag as keyof typeof INTEGER_FLAGS];
      const n = value === undefined ? NaN : Number(value);
      if (!(Number.isInteger(n) && n >= min && n <= max))
        throw new SoakOptionError(`${flag} takes a whole number from ${min} to ${max}; got ${JSON.stringify(value)}.`);
      set[key] = n;
      i++;
    } else if (flag === '--phases') {
      set['phases'] = parsePhases(value);
      i++;
    } else if (flag === '--sabotage') {
      if (!SABOTAGES.includes(value as Sabotage))
        throw new SoakOptionError(`--sabotage takes one of ${SABOTAGES.join(', ')}; got ${JSON.stringify(value)}.`);
      set['sabotage'] = value;
      i++;
    } else {
      throw new SoakOptionError(`Unknown option ${JSON.stringify(flag)}; see npm run soak -- --help.`);
    }
  }
  return { help: false, options: checkSoakOptions({ ...options, ...set } as SoakOptions) };
}

function parsePhases(value: string | undefined): PhaseName[] {
  const known: readonly string[] = [...MATRIX_PHASES, ...REPRO_PHASES];
  const names = (value ?? '').split(',').filter((name) => name !== '');
  if (names.length === 0) throw new SoakOptionError(`--phases takes a comma-separated list of ${known.join(', ')}.`);
  for (const name of names) {
    if (!known.includes(name))
      throw new SoakOptionError(`Unknown phase ${JSON.stringify(name)}; the phases are ${known.join(', ')}.`);
  }
  return names as PhaseName[];
}

/**
 * Checks options that relate to each other.
 * @throws SoakOptionError saying what to change
 */
export function checkSoakOptions(options: SoakOptions): SoakOptions {
  if (options.requests < options.waves)
    throw new SoakOptionError(
      `--requests (${options.requests}) must be at least --waves (${options.waves}): each wave needs a request.`,
    );
  if (options.phases.length === 0) throw new SoakOptionError('Give at least one phase.');
  return options;
}
