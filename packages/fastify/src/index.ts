/**
 * @licensegate/fastify — a Fastify plugin over the licensegate engine: gate routes by tier, hold a
 * floating seat per session and charge drawdown units per request, through each route's
 * `config.licensegate`.
 *
 * @packageDocumentation
 */
import './augment.js';

export { licenseGatePlugin, type LicenseGatePluginOptions } from './plugin.js';
export { licenseGateHealthPlugin, type LicenseGateHealthOptions } from './health-plugin.js';
/** The options and answer of the health routes. */
export type { HealthCheckOptions, HealthGates, HealthProbe, HealthReport } from '@licensegate/core/http';
export type { GateHealth, ModelHealth, HealthCode, HealthModel } from '@licensegate/core';
export type { DrawdownRouteConfig, DrawdownUnits, LicenseGateRouteConfig, SeatStep } from './route-config.js';
export type { SeatIdentity } from './seat-hooks.js';
export type { ChargeWhen } from './route-handler.js';
export { RequestLicense } from '@licensegate/core/http';
/** The problem answers of denials (their `type` URIs, content type and shape). */
export { PROBLEM_CONTENT_TYPE, PROBLEM_TYPES, type Problem } from '@licensegate/core/http';
