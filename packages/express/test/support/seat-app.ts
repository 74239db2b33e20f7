/**
 * A small app with express-session and floating seats, as a product would write it: login takes a
 * seat, logout returns it, `/app` needs one, and a few session lifecycle routes (regenerate,
 * destroy). Each answer shows the session id and the seat the request found.
 */
import express, { type Express } from 'express';
import session from 'express-session';

import type { LicenseGateMiddleware } from '../../src/index.js';

declare module 'express-session' {
  interface SessionData {
    user?: string;
  }
}

/** The seat key option that shares one seat among a user's sessions. */
export const byUser = (req: express.Request): string | undefined => req.session?.user;

/** The app. `lg` must come from a gate with seats; `store` is wrapped by `lg.sessionStore()`; `framework` is Express itself (4 or 5). */
export function seatApp(
  lg: LicenseGateMiddleware,
  store: session.Store = new session.MemoryStore(),
  framework: typeof express = express,
): Express {
  const app = framework();
  app.locals['closed'] = 0;
  app.use((_req, res, next) => {
    res.on('close', () => (app.locals['closed'] as number)++);
    next();
  });
  app.use(framework.json());
  app.use(
    session({
      secret: 'licensegate-express-tests',
      resave: false,
      saveUninitialized: false,
      store: lg.sessionStore(store),
      cookie: { maxAge: 30 * 60_000 },
    }),
  );
  app.post(
    '/login',
    (req, res, next) => {
      const user: unknown = req.body?.user;
      if (typeof user !== 'string' || user === '') return void res.status(400).json({ error: 'send {"user": "name"}' });
      req.session.user = user;
      next();
    },
    lg.acquireSeat(),
    (req, res) => {
      res.json({ user: req.session.user, sid: req.sessionID, seat: req.license?.seat?.key ?? null });
    },
  );
  // A new session id with the same user (privilege change, session fixation defence).
  app.post('/regenerate', (req, res, next) => {
    const user = req.session.user;
    const before = req.sessionID;
    req.session.regenerate((error) => {
      if (error) return next(error);
      req.session.user = user;
      res.json({ before, after: req.sessionID });
    });
  });
  app.post('/logout', lg.releaseSeat(), (req, res) => {
    res.json({ loggedOut: true, sid: req.sessionID, seat: req.license?.seat ?? null });
  });
  app.post('/destroy', (req, res, next) => {
    req.session.destroy((error) => (error ? next(error) : res.json({ destroyed: true })));
  });
  app.get('/app', lg.requireSeat(), (req, res) => {
    const seat = req.license?.seat;
    res.json({
      user: req.session.user ?? null,
      sid: req.sessionID,
      seat: seat?.key ?? null,
      holders: seat?.holders ?? [],
    });
  });
  app.get('/status', lg.status());
  return app;
}
