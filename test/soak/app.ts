/**
 * The app the soak drives, written as a product would write it with @licensegate/express: a tier
 * route per tier, login (a tiny handler, then `acquireSeat`) and logout (`releaseSeat`, then the
 * session is destroyed) on express-session, a seat route (`requireSeat`), and a drawdown route per
 * mode charging `?u=` units. A sabotage wires one route wrong on purpose (see SABOTAGES).
 */
import { CheckoutLicenseCommand } from '@aws-sdk/client-license-manager';
import { AWS_MARKETPLACE_KEY_FINGERPRINT, type LicenseGate } from '@licensegate/core';
import { licenseGate } from '@licensegate/express';
import express, { type ErrorRequestHandler, type Express, type Request } from 'express';
import session from 'express-session';

import type { Sabotage } from './options.js';
import { DIMENSIONS, MODES, SEAT_ENTITLEMENT, TIERS } from './scenario.js';

declare module 'express-session' {
  interface SessionData {
    user?: string;
  }
}

/** The path of each route the users call. */
export const ROUTES = {
  tier: (tier: string): string => `/tier/${tier.toLowerCase()}`,
  login: '/login',
  logout: '/logout',
  seat: '/app',
  units: (mode: string, units: number): string => `/units/${mode}?u=${units}`,
} as const;

const unitsOf = (req: Request): number => Number(req.query['u']);

/**
 * A drawdown route's work: 2-10 ms of real time (the work a product charges for —
 * a conversion, a backup — takes a while), so that many requests are inside their handlers at once.
 */
const work: express.RequestHandler = (_req, res) => {
  setTimeout(() => res.json({ ok: true }), 2 + Math.floor(Math.random() * 9));
};

/** The app over `gate` (started by the caller). */
export function soakApp(gate: LicenseGate, sabotage?: Sabotage): Express {
  const lg = licenseGate(gate);
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json());
  app.use(
    session({
      secret: 'licensegate-soak',
      name: 'connect.sid',
      resave: false,
      saveUninitialized: false,
      store: lg.sessionStore(new session.MemoryStore()),
      cookie: { maxAge: 30 * 60_000 },
    }),
  );
  const ok: express.RequestHandler = (_req, res) => void res.json({ ok: true });

  for (const tier of TIERS) {
    if (sabotage === 'tier' && tier === 'Premium') app.get(ROUTES.tier(tier), ok);
    else app.get(ROUTES.tier(tier), lg.requireTier(tier), ok);
  }

  let leaked = false;
  app.post(
    ROUTES.login,
    (req, res, next) => {
      const user: unknown = req.body?.user;
      if (typeof user !== 'string' || user === '') return void res.status(400).json({ error: 'send {"user": "name"}' });
      req.session.user = user;
      if (sabotage !== 'leak' || leaked) return next();
      leaked = true;
      // A seat checked out behind the gate's back, never checked in.
      gate.options.client
        .send(
          new CheckoutLicenseCommand({
            ProductSKU: gate.options.productSku,
            CheckoutType: 'PROVISIONAL',
            KeyFingerprint: AWS_MARKETPLACE_KEY_FINGERPRINT,
            Entitlements: [{ Name: SEAT_ENTITLEMENT, Unit: 'Count', Value: '1' }],
            ClientToken: crypto.randomUUID(),
          }),
        )
        .then(() => next(), next);
    },
    lg.acquireSeat(),
    ok,
  );
  if (sabotage === 'release') {
    app.post(ROUTES.logout, (req, res) => {
      req.session.user = undefined; // the seat stays with the session
      res.json({ ok: true });
    });
  } else {
    app.post(ROUTES.logout, lg.releaseSeat(), (req, res, next) => {
      req.session.destroy((error) => (error ? next(error) : res.json({ ok: true })));
    });
  }
  if (sabotage === 'seat') app.get(ROUTES.seat, ok);
  else app.get(ROUTES.seat, lg.requireSeat(), ok);

  const uncharged = licenseGate(gate, { chargeWhen: () => false });
  for (const mode of MODES) {
    const path = `/units/${mode}`;
    if (mode === 'batch' && sabotage === 'charge') app.post(path, uncharged.drawdown(DIMENSIONS[mode], unitsOf), work);
    else if (mode === 'batch' && sabotage === 'double') {
      app.post(path, lg.drawdown(DIMENSIONS[mode], unitsOf), (req, res, next) => {
        gate.drawdown.debit(DIMENSIONS[mode], unitsOf(req)).then(() => work(req, res, next), next);
      });
    } else app.post(path, lg.drawdown(DIMENSIONS[mode], unitsOf), work);
  }

  const onError: ErrorRequestHandler = (error: Error, _req, res, _next) => {
    res.status(500).json({ error: error.message });
  };
  app.use(onError);
  return app;
}
