import type { ExecutionContext, InjectionToken, ModuleMetadata, OptionalFactoryDependency, Type } from '@nestjs/common';
import { isLicenseGate, type LicenseGate, type LicenseGateError, type LicenseGateOptions } from '@licensegate/core';
import { unknownNames, unknownOptionsMessage } from '@licensegate/core/http';

import { optionsError } from './license-gate.errors.js';
import type { LicenseGateRequest, LicenseGateResponse } from './license-gate.http.js';

/**
 * Options of one gate in `LicenseGateModule.forRoot()`, or what a `forRootAsync()` factory returns.
 *
 * The callbacks get the platform's request and response (Express's, or Fastify's request and
 * reply). `Req` and `Res` are their types as the callbacks declare them: name your platform's in a
 * callback's parameter (`seatKey: (req: FastifyRequest) => ...`) and the others get it too.
 */
export interface LicenseGateModuleOptions<Req = LicenseGateRequest, Res = LicenseGateResponse> {
  /**
   * The gate: one made with `createLicenseGate()`, or the options to make it with. Either way the
   * module starts it when the module initialises and stops it on application shutdown (units
   * flushed, seats returned). Options without a `logger` get `nestLogger(new Logger('LicenseGate'))`:
   * the gate logs among the app's Nest logs.
   */
  gate: LicenseGate | LicenseGateOptions;
  /**
   * The seat key of a request, e.g. the logged-in user's id, so that a user's sessions share one
   * seat (each session a holder). Default: the session id.
   */
  seatKey?: (req: Req) => string | undefined;
  /** Details about the holder shown by `gate.seats.held()`, e.g. `(req: Request) => ({ user: req.user.name })`. */
  seatInfo?: (req: Req) => unknown;
  /** Whether a finished response is charged its drawdown units. Default: status below 400. */
  chargeWhen?: (req: Req, res: Res) => boolean;
  /**
   * What the guard and the interceptor throw for a denial, instead of the default
   * `LicenseGateException` (answered as `application/problem+json`). Return, for example, an
   * exception that your own exception filter renders as an HTML page.
   */
  errorFactory?: (error: LicenseGateError, context: ExecutionContext) => unknown;
}

/** What `forRoot()` and `forRootAsync()` take besides the gate's options. */
export interface LicenseGateModuleExtras {
  /**
   * The gate's name, when an app has more than one (e.g. one per AWS Marketplace product).
   * Decorators use the gate named by `@UseLicenseGate(name)`, else `'default'`.
   */
  name?: string;
  /** Registers the module's providers globally, so feature modules need not import it. */
  isGlobal?: boolean;
}

/**
 * A class that makes the module options, for `forRootAsync({ useClass })` and `{ useExisting }`
 * (`Req` and `Res`: see {@link LicenseGateModuleOptions}).
 */
export interface LicenseGateOptionsFactory<Req = LicenseGateRequest, Res = LicenseGateResponse> {
  createLicenseGateOptions(): LicenseGateModuleOptions<Req, Res> | Promise<LicenseGateModuleOptions<Req, Res>>;
}

/**
 * Options of `LicenseGateModule.forRootAsync()`: one of `useFactory`, `useClass`, `useExisting`
 * (`Req` and `Res`: see {@link LicenseGateModuleOptions}).
 */
export interface LicenseGateModuleAsyncOptions<Req = LicenseGateRequest, Res = LicenseGateResponse>
  extends Pick<ModuleMetadata, 'imports'>, LicenseGateModuleExtras {
  /** Makes the options from injected providers, e.g. `(config: ConfigService) => ({ gate: { ... } })`. */
  useFactory?: (...args: never[]) => LicenseGateModuleOptions<Req, Res> | Promise<LicenseGateModuleOptions<Req, Res>>;
  /** What `useFactory` takes. */
  inject?: (InjectionToken | OptionalFactoryDependency)[];
  /** A class the module instantiates, whose `createLicenseGateOptions()` makes the options. */
  useClass?: Type<LicenseGateOptionsFactory<Req, Res>>;
  /** A provider of the importing modules that makes the options. */
  useExisting?: InjectionToken<LicenseGateOptionsFactory<Req, Res>>;
}

/**
 * The module options as the module keeps them: its callbacks are called with the platform's
 * request and response, whatever types the app's callbacks named.
 */
export type CheckedModuleOptions = Readonly<LicenseGateModuleOptions<object, object>>;

const ADAPTER_OPTIONS = ['seatKey', 'seatInfo', 'chargeWhen', 'errorFactory'] as const;
const KNOWN = ['gate', ...ADAPTER_OPTIONS];
/** Keys that show the gate's own options were given where the module's belong. */
const GATE_KEYS = ['productSku', 'tiers', 'seats', 'drawdown', 'client', 'store', 'keyFingerprint'];
const SHAPE = '{ gate, seatKey?, seatInfo?, chargeWhen?, errorFactory? }';

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Promise) return 'a promise (await it inside the factory)';
  return typeof value === 'object'
    ? 'an object'
    : `${typeof value === 'function' ? 'a function' : JSON.stringify(value)}`;
}

/**
 * Checks module options (from `forRoot()` or from a `forRootAsync()` factory) and returns a
 * frozen copy. Each mistake throws a `LicenseGateConfigurationError` that says what was given and
 * what was expected, so a wrongly shaped factory result fails at boot, never at request time.
 *
 * @param source - where the options came from, for the message: `forRoot()`, `forRootAsync() useFactory`...
 * @param extras - keys allowed beside the options (`name`, `isGlobal` in `forRoot()`)
 */
export function checkModuleOptions(
  value: unknown,
  source: string,
  extras: readonly string[] = [],
): CheckedModuleOptions {
  if (isLicenseGate(value)) {
    throw optionsError(
      'ERR_LG_OPTIONS',
      `${source} gave a LicenseGate; the module takes ${SHAPE}: wrap it as { gate }.`,
    );
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Promise) {
    throw optionsError('ERR_LG_OPTIONS', `${source} must give the module options ${SHAPE}; got ${describe(value)}.`);
  }
  const options = value as Record<string, unknown>;
  if (options['gate'] === undefined) {
    const gateKeys = Object.keys(options).filter((key) => GATE_KEYS.includes(key));
    const hint =
      gateKeys.length > 0
        ? ` It has ${gateKeys.join(', ')}: those are the gate's own options; put them under gate: { gate: { productSku, ... } }.`
        : '';
    throw optionsError(
      'ERR_LG_OPTIONS',
      `${source} must give ${SHAPE}, and gate is missing: a LicenseGate or the options of createLicenseGate().${hint}`,
    );
  }
  const unknown = unknownNames(options, [...KNOWN, ...extras]);
  if (unknown.length > 0) {
    const misplaced = unknown.filter((u) => u.name === 'name' || u.name === 'isGlobal').map((u) => u.name);
    const where =
      misplaced.length > 0
        ? ` (${misplaced.join(' and ')} goes beside useFactory/useClass/useExisting, not in what they return)`
        : '';
    throw optionsError(
      'ERR_LG_OPTION_UNKNOWN',
      `${source}: ${unknownOptionsMessage(unknown, { where: 'the module options' }).replace(/\.$/, '')}${where}. The module takes ${SHAPE}.`,
    );
  }
  const gate = options['gate'];
  if (!isLicenseGate(gate) && (typeof gate !== 'object' || gate === null || Array.isArray(gate))) {
    throw optionsError(
      'ERR_LG_OPTIONS',
      `${source}: gate must be a LicenseGate or the options of createLicenseGate(); got ${describe(gate)}.`,
    );
  }
  for (const key of ADAPTER_OPTIONS) {
    if (options[key] !== undefined && typeof options[key] !== 'function') {
      throw optionsError('ERR_LG_OPTIONS', `${source}: ${key} must be a function; got ${describe(options[key])}.`);
    }
  }
  const checked: LicenseGateModuleOptions<object, object> = { gate: gate as LicenseGate | LicenseGateOptions };
  for (const key of ADAPTER_OPTIONS) if (options[key] !== undefined) Object.assign(checked, { [key]: options[key] });
  return Object.freeze(checked);
}

/** Checks a gate name: a non-empty string. */
export function checkGateName(name: unknown, source: string): string {
  if (typeof name !== 'string' || name.trim() === '') {
    throw optionsError('ERR_LG_OPTIONS', `${source}: name must be a non-empty string; got ${describe(name)}.`);
  }
  return name;
}
