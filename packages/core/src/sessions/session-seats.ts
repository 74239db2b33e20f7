import { LicenseGateError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { SeatPool } from '../seats/seat-pool.js';
import type { SeatView } from '../seats/seat-record.js';

/** Where a session records the seat it holds (a field of the session's data). */
export const SESSION_SEAT_FIELD = 'licensegateSeat';

/** The seat a session holds: its key, and the session as holder when seats are keyed by user. */
export interface SessionSeat {
  readonly key: string;
  readonly holder?: string;
}

/**
 * What the seat helpers need from a request, whatever the framework: the session id and data
 * (express-session's `req.sessionID` and `req.session`), and the app's own seat key when seats
 * are shared by a user's sessions.
 */
export interface SeatRequest {
  readonly sessionId: string | undefined;
  readonly session: Record<string, unknown> | undefined;
  /** The app's key for the seat (e.g. a user id); the session is then one of its holders. */
  readonly userKey: string | undefined;
}

/** An express-session style store: callback methods. */
interface CallbackStore {
  get(sid: string, callback: (error: unknown, session?: Record<string, unknown> | null) => void): void;
  destroy(sid: string, callback?: (error?: unknown) => void): void;
}

/** What express-session passes to `store.regenerate()`. */
interface RegeneratingRequest {
  sessionID: string;
  session?: Record<string, unknown>;
}

/**
 * Seats that follow sessions, for any framework on express-session (Express, and NestJS on its
 * Express platform): take a seat when a session logs in, return it when the session logs out or
 * is destroyed, move it (no second checkout) when the session id is regenerated. Expiry: stores do
 * not report expired sessions, so the seat pool's idle reaper returns the seat of a session that
 * stopped coming back — set `seats.idleTimeoutMs` no longer than the session cookie's `maxAge`.
 */
export class SessionSeats {
  readonly #pool: () => SeatPool;
  readonly #logger: Logger;

  /** @param pool - the gate's seat pool (read lazily: `gate.seats` throws when the gate has none) */
  constructor(pool: () => SeatPool, logger: Logger) {
    this.#pool = pool;
    this.#logger = logger;
  }

  /** The seat this request's session holds or would hold. */
  binding(request: SeatRequest): SessionSeat {
    const recorded = request.session?.[SESSION_SEAT_FIELD] as SessionSeat | undefined;
    if (recorded !== undefined && typeof recorded.key === 'string') return recorded;
    if (request.userKey !== undefined) {
      return request.sessionId !== undefined
        ? { key: request.userKey, holder: request.sessionId }
        : { key: request.userKey };
    }
    if (request.sessionId === undefined) {
      throw new LicenseGateError(
        'ERR_LG_SEAT_KEY',
        'A seat needs a session (install express-session before the licensegate middleware) or a seatKey(req) option that returns the holder key.',
      );
    }
    return { key: request.sessionId };
  }

  /**
   * Takes the session's seat and records it in the session. When `signal` aborts (the client went
   * away) the acquisition stops waiting, and a seat taken after that is given back at once.
   * @throws the signal's reason when the client left
   */
  async acquire(request: SeatRequest, info?: unknown, signal?: AbortSignal): Promise<SeatView> {
    const binding = this.binding(request);
    const pool = this.#pool();
    const seat = await pool.acquire(binding.key, {
      ...(binding.holder !== undefined ? { holder: binding.holder } : {}),
      ...(info !== undefined ? { info } : {}),
      ...(signal !== undefined ? { signal } : {}),
    });
    if (signal?.aborted === true) {
      await pool.release(binding.key, binding.holder);
      throw signal.reason;
    }
    if (request.session !== undefined) request.session[SESSION_SEAT_FIELD] = binding;
    return seat;
  }

  /** Returns the session's seat (its share of it, when keyed by user) and forgets it. Idempotent. */
  async release(request: SeatRequest): Promise<boolean> {
    const recorded = request.session?.[SESSION_SEAT_FIELD] as SessionSeat | undefined;
    if (recorded === undefined && request.sessionId === undefined && request.userKey === undefined) return false;
    const binding = this.binding(request);
    if (request.session !== undefined) delete request.session[SESSION_SEAT_FIELD];
    return this.#pool().release(binding.key, binding.holder);
  }

  /**
   * The session's seat, touched; a seat that was lost (expired, reaped) is taken again if one is
   * free. `undefined` when the session never took a seat.
   * @throws SeatsExhaustedError when a lost seat cannot be taken again
   */
  async require(request: SeatRequest): Promise<SeatView | undefined> {
    const recorded = request.session?.[SESSION_SEAT_FIELD] as SessionSeat | undefined;
    const binding = recorded ?? (request.userKey !== undefined ? this.binding(request) : undefined);
    if (binding === undefined) return undefined;
    const pool = this.#pool();
    pool.touch(binding.key);
    const seat = await pool.get(binding.key);
    if (seat !== undefined && (binding.holder === undefined || seat.holders.includes(binding.holder))) return seat;
    if (recorded === undefined) return undefined;
    return this.acquire(request);
  }

  /**
   * Hooks an express-session store (and returns it) so that a destroyed session returns its seat
   * (logout with `req.session.destroy()`, `unset: 'destroy'`) and a regenerated one keeps it under
   * its new id. Everything else goes to the store as it is.
   */
  wrapStore<S extends object>(store: S): S {
    // The store's own methods are replaced (bound originals kept), not a wrapper object made:
    // stores with private fields or state of their own keep working, and there is one store.
    const target = store as unknown as CallbackStore & {
      regenerate(req: RegeneratingRequest, fn: (error?: unknown) => void): void;
      generate(req: RegeneratingRequest): void;
    };
    const get = target.get.bind(store);
    const destroy = target.destroy.bind(store);
    target.destroy = (sid, callback) => {
      get(sid, (_error, session) => {
        const binding = session?.[SESSION_SEAT_FIELD] as SessionSeat | undefined;
        destroy(sid, (error) => {
          if (binding !== undefined) this.#release(binding);
          callback?.(error);
        });
      });
    };
    target.regenerate = (req, fn) => {
      const oldId = req.sessionID;
      const binding = req.session?.[SESSION_SEAT_FIELD] as SessionSeat | undefined;
      destroy(oldId, (error) => {
        target.generate(req);
        if (binding === undefined) return fn(error);
        this.#move(binding, oldId, req.sessionID).then(
          (moved) => {
            if (req.session !== undefined && moved !== undefined) req.session[SESSION_SEAT_FIELD] = moved;
            fn(error);
          },
          (moveError: unknown) => fn(error ?? moveError),
        );
      });
    };
    return store;
  }

  /** The seat of a regenerated session, under its new id. */
  async #move(binding: SessionSeat, oldId: string, newId: string): Promise<SessionSeat | undefined> {
    const pool = this.#pool();
    if (binding.holder === undefined) {
      if (binding.key !== oldId) return binding;
      return (await pool.rekey(oldId, newId)) ? { key: newId } : undefined;
    }
    if (binding.holder !== oldId) return binding;
    return (await pool.replaceHolder(binding.key, oldId, newId)) ? { key: binding.key, holder: newId } : undefined;
  }

  #release(binding: SessionSeat): void {
    this.#pool()
      .release(binding.key, binding.holder)
      .catch((error: unknown) =>
        this.#logger.warn(
          { event: 'licensegate.session_seat_release_failed', key: binding.key, error: (error as Error).message },
          'Could not return the seat of a destroyed session; the idle reaper will',
        ),
      );
  }
}
