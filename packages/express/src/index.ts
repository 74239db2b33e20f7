/**
 * @licensegate/express — Express middleware over the licensegate engine: gate routes by tier,
 * hold a floating seat per session, charge drawdown units per request.
 *
 * @packageDocumentation
 */
export { licenseGate, type LicenseGateMiddleware, type LicenseGateMiddlewareOptions } from './license-gate.js';
export { RequestLicense } from './request-license.js';
export type { DeniedHandler } from './deny.js';
export { deny } from './deny.js';
