import type { ExecutionContext } from '@nestjs/common';
import {
  createLicenseGate,
  isLicenseGate,
  type LicenseGate,
  type DrawdownMeter,
  type LicenseGateError,
  type LicenseGateStatus,
  type SeatPool,
  type SeatView,
  type TierDecision,
} from '@licensegate/core';
import { answerDenial, SeatSteps, type SeatRequest } from '@licensegate/core/http';

import { LicenseGateException } from './license-gate.exception.js';
import { withNestLogger } from './nest-logger.js';
import type { LicenseGateModuleOptions } from './license-gate.options.js';
import { requestPath } from './node-exchange.js';
import { RequestLicense } from './request-license.js';

/** Which seat a seat call is about, when not the module's `seatKey(req)` (or the session id). */
export interface SeatCallOptions {
  /** The seat key, e.g. the user id: a user's sessions then share one seat. */
  key?: string;
}

/** Options of {@link LicenseGateService.acquireSeat}. */
export interface AcquireSeatOptions extends SeatCallOptions {
  /** Details about the holder shown by `gate.seats.held()`. Default: the module's `seatInfo(req)`. */
  info?: unknown;
  /** Stops waiting in the seat queue (e.g. when the client went away): the wait rejects, and no seat is taken. */
  signal?: AbortSignal;
}

/**
 * One gate as the Nest app sees it: the tier, the seats of sessions, the drawdown meter, the
 * status, and how a denial becomes an exception. Inject the default gate's service by its class,
 * a named gate's with `@InjectLicenseGateService(name)`. The guard and the interceptor go through
 * it, and a handler can too (e.g. to take a seat after a login done in the handler).
 *
 * Seats follow the request's session — express-session on Express, `@fastify/session` or
 * `@fastify/secure-session` on Fastify — through `SeatSteps` of `@licensegate/core/http`, the same
 * code the Express adapter and the Fastify plugin use.
 */
export class LicenseGateService {
  /** The gate's name (`'default'` unless `forRoot({ name })` said otherwise). */
  readonly name: string;
  /** The gate. */
  readonly gate: LicenseGate;
  /** The module options, as checked (their callbacks take the platform's request and response). */
  readonly options: Readonly<LicenseGateModuleOptions<object, object>>;
  /** Whether the module made the gate from options (rather than being handed one). */
  readonly ownsGate: boolean;
  /** The seat steps of the gate's routes (core's adapter kit); the guard runs them. */
  readonly seatSteps: SeatSteps;
  readonly #license: RequestLicense;

  constructor(name: string, options: Readonly<LicenseGateModuleOptions<object, object>>) {
    this.name = name;
    this.options = options;
    this.ownsGate = !isLicenseGate(options.gate);
    this.gate = isLicenseGate(options.gate) ? options.gate : createLicenseGate(withNestLogger(options.gate, name));
    const gate = this.gate;
    this.seatSteps = new SeatSteps(gate);
    this.#license = new RequestLicense(gate);
  }

  /** The tier the license grants now, or `null`. */
  get tier(): string | null {
    return this.gate.tier;
  }

  /** Whether the license grants `tier` or higher, now; synchronous, from the cached answer. */
  hasTier(tier: string): boolean {
    return this.gate.hasTier(tier);
  }

  /**
   * Throws unless the license grants `tier` or higher. Thrown in a handler, the error is answered
   * as problem+json by `LicenseGateExceptionFilter`.
   */
  assertTier(tier: string): void {
    this.gate.assertTier(tier);
  }

  /** A check of one tier with the name looked up once (an unknown tier throws here). */
  tierCheck(tier: string): () => TierDecision {
    return this.gate.tierCheck(tier);
  }

  /** `gate.status()`: a plain object for a health endpoint, without tokens. */
  status(): LicenseGateStatus {
    return this.gate.status();
  }

  /** The gate's seat pool (`held()`, `acquire(key)`...); throws `ERR_LG_NO_SEATS` for a gate without seats. */
  get seats(): SeatPool {
    return this.gate.seats;
  }

  /** The gate's drawdown meter; throws `ERR_LG_UNKNOWN_DIMENSION` for a gate without drawdown. */
  get drawdown(): DrawdownMeter {
    return this.gate.drawdown;
  }

  /** The license view of a request that holds no seat (shared: it holds no request state). */
  get license(): RequestLicense {
    return this.#license;
  }

  /**
   * Takes a seat for the request's session (or for `options.key`, else the module's `seatKey(req)`)
   * and records it in the session.
   * @param req - the platform's request (Express's, or Fastify's)
   * @throws SeatsExhaustedError, LicenseUnavailableError
   */
  acquireSeat(req: object, options: AcquireSeatOptions = {}): Promise<SeatView> {
    const info = 'info' in options ? options.info : this.options.seatInfo?.(req);
    return this.seatSteps.acquireFor(this.seatRequest(req, options), info, options.signal);
  }

  /** Returns the session's seat (its share of it, when keyed by user). Idempotent. */
  releaseSeat(req: object, options: SeatCallOptions = {}): Promise<boolean> {
    return this.seatSteps.releaseFor(this.seatRequest(req, options));
  }

  /**
   * The session's seat, touched; a lost seat is taken again when one is free.
   * @throws LicenseGateError `ERR_LG_NO_SEAT` (403 seat-required) when the session took none
   */
  requireSeat(req: object, options: SeatCallOptions = {}): Promise<SeatView> {
    return this.seatSteps.require(this.seatRequest(req, options));
  }

  /**
   * Wraps an express-session store so that a destroyed session returns its seat and a regenerated
   * one keeps it: `session({ store: service.sessionStore(new session.MemoryStore()) })`.
   */
  sessionStore<S extends object>(store: S): S {
    return this.seatSteps.wrapStore(store);
  }

  /**
   * What to throw for an error of a licensegate step: for a denial, the module's
   * `errorFactory(error, context)` or a {@link LicenseGateException}; any other error as it is.
   * A 500-class denial (a bad units value from the app) is logged as an error.
   */
  exceptionFor(error: unknown, context: ExecutionContext): unknown {
    const answer = answerDenial(this.gate, error, requestPath(context.switchToHttp().getRequest<unknown>()));
    if (answer === undefined) return error;
    const denial = new LicenseGateException(error as LicenseGateError, answer.problem, answer.retryAfterSeconds);
    return this.options.errorFactory !== undefined ? this.options.errorFactory(denial.error, context) : denial;
  }

  /** Routes the deprecated `LicenseGateInterceptor` reaches, as the boot check found them (per app). */
  readonly #intercepted = new WeakMap<object, WeakSet<object>>();

  /**
   * Records, at boot, that the deprecated `LicenseGateInterceptor` reaches a route of this gate: the
   * guard then leaves the route's charge to it. Called by the module's boot check.
   */
  markIntercepted(cls: object, handler: object): void {
    let handlers = this.#intercepted.get(cls);
    if (handlers === undefined) this.#intercepted.set(cls, (handlers = new WeakSet()));
    handlers.add(handler);
  }

  /** Whether the deprecated `LicenseGateInterceptor` reaches the route (see {@link markIntercepted}). */
  isIntercepted(cls: object, handler: object): boolean {
    return this.#intercepted.get(cls)?.has(handler) === true;
  }

  /**
   * How the seat steps see a request: the platform's request (core recognises its session by
   * shape), and its seat key.
   */
  seatRequest(req: object, options: SeatCallOptions = {}): SeatRequest {
    return { request: req, userKey: options.key ?? this.options.seatKey?.(req) };
  }
}
