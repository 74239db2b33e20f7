import { isLicenseGate } from '../gate.js';
import { LicenseGateConfigurationError } from '../errors.js';
import type { LicenseGate } from '../gate.js';
import type { GateHealth, HealthModel, ModelHealth } from '../health/health-types.js';
import { assertKnownOptions } from '../validation/unknown-options.js';

/**
 * Which probe a health route answers. `liveness`: 503 only when a gate is stopped (or failed to
 * start) — restart the process. `readiness`: 503 also when a gate's licensed routes would refuse
 * everyone (not started yet, no license, expired, the `deny` policy during an outage, the grace
 * over, a drawdown pool used up) — take the instance out of the load balancer.
 */
export type HealthProbe = 'readiness' | 'liveness';

/** Options of a health route (Express `lg.health()`, the Fastify health plugin, the Nest indicator). */
export interface HealthCheckOptions {
  /** Default `readiness`. */
  readonly probe?: HealthProbe;
  /**
   * Readiness: the models whose refusal makes the app not ready. Default: all of them. E.g.
   * `['tiers', 'seats']` keeps an instance ready while a drawdown pool is used up (its charged
   * routes answer 402, the others serve).
   */
  readonly models?: readonly HealthModel[];
  /**
   * Whether the body shows the message of License Manager's last error (it may name roles,
   * accounts and hosts). Default `false`: its code only. The message is always in the log.
   */
  readonly showErrors?: boolean;
}

/** The gates a health route answers for: one, a list (named by product SKU), or named. */
export type HealthGates = LicenseGate | readonly LicenseGate[] | Readonly<Record<string, LicenseGate>>;

/** The JSON body of a health route. */
export interface HealthReport {
  readonly probe: HealthProbe;
  /**
   * `pass` (200): the probe passes and every counted model is fine; `warn` (200): it passes, but a
   * model is degraded or limited (in grace, seats all in use); `fail` (503).
   */
  readonly status: 'pass' | 'warn' | 'fail';
  /** Each gate's health, by name. */
  readonly gates: Readonly<Record<string, GateHealth>>;
}

/** What a health route answers: its status code and JSON body. */
export interface HealthAnswer {
  readonly statusCode: 200 | 503;
  readonly body: HealthReport;
}

const KNOWN_OPTIONS = ['probe', 'models', 'showErrors'];
const PROBES: readonly HealthProbe[] = ['readiness', 'liveness'];
const MODELS: readonly HealthModel[] = ['tiers', 'seats', 'drawdown'];

function fail(message: string): never {
  throw new LicenseGateConfigurationError('ERR_LG_OPTIONS', message);
}

function namedGates(gates: HealthGates, where: string): ReadonlyArray<readonly [string, LicenseGate]> {
  if (isLicenseGate(gates)) return [[gates.options.productSku, gates]];
  const entries: (readonly [string, unknown])[] = Array.isArray(gates)
    ? (gates as readonly unknown[]).map((gate, i) => [isLicenseGate(gate) ? gate.options.productSku : String(i), gate])
    : gates !== null && typeof gates === 'object'
      ? Object.entries(gates)
      : [];
  if (entries.length === 0) {
    fail(`${where} takes a gate, a list of gates or { name: gate }, with one gate at least; got ${String(gates)}.`);
  }
  const names = new Set<string>();
  return entries.map(([name, gate]) => {
    if (!isLicenseGate(gate))
      fail(`${where}: ${JSON.stringify(name)} is not a LicenseGate (createLicenseGate() makes one).`);
    if (names.has(name))
      fail(`${where}: two gates are named ${JSON.stringify(name)}: name them, { tiers: a, usage: b }.`);
    names.add(name);
    return [name, gate] as const;
  });
}

function checkOptions(options: HealthCheckOptions, where: string): void {
  if (options === null || typeof options !== 'object') {
    fail(`${where} takes options { probe?, models?, showErrors? }; got ${String(options)}.`);
  }
  assertKnownOptions(
    options,
    KNOWN_OPTIONS,
    (message) => {
      throw new LicenseGateConfigurationError('ERR_LG_OPTION_UNKNOWN', message);
    },
    { where, known: KNOWN_OPTIONS },
  );
  if (options.probe !== undefined && !PROBES.includes(options.probe)) {
    fail(`${where}: probe must be 'readiness' or 'liveness'; got ${JSON.stringify(options.probe)}.`);
  }
  if (
    options.models !== undefined &&
    (!Array.isArray(options.models) || options.models.some((m) => !MODELS.includes(m)))
  ) {
    fail(`${where}: models must be a list of 'tiers', 'seats', 'drawdown'; got ${JSON.stringify(options.models)}.`);
  }
  if (options.showErrors !== undefined && typeof options.showErrors !== 'boolean') {
    fail(`${where}: showErrors must be true or false; got ${JSON.stringify(options.showErrors)}.`);
  }
}

function counted(health: GateHealth, models: readonly HealthModel[]): ModelHealth[] {
  const found: ModelHealth[] = [];
  const { tiers, seats, drawdown } = health.models;
  if (tiers !== undefined && models.includes('tiers')) found.push(tiers);
  if (seats !== undefined && models.includes('seats')) found.push(seats);
  if (drawdown !== undefined && models.includes('drawdown')) found.push(...Object.values(drawdown));
  return found;
}

function withoutErrorMessages(health: GateHealth): GateHealth {
  const strip = (m: ModelHealth): ModelHealth =>
    m.lastError === null ? m : { ...m, lastError: { code: m.lastError.code, message: '(in the log)' } };
  const { tiers, seats, drawdown } = health.models;
  return {
    ...health,
    models: {
      ...(tiers === undefined ? {} : { tiers: strip(tiers) }),
      ...(seats === undefined ? {} : { seats: strip(seats) }),
      ...(drawdown === undefined
        ? {}
        : { drawdown: Object.fromEntries(Object.entries(drawdown).map(([name, m]) => [name, strip(m)])) }),
    },
  };
}

/**
 * The answer of a liveness or readiness route over one or more gates: 200 or 503, with each gate's
 * `gate.health()`. Made once per route (the options are checked then); `answer()` per request.
 * The adapters only send what it answers.
 *
 * @example
 * ```ts
 * const ready = new HealthCheck({ tiers, usage }, { probe: 'readiness' }, 'healthCheck()');
 * const { statusCode, body } = ready.answer();
 * ```
 */
export class HealthCheck {
  readonly #gates: ReadonlyArray<readonly [string, LicenseGate]>;
  readonly #probe: HealthProbe;
  readonly #models: readonly HealthModel[];
  readonly #showErrors: boolean;

  /**
   * @param where - what the error messages name, e.g. `lg.health()`
   * @throws LicenseGateConfigurationError `ERR_LG_OPTIONS` for gates that are not gates and bad options, `ERR_LG_OPTION_UNKNOWN` for unknown option names
   */
  constructor(gates: HealthGates, options: HealthCheckOptions = {}, where = 'health()') {
    checkOptions(options, where);
    this.#gates = namedGates(gates, where);
    this.#probe = options.probe ?? 'readiness';
    this.#models = options.models ?? MODELS;
    this.#showErrors = options.showErrors ?? false;
  }

  /** The probe this check answers. */
  get probe(): HealthProbe {
    return this.#probe;
  }

  /** The status code and body now. */
  answer(): HealthAnswer {
    const gates: Record<string, GateHealth> = {};
    let passes = true;
    let clean = true;
    for (const [name, gate] of this.#gates) {
      const health = gate.health();
      gates[name] = this.#showErrors ? health : withoutErrorMessages(health);
      const models = counted(health, this.#models);
      const ok =
        this.#probe === 'liveness'
          ? health.live
          : health.live && health.state === 'running' && models.every((m) => m.serving);
      if (!ok) passes = false;
      if (models.some((m) => m.code !== 'ok')) clean = false;
    }
    return {
      statusCode: passes ? 200 : 503,
      body: { probe: this.#probe, status: passes ? (clean ? 'pass' : 'warn') : 'fail', gates },
    };
  }
}
