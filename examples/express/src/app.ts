import express, { type Express, type Request, type RequestHandler } from 'express';
import session from 'express-session';
import type { LicenseGate } from '@licensegate/core';
import { healthCheck, licenseGate } from '@licensegate/express';
import { statusPage } from './status-page.js';

/** The demo's two AWS Marketplace products: one sold in tiers, one configurable (seats and units). */
export interface DemoGates {
  /** Tiers `Basic < Intermediate < Premium` (product `lg-demo-tiered`). */
  readonly tiers: LicenseGate;
  /** `ConcurrentUsers` seats and `DataConsumption` units (product `lg-demo-configurable`). */
  readonly usage: LicenseGate;
}

/** The largest backup the demo takes at once, in GB. */
const MAX_BACKUP_GB = 10_000;

/** `?gb=N`: a whole number from 1 to {@link MAX_BACKUP_GB}, else `undefined`. */
function gigabytesOf(req: Request): number | undefined {
  const text = req.query['gb'];
  if (typeof text !== 'string' || !/^\d{1,5}$/.test(text)) return undefined;
  const gb = Number(text);
  return gb >= 1 && gb <= MAX_BACKUP_GB ? gb : undefined;
}

/**
 * The demo app: a public route, a route per tier, login and logout that take and return a
 * floating seat, a seat-only area, a "backup" that costs drawdown units by size, status, and the
 * liveness and readiness probes; with `metrics` (`createDemoMetrics().scrape`), `GET /metrics` for Prometheus.
 */
export function createDemoApp(
  gates: DemoGates,
  options: {
    sessionMaxAgeMs?: number;
    /** The emulator console's URL, linked from `GET /_status`. */
    consoleUrl?: string;
    /** `GET /metrics` for Prometheus: `createDemoMetrics().scrape`. */
    metrics?: RequestHandler;
  } = {},
): Express {
  const app = express();
  const tiers = licenseGate(gates.tiers);
  const usage = licenseGate(gates.usage, { seatInfo: (req) => ({ user: (req.session as { user?: string }).user }) });

  app.use(express.json());
  app.use(
    session({
      secret: 'licensegate-demo-only',
      resave: false,
      saveUninitialized: false,
      store: usage.sessionStore(new session.MemoryStore()),
      cookie: { maxAge: options.sessionMaxAgeMs ?? 30 * 60_000 },
    }),
  );

  app.get('/', (_req, res) => {
    res.json({ hello: 'anyone may see this', tier: gates.tiers.tier });
  });
  app.get('/reports/basic', tiers.requireTier('Basic'), (req, res) => {
    res.json({ report: 'basic', tier: req.license?.tier });
  });
  app.get('/reports/premium', tiers.requireTier('Premium'), (req, res) => {
    res.json({ report: 'premium', tier: req.license?.tier });
  });

  app.post(
    '/login',
    (req, res, next) => {
      const user = typeof req.body?.user === 'string' && req.body.user !== '' ? req.body.user : undefined;
      if (user === undefined) return void res.status(400).json({ error: 'send {"user": "name"}' });
      // A new session id at login (session fixation); the seat is taken for the new session.
      req.session.regenerate((error) => {
        if (error) return next(error);
        (req.session as { user?: string }).user = user;
        next();
      });
    },
    usage.acquireSeat(),
    (req, res) => {
      res.json({ loggedIn: (req.session as { user?: string }).user, seat: req.license?.seat?.key !== undefined });
    },
  );
  app.post('/logout', usage.releaseSeat(), (req, res, next) => {
    req.session.destroy((error) => (error ? next(error) : res.json({ loggedOut: true })));
  });
  app.get('/app', usage.requireSeat(), (req, res) => {
    res.json({ area: 'members only', user: (req.session as { user?: string }).user });
  });

  // Validate the app's own input BEFORE the charge: a bad size is the client's mistake (400), not a
  // licensing error, and nothing is charged for it.
  app.post(
    '/backup',
    (req, res, next) => {
      const gb = gigabytesOf(req);
      if (gb === undefined) {
        res
          .status(400)
          .type('application/problem+json')
          .json({
            type: 'urn:licensegate-demo:bad-size',
            title: 'Bad backup size',
            status: 400,
            detail: `?gb must be a whole number of gigabytes from 1 to ${MAX_BACKUP_GB}.`,
          });
        return;
      }
      res.locals['gb'] = gb;
      next();
    },
    // Known up front: held before the work (a size larger than what is left: 402, nothing done).
    usage.drawdown('DataConsumption', (req: Request) => req.res?.locals['gb'] as number),
    (_req, res) => {
      res.json({ backedUp: res.locals['gb'], unit: 'GB' });
    },
  );

  app.get('/status', (_req, res) => {
    res.json({ tiers: gates.tiers.status(), usage: gates.usage.status() });
  });
  // Kubernetes probes: liveness is 503 only when a gate is stopped (restart); readiness also when the
  // licensed routes would refuse everyone (no license, expired, deny policy with License Manager down).
  app.get('/healthz', healthCheck({ tiers: gates.tiers, usage: gates.usage }, { probe: 'liveness' }));
  app.get('/readyz', healthCheck({ tiers: gates.tiers, usage: gates.usage }, { probe: 'readiness' }));
  // The status as a page, with a link to the emulator's console; and a refresh of both licenses now.
  app.get('/_status', (_req, res) => {
    res
      .type('html')
      .send(statusPage(gates, options.consoleUrl, options.metrics === undefined ? undefined : '/metrics'));
  });
  app.post('/_status/refresh', (_req, res, next) => {
    Promise.all([gates.tiers.refresh(), gates.usage.refresh()]).then(() => res.redirect(303, '/_status'), next);
  });
  if (options.metrics !== undefined) app.get('/metrics', options.metrics);
  return app;
}
export { createDemoMetrics, type DemoMetrics } from './metrics.js';
