/**
 * The seat app's view of a request's session, on either platform: express-session (Nest on
 * Express) or @fastify/session (Nest on Fastify), told apart by what is on the request. The user is
 * what the app's login put in the session.
 */

/** A request's session as the seat app reads and changes it. */
export interface AppSession {
  /** The session id. */
  readonly id: string | undefined;
  /** The logged-in user. */
  user: string | undefined;
  /** A new session id for the same user. */
  regenerate(): Promise<void>;
  /** Ends the session. */
  destroy(): Promise<void>;
}

/** express-session's fields on a request. */
interface ExpressSessionRequest {
  sessionID: string;
  session: {
    user?: string;
    regenerate(done: (error: unknown) => void): void;
    destroy(done: (error: unknown) => void): void;
  };
}

/** @fastify/session's field on a request. */
interface FastifySessionRequest {
  session: {
    readonly sessionId: string;
    get(key: 'user'): string | undefined;
    set(key: 'user', value: string | undefined): void;
    regenerate(keys?: string[]): Promise<void>;
    destroy(): Promise<void>;
  } | null;
}

/** Runs a callback-style session method as a promise. */
function settled(call: (done: (error: unknown) => void) => void): Promise<void> {
  return new Promise((resolve, reject) => call((error) => (error ? reject(error as Error) : resolve())));
}

function expressSession(req: ExpressSessionRequest): AppSession {
  return {
    get id() {
      return req.sessionID;
    },
    get user() {
      return req.session.user;
    },
    set user(user) {
      req.session.user = user;
    },
    regenerate: async () => {
      const user = req.session.user;
      await settled((done) => req.session.regenerate(done));
      req.session.user = user;
    },
    destroy: () => settled((done) => req.session.destroy(done)),
  };
}

function fastifySession(req: FastifySessionRequest): AppSession {
  return {
    get id() {
      return req.session?.sessionId;
    },
    get user() {
      return req.session?.get('user');
    },
    set user(user) {
      req.session?.set('user', user);
    },
    regenerate: async () => {
      // @fastify/session keeps the fields named; the seat is core's to keep.
      await req.session?.regenerate(['user']);
    },
    destroy: async () => {
      await req.session?.destroy();
    },
  };
}

/** The session of `req`, whichever session middleware made it. */
export function appSession(req: object): AppSession {
  return 'sessionID' in req
    ? expressSession(req as ExpressSessionRequest)
    : fastifySession(req as FastifySessionRequest);
}
