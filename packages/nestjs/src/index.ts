/**
 * @licensegate/nestjs — a NestJS module over the licensegate engine: gate routes by the tier an
 * AWS Marketplace buyer purchased, hold a floating seat per user session, and charge drawdown units
 * per request, with decorators, a guard, an interceptor and an injectable service.
 *
 * @packageDocumentation
 */
export { LicenseGateModule } from './license-gate.module.js';
export {
  checkModuleOptions,
  type LicenseGateModuleOptions,
  type LicenseGateModuleAsyncOptions,
  type LicenseGateModuleExtras,
  type LicenseGateOptionsFactory,
} from './license-gate.options.js';
export {
  RequireTier,
  Drawdown,
  AcquireSeat,
  ReleaseSeat,
  RequireSeat,
  SkipLicense,
  UseLicenseGate,
  type DrawdownUnits,
  type DrawdownMetadata,
} from './license-gate.decorators.js';
export { LicenseGateGuard } from './license-gate.guard.js';
export { LicenseGateInterceptor } from './license-gate.interceptor.js';
export { LicenseGateService, type SeatCallOptions, type AcquireSeatOptions } from './license-gate.service.js';
export { LicenseGateException } from './license-gate.exception.js';
export { LicenseGateExceptionFilter } from './license-gate.filter.js';
export { LicenseGateLifecycle } from './license-gate.lifecycle.js';
export { License, RequestLicense } from './request-license.js';
export {
  LicenseRoutes,
  readRouteMetadata,
  compileRoute,
  type LicenseRoute,
  type RouteLicenseMetadata,
} from './license-gate.route.js';
export { findLicensedRoutes, type LicensedRoute } from './license-gate.explorer.js';
export {
  getLicenseGateToken,
  getLicenseGateServiceToken,
  getLicenseGateOptionsToken,
  InjectLicenseGate,
  InjectLicenseGateService,
  LICENSE_GATE,
  LICENSE_GATE_OPTIONS,
} from './license-gate.tokens.js';
export { DEFAULT_GATE_NAME, LICENSE_METADATA, type SeatAction } from './license-gate.constants.js';
export type { LicenseGateModuleErrorCode } from './license-gate.errors.js';
