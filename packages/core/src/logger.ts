import { LicenseGateConfigurationError } from './errors.js';

/**
 * A pino-shaped logger: each method takes an object of fields and a message. pino, bunyan-style
 * child loggers and `console`-backed adapters all fit. Every line licensegate logs has an `event`
 * field (`licensegate.<area>.<what_happened>`); the core README lists them all, in one table.
 */
export interface Logger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** The lowest level a {@link createStderrLogger} logger writes; `silent` writes nothing. */
export type StderrLogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

/** Options of {@link createStderrLogger}. */
export interface StderrLoggerOptions {
  /** The lowest level written. Default `info`. */
  level?: StderrLogLevel;
}

const RANKS: Readonly<Record<StderrLogLevel, number>> = { debug: 0, info: 1, warn: 2, error: 3, silent: 4 };
const LEVELS = Object.keys(RANKS) as StderrLogLevel[];
const LEVELS_TEXT = LEVELS.map((level) => `'${level}'`).join(', ');

function isLevel(value: unknown): value is StderrLogLevel {
  return typeof value === 'string' && Object.hasOwn(RANKS, value);
}

/** One JSON line on stderr; a field that cannot be serialised (a cycle, a BigInt) is written as text. */
function write(level: Exclude<StderrLogLevel, 'silent'>, fields: object, message: string): void {
  let line: string;
  try {
    line = JSON.stringify({ level, ...fields, msg: message });
  } catch {
    line = JSON.stringify({
      level,
      event: (fields as { event?: unknown }).event,
      fields: String(fields),
      msg: message,
    });
  }
  process.stderr.write(`${line}\n`);
}

const noop = (): void => {};

/**
 * A logger that writes each line at `level` or above to stderr as one JSON object
 * (`{"level":"info","event":"licensegate.gate.started",...,"msg":"..."}`).
 * @throws LicenseGateConfigurationError `ERR_LG_OPTION_LOGGER` for an unknown level
 */
export function createStderrLogger(options: StderrLoggerOptions = {}): Logger {
  const level = options.level ?? 'info';
  if (!isLevel(level)) {
    throw new LicenseGateConfigurationError(
      'ERR_LG_OPTION_LOGGER',
      `createStderrLogger({ level }) takes ${LEVELS_TEXT}; got ${JSON.stringify(level)}.`,
    );
  }
  const at = (each: Exclude<StderrLogLevel, 'silent'>): Logger['info'] =>
    RANKS[each] >= RANKS[level] ? (fields, message) => write(each, fields, message) : noop;
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/**
 * The level of {@link stderrLogger}: `LICENSEGATE_LOG_LEVEL` when it names a level; else `warn`
 * under a test runner that sets `NODE_ENV=test` (Jest, Vitest), so that a test suite's output shows
 * no start and stop lines; else `info`.
 */
function defaultLevel(env: NodeJS.ProcessEnv): { level: StderrLogLevel; invalid?: string } {
  const given = env['LICENSEGATE_LOG_LEVEL']?.trim().toLowerCase();
  const fallback = env['NODE_ENV'] === 'test' ? 'warn' : 'info';
  if (given === undefined || given === '') return { level: fallback };
  return isLevel(given) ? { level: given } : { level: fallback, invalid: env['LICENSEGATE_LOG_LEVEL'] as string };
}

function makeDefaultLogger(): Logger {
  const { level, invalid } = defaultLevel(process.env);
  const logger = createStderrLogger({ level });
  if (invalid === undefined) return logger;
  let told = false;
  // Said once, on the first line the logger writes (not at import: an app that never logs hears nothing).
  const tell = <F extends Logger['info']>(method: F): F =>
    ((fields: object, message: string) => {
      if (!told) {
        told = true;
        write(
          'warn',
          { event: 'licensegate.gate.log_level_invalid', value: invalid, using: level },
          `LICENSEGATE_LOG_LEVEL must be one of ${LEVELS_TEXT}; using '${level}'`,
        );
      }
      method(fields, message);
    }) as F;
  return { debug: tell(logger.debug), info: tell(logger.info), warn: tell(logger.warn), error: tell(logger.error) };
}

/**
 * The default logger: one JSON line per entry on stderr, from `info` up — so the one line when a
 * gate starts (`licensegate.gate.started`) and the one when it stops (`licensegate.gate.stopped`)
 * are seen, with every warning and error; `debug` lines are dropped.
 *
 * Its level is read once, when the module loads: `LICENSEGATE_LOG_LEVEL` (`debug`, `info`, `warn`,
 * `error` or `silent`) when set; otherwise `warn` when `NODE_ENV` is `test` (as Jest and Vitest set
 * it), else `info`. For another level in code, give the gate `logger: createStderrLogger({ level })`;
 * for nothing at all, `logger: silentLogger`.
 */
export const stderrLogger: Logger = makeDefaultLogger();

/** A logger that drops everything. */
export const silentLogger: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
