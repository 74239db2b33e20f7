import {
  SESSION_SEAT_FIELD,
  sessionOf,
  type RecognisedSession,
  type SessionFields,
  type SessionSeat,
} from './session-of.js';

/** What a followed session does with its seat: {@link SessionSeats} provides these. */
export interface SeatFollower {
  /** The binding the session records now (read when the session is destroyed or regenerated). */
  binding(fields: { readonly fields: SessionFields }): SessionSeat | undefined;
  /** Returns a seat, never failing (a failure is logged). */
  release(binding: SessionSeat): void;
  /** The binding under the regenerated session's id; `undefined` when the seat is gone. */
  move(binding: SessionSeat, oldId: string, newId: string): Promise<SessionSeat | undefined>;
  /** Follows the request's (new) session. */
  follow(request: object): void;
}

/** Marks a session object already followed (the mark is not enumerable: stores do not copy it). */
const FOLLOWED = Symbol('licensegate.followedSession');

type Callback = (error?: unknown) => void;

/** Sets an own, non-enumerable method on a session object (for a Proxy, on its target). */
function define(object: object, name: PropertyKey, value: unknown): void {
  Object.defineProperty(object, name, { value, configurable: true, writable: true, enumerable: false });
}

/**
 * `@fastify/session`: `destroy()` returns the seat; `regenerate()` moves it to the new id (one
 * pool update, no second checkout) and records it in the new session, which is then followed too.
 * Both keep the library's callback and promise forms and its errors.
 */
function followFastifySession(request: object, session: RecognisedSession, seats: SeatFollower): void {
  const object = session.object as {
    destroy(callback?: Callback): Promise<void> | undefined;
    regenerate(keys?: string[] | Callback, callback?: Callback): Promise<void> | undefined;
  };
  const destroy = object.destroy;
  const regenerate = object.regenerate;
  define(object, 'destroy', (callback?: Callback) => {
    const binding = seats.binding(session);
    const returned = (): void => {
      if (binding !== undefined) seats.release(binding);
    };
    if (typeof callback === 'function') {
      return destroy.call(object, (error?: unknown) => {
        returned();
        callback(error);
      });
    }
    return (destroy.call(object) as Promise<void>).finally(returned);
  });
  define(object, 'regenerate', (keys?: string[] | Callback, callback?: Callback) => {
    if (typeof keys === 'function') {
      callback = keys;
      keys = undefined;
    }
    const binding = seats.binding(session);
    const oldId = session.id as string;
    const moved = async (): Promise<void> => {
      const fresh = sessionOf(request);
      if (binding === undefined || fresh === undefined || fresh.id === undefined) return;
      fresh.fields.set(SESSION_SEAT_FIELD, await seats.move(binding, oldId, fresh.id));
      seats.follow(request);
    };
    if (typeof callback === 'function') {
      const done = callback;
      regenerate.call(object, keys, (error?: unknown) => {
        if (error !== undefined && error !== null) return done(error);
        moved().then(() => done(), done);
      });
      return undefined;
    }
    return (regenerate.call(object, keys) as Promise<void>).then(moved);
  });
}

/**
 * `@fastify/secure-session` (the data is the cookie; there is no id to move): `delete()` returns the
 * seat; `regenerate(ignoredFields)` keeps the seat's field.
 */
function followSecureSession(session: RecognisedSession, seats: SeatFollower): void {
  const object = session.object as { delete(): void; regenerate(ignoredFields?: string[]): void };
  const remove = object.delete;
  const regenerate = object.regenerate;
  define(object, 'delete', () => {
    const binding = seats.binding(session);
    remove.call(object);
    if (binding !== undefined) seats.release(binding);
  });
  define(object, 'regenerate', (ignoredFields?: string[]) =>
    regenerate.call(
      object,
      Array.isArray(ignoredFields) ? [...ignoredFields, SESSION_SEAT_FIELD] : [SESSION_SEAT_FIELD],
    ),
  );
}

/**
 * Makes a session's seat follow the session object for the rest of the request, by replacing the
 * object's own `destroy`/`delete` and `regenerate` (not the library's prototype: other sessions,
 * and apps without seats, are untouched). Once per session object.
 * @param request - the request whose `session` is replaced by `regenerate()` (`@fastify/session`)
 */
export function followSession(request: object, session: RecognisedSession, seats: SeatFollower): void {
  const object = session.object as Record<symbol, unknown>;
  if (object[FOLLOWED] === true) return;
  define(object, FOLLOWED, true);
  if (session.kind === 'fastify-session') followFastifySession(request, session, seats);
  else if (session.kind === 'secure-session') followSecureSession(session, seats);
}
