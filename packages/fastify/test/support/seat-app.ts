/**
 * A small app with `@fastify/session` and floating seats, as a product would write it: login takes
 * a seat, logout returns it, `/app` needs one, and a few session lifecycle routes (regenerate,
 * destroy). Each answer shows the session id and the seat the request found.
 */
import fastifyCookie from '@fastify/cookie';
import fastifySession from '@fastify/session';
import type { FastifyInstance, FastifyRequest, preHandlerHookHandler } from 'fastify';

import { statusRoute } from './status-route.js';

declare module 'fastify' {
  interface Session {
    user?: string;
  }
}

/** The seat key option that shares one seat among a user's sessions. */
export const byUser = (request: FastifyRequest): string | undefined => request.session?.get('user');

/** The app's own login: the user of the body into the session, 400 without one. */
const login: preHandlerHookHandler = (request, reply, done) => {
  const user = (request.body as { user?: unknown } | undefined)?.user;
  if (typeof user !== 'string' || user === '') {
    void reply.code(400).send({ error: 'send {"user": "name"}' });
    return;
  }
  request.session.set('user', user);
  done();
};

/** Registers sessions on `app` (before the licensegate plugin). */
export async function sessions(app: FastifyInstance, store: fastifySession.SessionStore): Promise<void> {
  await app.register(fastifyCookie);
  await app.register(fastifySession, {
    secret: 'licensegate-fastify-tests-secret-of-32-characters-or-more',
    saveUninitialized: false,
    store,
    cookie: { secure: false, maxAge: 30 * 60_000 },
  });
}

/** Adds the seat routes to `app` (sessions and the plugin registered). */
export function seatRoutes(app: FastifyInstance): void {
  app.post('/login', { preHandler: login, config: { licensegate: { seat: 'acquire' } } }, async (request) => ({
    user: request.session.get('user'),
    sid: request.session.sessionId,
    seat: request.license.seat?.key ?? null,
  }));
  // A new session id with the same user (privilege change, session fixation defence).
  app.post('/regenerate', async (request) => {
    const user = request.session.get('user');
    const before = request.session.sessionId;
    await request.session.regenerate();
    request.session.set('user', user);
    return { before, after: request.session.sessionId };
  });
  app.post('/logout', { config: { licensegate: { seat: 'release' } } }, async (request) => ({
    loggedOut: true,
    sid: request.session.sessionId,
    seat: request.license.seat ?? null,
  }));
  app.post('/destroy', async (request) => {
    await request.session.destroy();
    return { destroyed: true };
  });
  app.get('/app', { config: { licensegate: { seat: 'require' } } }, async (request) => {
    const seat = request.license.seat;
    return {
      user: request.session.get('user') ?? null,
      sid: request.session.sessionId,
      seat: seat?.key ?? null,
      holders: seat?.holders ?? [],
    };
  });
  statusRoute(app);
}
