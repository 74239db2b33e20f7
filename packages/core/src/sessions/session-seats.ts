import { LicenseGateError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { SeatPool } from '../seats/seat-pool.js';
import type { SeatView } from '../seats/seat-record.js';
import { followSession } from './followed-session.js';
import { newSessionId, SESSION_SEAT_FIELD, sessionOf, type RecognisedSession, type SessionSeat } from './session-of.js';

export { SESSION_SEAT_FIELD, type SessionSeat };

/**
 * What the seat steps need from a request, whatever the framework: the request itself (its
 * session is found by `sessionOf` in `sessions/session-of.ts`: express-session, `@fastify/session` or
 * `@fastify/secure-session`), and the app's own seat key when seats are shared by a user's sessions.
 */
export interface SeatRequest {
  /** The framework's request (Express's `req`, Fastify's `request`), holding the session. */
  readonly request: object;
  /** The app's key for the seat (e.g. a user id); the session is then one of its holders. */
  readonly userKey: string | undefined;
}

/** The seat binding a session records, if any. */
function recordedIn(
  session: RecognisedSession | { readonly fields: RecognisedSession['fields'] } | undefined,
): SessionSeat | undefined {
  const recorded = session?.fields.get(SESSION_SEAT_FIELD) as SessionSeat | undefined;
  return recorded !== undefined && recorded !== null && typeof recorded.key === 'string' ? recorded : undefined;
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
 * Seats that follow sessions, for any framework: take a seat when a session logs in, return it
 * when the session logs out or is destroyed, move it (no second checkout) when the session id is
 * regenerated. Sessions come from express-session (Express, NestJS on Express: its store is hooked
 * with {@link SessionSeats.wrapStore}), `@fastify/session` or `@fastify/secure-session` (Fastify,
 * NestJS on Fastify: the session object a seat step sees is followed, see `followSession`).
 * Expiry: stores do not report expired sessions, so the seat pool's idle reaper returns the seat
 * of a session that stopped coming back — set `seats.idleTimeoutMs` no longer than the session
 * cookie's `maxAge`.
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
    return this.#binding(request, sessionOf(request.request));
  }

  #binding(request: SeatRequest, session: RecognisedSession | undefined): SessionSeat {
    const recorded = recordedIn(session);
    if (recorded !== undefined) return recorded;
    // A cookie session (@fastify/secure-session) has no id: the seat gets one, kept in the session.
    const id = session === undefined ? undefined : (session.id ?? newSessionId());
    if (request.userKey !== undefined) {
      return id !== undefined ? { key: request.userKey, holder: id } : { key: request.userKey };
    }
    if (id === undefined) {
      throw new LicenseGateError(
        'ERR_LG_SEAT_KEY',
        'A seat needs a session (install express-session, @fastify/session or @fastify/secure-session before the licensegate steps) or a seatKey option that returns the holder key.',
      );
    }
    return { key: id };
  }

  /**
   * Takes the session's seat and records it in the session. When `signal` aborts (the client went
   * away) the acquisition stops waiting, and a seat taken after that is given back at once.
   * @throws the signal's reason when the client left
   */
  async acquire(request: SeatRequest, info?: unknown, signal?: AbortSignal): Promise<SeatView> {
    const session = sessionOf(request.request);
    const binding = this.#binding(request, session);
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
    if (session !== undefined) {
      session.fields.set(SESSION_SEAT_FIELD, binding);
      this.follow(request.request);
    }
    return seat;
  }

  /** Returns the session's seat (its share of it, when keyed by user) and forgets it. Idempotent. */
  async release(request: SeatRequest): Promise<boolean> {
    const session = sessionOf(request.request);
    const recorded = recordedIn(session);
    if (recorded === undefined && session?.id === undefined && request.userKey === undefined) return false;
    const binding = this.#binding(request, session);
    session?.fields.set(SESSION_SEAT_FIELD, undefined);
    return this.#pool().release(binding.key, binding.holder);
  }

  /**
   * The session's seat, touched; a seat that was lost (expired, reaped) is taken again if one is
   * free. `undefined` when the session never took a seat.
   * @throws SeatsExhaustedError when a lost seat cannot be taken again
   */
  async require(request: SeatRequest): Promise<SeatView | undefined> {
    const session = sessionOf(request.request);
    const recorded = recordedIn(session);
    const binding = recorded ?? (request.userKey !== undefined ? this.#binding(request, session) : undefined);
    if (binding === undefined) return undefined;
    const pool = this.#pool();
    pool.touch(binding.key);
    const seat = await pool.get(binding.key);
    if (seat !== undefined && (binding.holder === undefined || seat.holders.includes(binding.holder))) {
      if (recorded !== undefined) this.follow(request.request);
      return seat;
    }
    if (recorded === undefined) return undefined;
    return this.acquire(request);
  }

  /**
   * Makes the seat of a `@fastify/session` or `@fastify/secure-session` session follow it for the
   * rest of the request: `destroy()` / `delete()` return the seat, `regenerate()` keeps it (moved
   * to the new session id). Nothing for a session that holds no seat, or for express-session (its
   * store is hooked instead). Cheap enough for every request: a field read.
   */
  follow(request: object): void {
    const session = sessionOf(request);
    if (session === undefined || session.kind === 'express-session') return;
    if (recordedIn(session) === undefined) return;
    followSession(request, session, {
      binding: (fields) => recordedIn(fields),
      release: (binding) => this.#release(binding),
      move: (binding, oldId, newId) => this.#move(binding, oldId, newId),
      follow: (r) => this.follow(r),
    });
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
          { event: 'licensegate.seat.session_release_failed', key: binding.key, error: (error as Error).message },
          'Could not return the seat of a destroyed session; the idle reaper will',
        ),
      );
  }
}
