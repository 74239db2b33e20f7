import { randomUUID } from 'node:crypto';

/** Where a session records the seat it holds (a field of the session's data). */
export const SESSION_SEAT_FIELD = 'licensegateSeat';

/** The seat a session holds: its key, and the session as holder when seats are keyed by user. */
export interface SessionSeat {
  readonly key: string;
  readonly holder?: string;
}

/**
 * The fields of a request's session, as the seat steps read and write them, whatever the session
 * library keeps them in (express-session's plain properties, `get`/`set` of `@fastify/session` and
 * `@fastify/secure-session`).
 */
export interface SessionFields {
  get(field: string): unknown;
  /** `undefined` removes the field. */
  set(field: string, value: unknown): void;
}

/** The session libraries whose sessions seats follow. */
export type SessionKind = 'express-session' | 'fastify-session' | 'secure-session';

/** A request's session, recognised: its kind, its id (none for a cookie session) and its fields. */
export interface RecognisedSession {
  readonly kind: SessionKind;
  /** The session id; `undefined` for `@fastify/secure-session`, whose data lives in the cookie. */
  readonly id: string | undefined;
  readonly fields: SessionFields;
  /** The library's session object itself. */
  readonly object: object;
}

type Fn = (...args: never[]) => unknown;

interface SessionLike {
  sessionId?: unknown;
  get?: unknown;
  set?: unknown;
  delete?: unknown;
  regenerate?: unknown;
  destroy?: unknown;
}

/** express-session: plain properties on `req.session`. */
function propertyFields(session: Record<string, unknown>): SessionFields {
  return {
    get: (field) => session[field],
    set: (field, value) => {
      if (value === undefined) delete session[field];
      else session[field] = value;
    },
  };
}

/** `@fastify/session` and `@fastify/secure-session`: `get` and `set` methods. */
function methodFields(session: {
  get(field: string): unknown;
  set(field: string, value: unknown): void;
}): SessionFields {
  return { get: (field) => session.get(field), set: (field, value) => session.set(field, value) };
}

/**
 * Recognises the session of a request by its shape, with no dependency on any session library:
 * - express-session (Express, NestJS on Express): `req.sessionID` and `req.session`;
 * - `@fastify/session` (Fastify, NestJS on Fastify): `req.session.sessionId`, `get`, `set`,
 *   `regenerate`, `destroy`;
 * - `@fastify/secure-session`: `req.session` with `get`, `set`, `delete` and `regenerate`, no id.
 *
 * @returns `undefined` when the request has no session (none installed, or `destroy()`ed)
 */
export function sessionOf(request: object): RecognisedSession | undefined {
  const r = request as { sessionID?: unknown; session?: unknown };
  const session = r.session;
  if (session === null || typeof session !== 'object') return undefined;
  const s = session as SessionLike;
  if (typeof r.sessionID === 'string') {
    return {
      kind: 'express-session',
      id: r.sessionID,
      fields: propertyFields(session as Record<string, unknown>),
      object: session,
    };
  }
  if (typeof s.get !== 'function' || typeof s.set !== 'function') return undefined;
  const fields = methodFields(s as { get(field: string): unknown; set(field: string, value: unknown): void });
  if (typeof s.sessionId === 'string' && typeof (s.destroy as Fn | undefined) === 'function') {
    return { kind: 'fastify-session', id: s.sessionId, fields, object: session };
  }
  if (typeof s.delete === 'function' && typeof s.regenerate === 'function') {
    return { kind: 'secure-session', id: undefined, fields, object: session };
  }
  return undefined;
}

/**
 * An id for a session that has none (`@fastify/secure-session`): the seat's key, recorded in the
 * session with the seat.
 */
export function newSessionId(): string {
  return `cookie-${randomUUID()}`;
}
