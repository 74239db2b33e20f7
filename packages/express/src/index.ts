/**
 * @licensegate/express — Express middleware over the licensegate engine: gate routes by tier,
 * hold a floating seat per session, charge drawdown units per request.
 *
 * @packageDocumentation
 */
export {
  licenseGate,
  type DrawdownUnits,
  type LicenseGateMiddleware,
  type LicenseGateMiddlewareOptions,
} from './license-gate.js';
export { RequestLicense } from './request-license.js';
export { healthCheck } from './health.js';
/** The options and answer of the health routes (`lg.health()`, `healthCheck()`). */
export type { HealthCheckOptions, HealthGates, HealthProbe, HealthReport } from '@licensegate/core/http';
export type { GateHealth, ModelHealth, HealthCode, HealthModel } from '@licensegate/core';
export type { DeniedHandler } from './deny.js';
export { deny } from './deny.js';
/** The problem answers of denials (their `type` URIs, content type and shape), for an `onDenied` of your own. */
export { PROBLEM_CONTENT_TYPE, PROBLEM_TYPES, type Problem } from '@licensegate/core/http';
