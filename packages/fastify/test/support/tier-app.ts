/**
 * An app with a route per tier: each handler shows what it finds on `request.license`, and records
 * that it ran.
 */
import { TIERS } from '@licensegate/testkit';
import type { FastifyInstance } from 'fastify';

import { statusRoute } from './status-route.js';

/** Adds the tier routes and `/status` to `app` (the plugin registered); `served` receives the tier of each handler that ran. */
export function tierRoutes(app: FastifyInstance, served: string[]): void {
  for (const tier of TIERS) {
    app.get(`/${tier.toLowerCase()}`, { config: { licensegate: { tier } } }, async (request) => {
      served.push(tier);
      return {
        tier: request.license.tier,
        hasPremium: request.license.hasTier('Premium'),
        hasBasic: request.license.hasTier('Basic'),
        seat: request.license.seat ?? null,
      };
    });
  }
  statusRoute(app);
}
