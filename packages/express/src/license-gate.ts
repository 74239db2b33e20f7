import type { NextFunction, Request, RequestHandler, Response } from 'express';
import {
  createLicenseGate,
  LicenseGate,
  LicenseGateConfigurationError,
  LicenseGateError,
  type LicenseGateOptions,
  type SeatView,
} from '@licensegate/core';
import {
  RequestCharge,
  SessionSeats,
  type SeatRequest,
  type UnitsOf,
  watchFinishedResponses,
  whenResponseDone,
} from '@licensegate/core/http';
import { deny, type DeniedHandler } from './deny.js';
import { offerLicense } from './license-slot.js';
import { RequestLicense } from './request-license.js';

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
  drawdown(dimension: string, units: UnitsOf<Request, Response>): RequestHandler;
  /** Takes a floating seat for the session (after the app's own login). 403, or 429 + Retry-After when queued and timed out. */
  acquireSeat(): RequestHandler;
  /** Returns the session's seat (on logout). Never fails the request. */
  releaseSeat(): RequestHandler;
  /** Routes that need a held seat: touches it; takes a lost seat again if one is free; 403 otherwise. */
  requireSeat(): RequestHandler;
  /** A JSON handler for health and readiness probes: `gate.status()`, 503 until the gate runs. */
  status(): RequestHandler;
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
  for (const [key, value] of Object.entries(options)) {
    if (!KNOWN_OPTIONS.includes(key)) {
      throw new LicenseGateConfigurationError(
        'ERR_LG_OPTION_UNKNOWN',
        `Unknown licenseGate() option ${JSON.stringify(key)}; it takes ${KNOWN_OPTIONS.join(', ')}.`,
      );
    }
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
  const gate = gateOrOptions instanceof LicenseGate ? gateOrOptions : createLicenseGate(gateOrOptions);
  const ownsGate = !(gateOrOptions instanceof LicenseGate);
  const { seatKey, seatInfo, onDenied } = options;
  const chargeWhen = options.chargeWhen ?? ((_req: Request, res: Response) => res.statusCode < 400);
  /** `chargeWhen`, never throwing inside a response event (that would crash the process): a throw charges nothing. */
  const safeChargeWhen = (req: Request, res: Response): boolean => {
    try {
      return chargeWhen(req, res);
    } catch (error) {
      gate.options.logger.error(
        { event: 'licensegate.charge_when_failed', error: (error as Error).message },
        'chargeWhen threw; the request is not charged',
      );
      return false;
    }
  };
  const sessions = new SessionSeats(() => gate.seats, gate.options.logger);
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
  const seatRequest = (req: Request): SeatRequest => {
    const r = req as Request & { sessionID?: string; session?: Record<string, unknown> };
    return { sessionId: r.sessionID, session: r.session, userKey: seatKey?.(req) };
  };
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
      gate.drawdown.stats(dimension); // an unknown dimension fails here, at startup
      if (typeof units !== 'number' && typeof units !== 'function') {
        throw new LicenseGateConfigurationError(
          'ERR_LG_OPTIONS',
          `drawdown(${JSON.stringify(dimension)}, units): units must be a number or a function; got ${typeof units}.`,
        );
      }
      const logChargeFailure = (req: Request, error: unknown): void =>
        gate.options.logger.error(
          {
            event: 'licensegate.charge_failed',
            dimension,
            path: req.path,
            code: (error as { code?: string }).code,
            error: (error as Error).message,
          },
          'A drawdown charge failed; nothing was charged for it',
        );
      /**
       * Settles a charge once its response is done: charged when it finished and `chargeWhen` says
       * so, cancelled when it was cut off. Usually settled at once (batch mode within its bound on
       * a store of this process alone): no promise per request then.
       */
      const settle = (
        charge: RequestCharge<Request, Response>,
        req: Request,
        res: Response,
        finished: boolean,
      ): void => {
        charge
          .settleNow(finished && safeChargeWhen(req, res), req, res)
          ?.then(undefined, (error: unknown) => logChargeFailure(req, error));
      };
      /** On a durable store, the charge is journaled before the response's last bytes leave (write-ahead). */
      const journalFirst = (charge: RequestCharge<Request, Response>, req: Request, res: Response): void =>
        charge.journalBeforeEnd(
          res,
          req,
          () => safeChargeWhen(req, res),
          (error) => logChargeFailure(req, error),
        );
      /**
       * The path that waits: the gate is starting, or the units need a wait, a store call or a
       * License Manager call. The listener goes on before anything is awaited: a response can
       * finish or close at any time.
       */
      const openLater = (
        req: Request,
        res: Response,
        next: NextFunction,
        opening: Promise<RequestCharge<Request, Response>>,
      ): void => {
        // The client may have gone during an earlier middleware: then no close event comes, and
        // there is no one to do the work for; units being reserved go back.
        if (res.destroyed || res.writableEnded || req.socket?.destroyed === true) {
          opening.then(
            (charge) => settle(charge, req, res, false),
            () => undefined,
          );
          return;
        }
        let charge: RequestCharge<Request, Response> | undefined;
        let closed = false;
        res.on('close', () => {
          closed = true;
          if (charge !== undefined) settle(charge, req, res, res.writableFinished);
        });
        opening.then(
          (opened) => {
            charge = opened;
            if (closed) return settle(opened, req, res, false); // the client left while the units were being reserved
            journalFirst(opened, req, res);
            next();
          },
          (error: unknown) => fail(req, res, next, error),
        );
      };
      watchFinishedResponses();
      return function drawdown(req, res, next) {
        offerLicense(req, sharedLicense);
        const starting = ensureStarted();
        if (starting !== undefined) {
          return openLater(
            req,
            res,
            next,
            starting.then(() => RequestCharge.begin(gate.drawdown, dimension, units, req)),
          );
        }
        let begun: RequestCharge<Request, Response> | Promise<RequestCharge<Request, Response>>;
        try {
          begun = RequestCharge.begin(gate.drawdown, dimension, units, req);
        } catch (error) {
          return fail(req, res, next, error);
        }
        if (!(begun instanceof RequestCharge)) return openLater(req, res, next, begun);
        // The hot path: the units are held at once, and the handler runs in this tick. Settled when
        // the response is done: through the server's diagnostics channel and the connection's close
        // when the server publishes (no listener per request), else on the response's 'close',
        // which follows every response, finished (writableFinished) or cut off.
        const charge = begun;
        journalFirst(charge, req, res);
        const onDone = (finished: boolean): void => settle(charge, req, res, finished);
        if (!whenResponseDone(req, res, onDone)) {
          if (res.destroyed || req.socket?.destroyed === true) onDone(false);
          else res.on('close', () => onDone(res.writableFinished));
        }
        next();
      };
    },

    acquireSeat() {
      void gate.seats; // a gate without seats fails here, at declaration (ERR_LG_NO_SEATS)
      return run(async (req, res) => {
        // A client that leaves while queued for a seat stops waiting, and gets no seat.
        const left = new AbortController();
        const onClose = (): void => {
          if (!res.writableFinished) left.abort();
        };
        res.once('close', onClose);
        try {
          withSeat(req, await sessions.acquire(seatRequest(req), seatInfo?.(req), left.signal));
        } finally {
          res.off('close', onClose);
        }
      });
    },

    releaseSeat() {
      void gate.seats;
      return run(async (req) => {
        try {
          await sessions.release(seatRequest(req));
        } catch (error) {
          gate.options.logger.warn(
            { event: 'licensegate.release_failed', error: (error as Error).message },
            'Could not return a seat at logout; the idle reaper will',
          );
        }
        withSeat(req, undefined);
      });
    },

    requireSeat() {
      void gate.seats;
      return run(async (req) => {
        const seat = await sessions.require(seatRequest(req));
        if (seat === undefined)
          throw new LicenseGateError('ERR_LG_NO_SEAT', 'This needs a seat: log in first (the session holds no seat).');
        withSeat(req, seat);
      });
    },

    status() {
      return function status(_req, res) {
        void ensureStarted()?.catch(() => undefined);
        const body = gate.status();
        res.status(body.state === 'running' ? 200 : 503).json(body);
      };
    },

    license(req) {
      const own = Object.hasOwn(req, 'license') ? req.license : undefined;
      return own !== undefined && ownViews.has(own) ? own : sharedLicense;
    },

    sessionStore(store) {
      return sessions.wrapStore(store);
    },
  };
}
