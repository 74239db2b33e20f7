import type { ServerResponse } from 'node:http';

import { LicenseGateError } from '../errors.js';
import type { LicenseGate } from '../gate.js';
import type { Logger } from '../logger.js';
import type { SeatView } from '../seats/seat-record.js';
import { SessionSeats, type SeatRequest } from '../sessions/session-seats.js';

/**
 * The seat steps of a route, for any HTTP framework: take the session's seat at login, return it
 * at logout, require it on the routes that need one — written once for the Express middleware,
 * the NestJS guard and the Fastify plugin. The adapter passes the framework's request (its session
 * is recognised by shape: express-session, `@fastify/session`, `@fastify/secure-session`) and the
 * app's seat key ({@link SeatRequest}); seats then follow sessions as `SessionSeats` describes.
 */
export class SeatSteps {
  readonly #gate: LicenseGate;
  readonly #sessions: SessionSeats;
  readonly #logger: Logger;

  /** @param gate - the gate whose seats the steps take and return (`gate.seats` is read when a step runs) */
  constructor(gate: LicenseGate) {
    this.#gate = gate;
    this.#logger = gate.options.logger;
    this.#sessions = new SessionSeats(() => gate.seats, this.#logger);
  }

  /** Whether the gate has seats (an adapter adds its per-request session hook only then). */
  get available(): boolean {
    try {
      void this.#gate.seats;
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Checks at declaration that the gate has seats.
   * @throws LicenseGateConfigurationError ERR_LG_NO_SEATS for a gate without seats
   */
  declare(): void {
    void this.#gate.seats;
  }

  /**
   * Takes the session's seat and records it in the session. A client that goes away while the
   * request waits in the seat queue (`res` closes before it finished) stops waiting, and gets no seat.
   * @throws SeatsExhaustedError (403, or 429 after waiting), LicenseUnavailableError (503), ERR_LG_SEAT_KEY
   */
  async acquire(request: SeatRequest, res: ServerResponse, info?: unknown): Promise<SeatView> {
    const left = new AbortController();
    const onClose = (): void => {
      if (!res.writableFinished) left.abort();
    };
    // Gone already (during an earlier step): no close event will come.
    if (res.destroyed && !res.writableFinished) left.abort();
    else res.once('close', onClose);
    try {
      return await this.#sessions.acquire(request, info, left.signal);
    } finally {
      res.off('close', onClose);
    }
  }

  /**
   * Returns the session's seat (its share of it, when keyed by user) at logout. Never fails the
   * request: a failure is logged (`licensegate.seat.release_failed`), and the idle reaper returns the seat.
   * @returns whether a seat was returned
   */
  async release(request: SeatRequest): Promise<boolean> {
    try {
      return await this.#sessions.release(request);
    } catch (error) {
      this.#logger.warn(
        { event: 'licensegate.seat.release_failed', error: (error as Error).message },
        'Could not return a seat at logout; the idle reaper will',
      );
      return false;
    }
  }

  /**
   * The session's seat, touched; a lost seat is taken again when one is free.
   * @throws LicenseGateError ERR_LG_NO_SEAT (403 seat-required) when the session took none;
   *   SeatsExhaustedError when a lost seat cannot be taken again
   */
  async require(request: SeatRequest): Promise<SeatView> {
    const seat = await this.#sessions.require(request);
    if (seat === undefined)
      throw new LicenseGateError('ERR_LG_NO_SEAT', 'This needs a seat: log in first (the session holds no seat).');
    return seat;
  }

  /**
   * Takes the session's seat with no client to watch (a handler's own call, e.g. after a login done
   * in the handler).
   * @param signal - stops waiting in the seat queue when it aborts
   */
  acquireFor(request: SeatRequest, info?: unknown, signal?: AbortSignal): Promise<SeatView> {
    return this.#sessions.acquire(request, info, signal);
  }

  /** Returns the session's seat, failing when it cannot (a handler's own call). Idempotent. */
  releaseFor(request: SeatRequest): Promise<boolean> {
    return this.#sessions.release(request);
  }

  /**
   * Makes the seat of the request's `@fastify/session` / `@fastify/secure-session` session follow
   * it (destroy returns the seat, regenerate keeps it) for the rest of the request. For an adapter's
   * per-request hook, so that a logout in any route returns the seat: a field read when the session
   * holds no seat; nothing for express-session (see {@link SeatSteps.wrapStore}).
   */
  follow(request: object): void {
    this.#sessions.follow(request);
  }

  /**
   * Hooks an express-session style store (in place; the same store is returned) so that a destroyed
   * session returns its seat and a regenerated one keeps it.
   */
  wrapStore<S extends object>(store: S): S {
    return this.#sessions.wrapStore(store);
  }
}
