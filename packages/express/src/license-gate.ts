import type { NextFunction, Request, RequestHandler, Response } from 'express';
import {
  createLicenseGate,
  isLicenseGate,
  type LicenseGate,
  LicenseGateConfigurationError,
  type LicenseGateOptions,
  type SeatView,
} from '@licensegate/core';
import {
  assertKnownOptions,
  DrawdownStep,
  HealthCheck,
  SeatSteps,
  type HealthCheckOptions,
  type SeatRequest,
} from '@licensegate/core/http';
import { sendHealth } from './health.js';
import { deny, type DeniedHandler } from './deny.js';
import { offerLicense } from './license-slot.js';
import { RequestLicense } from './request-license.js';

/**
 * What a request costs in a drawdown dimension's units: a number; `(req) => units`, known before
 * the handler runs; or `(req, res) => units`, read when the response has finished.
 *
 * Spelt out over Express's own types (it is core's `UnitsOf<Request, Response>`), so that a units
 * function's parameters are typed wherever `express` is: also in an app whose module resolution
 * does not read package `exports` (`node10`), where `@licensegate/core/http` does not resolve.
 */
export type DrawdownUnits = number | ((req: Request, res: Response) => number);

/** Options of the Express adapter (the gate's own options go to `createLicenseGate`). */
export interface LicenseGateMiddlewareOptions {
  /**
   * The seat key of a request, e.g. the logged-in user's id, so that a user's sessions share one
   * seat (each session a holder). Default: the session id (express-session's `req.sessionID`).
   */
  seatKey?: (req: Request) => string | undefined;
  /** Details about the holder shown by `gate.seats.held()`, e.g. `(req) => ({ user: req.user.name })`. */
  seatInfo?: (req: Request) => unknown;
  /** Answer denials your own way (HTML page, redirect). Default: `application/problem+json`. */
  onDenied?: DeniedHandler;
  /** Whether a finished response is charged. Default: status below 400. */
  chargeWhen?: (req: Request, res: Response) => boolean;
}

/** What {@link licenseGate} returns: middleware factories bound to one gate. */
export interface LicenseGateMiddleware {
  /** The gate behind the middleware. */
  readonly gate: LicenseGate;
  /** 403 unless the license grants `tier` or a higher one (503 + Retry-After when License Manager is unreachable past the grace). */
  requireTier(tier: string): RequestHandler;
  /**
   * Charges `units` of a drawdown dimension for the request when its response succeeds:
   * a number, `(req) => units`, or `(req, res) => units` read when the response finishes.
   * 402 when the pool is used up.
   */
  drawdown(dimension: string, units: DrawdownUnits): RequestHandler;
  /** Takes a floating seat for the session (after the app's own login). 403, or 429 + Retry-After when queued and timed out. */
  acquireSeat(): RequestHandler;
  /** Returns the session's seat (on logout). Never fails the request. */
  releaseSeat(): RequestHandler;
  /** Routes that need a held seat: touches it; takes a lost seat again if one is free; 403 otherwise. */
  requireSeat(): RequestHandler;
  /** A JSON handler for health and readiness probes: `gate.status()`, 503 until the gate runs. */
  status(): RequestHandler;
  /**
   * A liveness or readiness probe route (`{ probe: 'liveness' }`, default `readiness`): 200, or 503
   * when the probe fails — liveness when the gate is stopped, readiness also when its gated routes
   * would refuse everyone (not started, no license, expired, `deny` during an outage, the grace
   * over, a drawdown pool used up). The body is `gate.health()` by gate name. For several gates,
   * one route: `healthCheck({ tiers, usage }, options)`.
   * @throws LicenseGateConfigurationError `ERR_LG_OPTIONS` for bad options
   */
  health(options?: HealthCheckOptions): RequestHandler;
  /**
   * This gate's view of the request: the one with the session's seat when a seat middleware of this
   * gate ran, else the gate's view. `req.license` is the same thing in an app with one gate; an app
   * with several reads each gate's view here.
   */
  license(req: Request): RequestLicense;
  /**
   * Hooks an express-session store (in place; the same store is returned) so that a destroyed session returns its seat and a regenerated
   * one keeps it: `session({ store: lg.sessionStore(new MemoryStore()), ... })`.
   */
  sessionStore<S extends object>(store: S): S;
}

const KNOWN_OPTIONS = ['seatKey', 'seatInfo', 'onDenied', 'chargeWhen'];

function checkOptions(options: LicenseGateMiddlewareOptions): void {
  if (options === null || typeof options !== 'object') {
    throw new LicenseGateConfigurationError(
      'ERR_LG_OPTIONS',
      'licenseGate() takes (gate, { seatKey?, seatInfo?, onDenied?, chargeWhen? }).',
    );
  }
  assertKnownOptions(
    options,
    KNOWN_OPTIONS,
    (message) => {
      throw new LicenseGateConfigurationError('ERR_LG_OPTION_UNKNOWN', `licenseGate(): ${message}`);
    },
    { known: KNOWN_OPTIONS },
  );
  for (const [key, value] of Object.entries(options)) {
    if (value !== undefined && typeof value !== 'function') {
      throw new LicenseGateConfigurationError('ERR_LG_OPTIONS', `licenseGate() option ${key} must be a function.`);
    }
  }
}

/**
 * Express middleware over a license gate.
 *
 * @param gateOrOptions - a gate from `createLicenseGate()` (you start and stop it), or its options
 *   (the middleware makes the gate and starts it on the first request; stop it with `lg.gate.stop()`)
 *
 * @example
 * ```ts
 * const lg = licenseGate(gate);
 * app.get('/reports', lg.requireTier('Premium'), handler);
 * app.post('/backup', lg.drawdown('DataConsumption', (req) => req.body.gigabytes), handler);
 * ```
 */
export function licenseGate(
  gateOrOptions: LicenseGate | LicenseGateOptions,
  options: LicenseGateMiddlewareOptions = {},
): LicenseGateMiddleware {
  checkOptions(options);
  const gate = isLicenseGate(gateOrOptions) ? gateOrOptions : createLicenseGate(gateOrOptions);
  const ownsGate = !isLicenseGate(gateOrOptions);
  const { seatKey, seatInfo, onDenied, chargeWhen } = options;
  const seats = new SeatSteps(gate);
  const sharedLicense = new RequestLicense(gate);
  let ready = !ownsGate;
  let starting: Promise<void> | undefined;

  /** Starts a gate the middleware made, once; the cold path of the first requests. */
  const ensureStarted = (): Promise<void> | undefined => {
    if (ready) return undefined;
    starting ??= gate.start().then(() => {
      ready = true;
    });
    return starting;
  };
  const fail = (req: Request, res: Response, next: NextFunction, error: unknown): void =>
    deny(gate, onDenied, req, res, next, error);
  const seatRequest = (req: Request): SeatRequest => ({ request: req, userKey: seatKey?.(req) });
  /** The views this middleware set on requests (with their seats), told apart from other gates'. */
  const ownViews = new WeakSet<RequestLicense>();
  const withSeat = (req: Request, seat: SeatView | undefined): void => {
    const view = new RequestLicense(gate, seat);
    ownViews.add(view);
    req.license = view;
  };
  /** Runs an async step, answering its licensegate errors; starts the gate first if need be. */
  const run = (step: (req: Request, res: Response) => Promise<void>): RequestHandler => {
    return (req, res, next) => {
      const go = (): void => {
        step(req, res).then(
          () => next(),
          (error: unknown) => fail(req, res, next, error),
        );
      };
      const pending = ensureStarted();
      if (pending === undefined) return go();
      pending.then(go, (error: unknown) => fail(req, res, next, error));
    };
  };

  return {
    gate,

    requireTier(tier) {
      const check = gate.tierCheck(tier);
      return function requireTier(req, res, next) {
        const decision = check();
        if (decision.allowed) {
          offerLicense(req, sharedLicense);
          return next();
        }
        const pending = ensureStarted();
        if (pending === undefined) return fail(req, res, next, decision.error);
        pending.then(
          () => {
            const again = check();
            if (!again.allowed) return fail(req, res, next, again.error);
            offerLicense(req, sharedLicense);
            next();
          },
          (error: unknown) => fail(req, res, next, error),
        );
      };
    },

    drawdown(dimension, units) {
      const step = new DrawdownStep<Request, Response>(gate, dimension, units, { chargeWhen });
      return function drawdown(req, res, next) {
        offerLicense(req, sharedLicense);
        let opened: Promise<boolean> | undefined;
        try {
          opened = step.open(req, res, ensureStarted());
        } catch (error) {
          return fail(req, res, next, error);
        }
        if (opened === undefined) return next(); // the hot path: the units are held, the handler runs in this tick
        opened.then(
          (go) => {
            if (go) next(); // else the client left while the units were being held: nothing to answer
          },
          (error: unknown) => fail(req, res, next, error),
        );
      };
    },

    acquireSeat() {
      seats.declare(); // a gate without seats fails here, at declaration (ERR_LG_NO_SEATS)
      return run(async (req, res) => withSeat(req, await seats.acquire(seatRequest(req), res, seatInfo?.(req))));
    },

    releaseSeat() {
      seats.declare();
      return run(async (req) => {
        await seats.release(seatRequest(req));
        withSeat(req, undefined);
      });
    },

    requireSeat() {
      seats.declare();
      return run(async (req) => withSeat(req, await seats.require(seatRequest(req))));
    },

    status() {
      return function status(_req, res) {
        void ensureStarted()?.catch(() => undefined);
        const body = gate.status();
        res.status(body.state === 'running' ? 200 : 503).json(body);
      };
    },

    health(healthOptions) {
      const check = new HealthCheck(gate, healthOptions, 'lg.health()');
      return function health(_req, res) {
        void ensureStarted()?.catch(() => undefined);
        sendHealth(check, res);
      };
    },

    license(req) {
      const own = Object.hasOwn(req, 'license') ? req.license : undefined;
      return own !== undefined && ownViews.has(own) ? own : sharedLicense;
    },

    sessionStore(store) {
      return seats.wrapStore(store);
    },
  };
}
