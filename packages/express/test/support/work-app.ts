/**
 * An app with one drawdown route, `POST /work`, whose handler does what the query says — answer a
 * status (`?status=500`), fail through `next(error)` (`?throw=1`), wait for the test (`?hold=1`),
 * or report the units it used in a header (`?used=7`) — and a probe that counts what happened.
 */
import type { ClientRequest } from 'node:http';

import type { UnitsOf } from '@licensegate/core/http';
import express, { type ErrorRequestHandler, type Express, type Request, type Response } from 'express';

import type { LicenseGateMiddleware } from '../../src/index.js';
import { deferred, rawRequest } from './world.js';

/** The drawdown dimension of every test license. */
export const DIMENSION = 'DataConsumption';

/** What the app saw. */
export class Probe {
  /** Requests that reached the app. */
  arrived = 0;
  /** Responses closed (finished or aborted). */
  closed = 0;
  /** Handler runs (after the drawdown middleware let the request through). */
  handled = 0;
  /** Released by the test: requests with `?hold=1` wait for it in the handler. */
  hold = deferred();
  /** When set, requests wait for it before the drawdown middleware (an app's slow auth step). */
  before: Promise<void> | undefined;
}

/** The app; `units` as `lg.drawdown()` takes them. */
export function workApp(lg: LicenseGateMiddleware, units: UnitsOf<Request, Response>, probe = new Probe()): Express {
  const app = express();
  app.use((_req, res, next) => {
    probe.arrived++;
    res.on('close', () => probe.closed++);
    next();
  });
  app.post(
    '/work',
    (_req, _res, next) => {
      if (probe.before === undefined) return next();
      probe.before.then(() => next(), next);
    },
    lg.drawdown(DIMENSION, units),
    async (req, res, next) => {
      probe.handled++;
      if (req.query['hold'] !== undefined) await probe.hold.promise;
      if (req.query['throw'] !== undefined) return next(new Error('the work failed'));
      if (typeof req.query['used'] === 'string') res.setHeader('x-units-used', req.query['used']);
      const status = Number(req.query['status'] ?? 200);
      if (status >= 300 && status < 400) return res.redirect(status, '/elsewhere');
      res.status(status).json({ done: true });
    },
  );
  const onError: ErrorRequestHandler = (error: Error, _req, res, _next) => {
    res.status(500).json({ error: error.message });
  };
  app.use(onError);
  return app;
}

/** A raw POST the test can abort: `abort()` destroys the socket before any answer. */
export function rawPost(url: string): { request: ClientRequest; abort: () => void } {
  return rawRequest(url);
}
