import type { FastifyPluginAsync } from 'fastify';
import type { LicenseGate } from '@licensegate/core';
import { licenseGatePlugin } from '@licensegate/fastify';

/**
 * The reports, a route per tier, in a scope gated by the `tiers` gate: 403 problem+json below the
 * tier a route asks for. The plugin is registered (awaited) before the routes it gates.
 */
export const reportRoutes: FastifyPluginAsync<{ gate: LicenseGate }> = async (scope, { gate }) => {
  await scope.register(licenseGatePlugin, { gate });
  scope.get('/reports/basic', { config: { licensegate: { tier: 'Basic' } } }, async (request) => ({
    report: 'basic',
    tier: request.license.tier,
  }));
  scope.get('/reports/premium', { config: { licensegate: { tier: 'Premium' } } }, async (request) => ({
    report: 'premium',
    tier: request.license.tier,
  }));
};
