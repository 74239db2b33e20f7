import { fastifyCookie } from '@fastify/cookie';
import { fastifySession } from '@fastify/session';
import Fastify, { type FastifyInstance } from 'fastify';
import type { LicenseGate } from '@licensegate/core';
import { licenseGateHealthPlugin } from '@licensegate/fastify';
import { statusPage } from '@licensegate/example-express/status-page';

import { accountRoutes } from './account.js';
import { reportRoutes } from './reports.js';

/** The demo's two AWS Marketplace products: one sold in tiers, one configurable (seats and units). */
export interface DemoGates {
  /** Tiers `Basic < Intermediate < Premium` (product `lg-demo-tiered`). */
  readonly tiers: LicenseGate;
  /** `ConcurrentUsers` seats and `DataConsumption` units (product `lg-demo-configurable`). */
  readonly usage: LicenseGate;
}

/** Options of {@link createDemoApp}. */
export interface DemoAppOptions {
  /** How long a session lives without a request, in ms. Default: 30 minutes. */
  readonly sessionMaxAgeMs?: number;
  /** The emulator console's URL, linked from `GET /_status`. */
  readonly consoleUrl?: string | undefined;
}

/**
 * The Express demo's app (examples/express), in Fastify with `@licensegate/fastify`: a public
 * route, a route per tier, login and logout, an area for logged-in users, a "backup" that costs
 * drawdown units by size, and both gates' status. Each gate gates a scope of its own (the plugin
 * decorates `request.license` once per scope): `tiers` the reports, `usage` the account routes.
 * The gates are the caller's: it starts them before and stops them after the app.
 */
export async function createDemoApp(gates: DemoGates, options: DemoAppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify();
  await app.register(fastifyCookie);
  await app.register(fastifySession, {
    secret: 'licensegate-demo-only-this-is-not-a-secret',
    saveUninitialized: false,
    // The demo serves plain HTTP on 127.0.0.1: a Secure cookie would never come back.
    cookie: { secure: false, httpOnly: true, sameSite: 'lax', maxAge: options.sessionMaxAgeMs ?? 30 * 60_000 },
  });

  // The gated scopes, each with its plugin before its routes; then the public routes.
  await app.register(reportRoutes, { gate: gates.tiers });
  await app.register(accountRoutes, { gate: gates.usage });
  app.get('/', async () => ({ hello: 'anyone may see this', tier: gates.tiers.tier }));
  app.get('/status', async () => ({ tiers: gates.tiers.status(), usage: gates.usage.status() }));
  // The same as a page (the Express demo's): readiness, the counters the metrics read, the console's
  // link; and a refresh of both licenses now.
  app.get('/_status', async (_request, reply) => reply.type('text/html').send(statusPage(gates, options.consoleUrl)));
  app.post('/_status/refresh', async (_request, reply) => {
    await Promise.all([gates.tiers.refresh(), gates.usage.refresh()]);
    return reply.redirect('/_status', 303);
  });
  // Kubernetes probes: GET /healthz (liveness) and GET /readyz (readiness: 503 when the licensed
  // routes would refuse everyone).
  await app.register(licenseGateHealthPlugin, { gates: { tiers: gates.tiers, usage: gates.usage } });
  return app;
}
