/**
 * An app with a route per tier: each handler shows what it finds on `req.license`, and records
 * that it ran.
 */
import { TIERS } from '@licensegate/testkit';
import express, { type Express } from 'express';

import type { LicenseGateMiddleware } from '../../src/index.js';

/** The app; `served` receives the tier of each handler that ran. `framework` is Express itself (4 or 5). */
export function tierApp(
  lg: LicenseGateMiddleware,
  served: string[] = [],
  framework: typeof express = express,
): Express {
  const app = framework();
  for (const tier of TIERS) {
    app.get(`/${tier.toLowerCase()}`, lg.requireTier(tier), (req, res) => {
      served.push(tier);
      res.json({
        tier: req.license?.tier ?? 'no req.license',
        hasPremium: req.license?.hasTier('Premium'),
        hasBasic: req.license?.hasTier('Basic'),
        seat: req.license?.seat ?? null,
      });
    });
  }
  app.get('/status', lg.status());
  return app;
}
