/**
 * An app with one drawdown route, `POST /work`, as the adapter table's `WorkApp` describes it: a
 * probe counts what happened, an app step before `lg.drawdown()` can make requests wait, and the
 * handler does what the query says (`?status=`, `?throw=1` through `next(error)`, `?hold=1`,
 * `?used=`).
 */
import type { Probe } from '@licensegate/testkit';
import express, { type ErrorRequestHandler, type Express, type Request, type Response } from 'express';

import type { LicenseGateMiddleware } from '../../src/index.js';

/** The units `lg.drawdown()` takes. */
export type DrawdownUnits = Parameters<LicenseGateMiddleware['drawdown']>[1];

/** The app: `dimension` charged `units` on `POST /work`; thrown errors answered `500 { error: message }`; `framework` is Express itself (4 or 5). */
export function workApp(
  lg: LicenseGateMiddleware,
  dimension: string,
  units: DrawdownUnits,
  probe: Probe,
  framework: typeof express = express,
): Express {
  const app = framework();
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
    lg.drawdown(dimension, units),
    async (req: Request, res: Response, next) => {
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
