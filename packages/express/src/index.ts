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
export type { DeniedHandler } from './deny.js';
export { deny } from './deny.js';
/** The problem answers of denials (their `type` URIs, content type and shape), for an `onDenied` of your own. */
export { PROBLEM_CONTENT_TYPE, PROBLEM_TYPES, type Problem } from '@licensegate/core/http';
