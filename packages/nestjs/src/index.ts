/**
 * @licensegate/nestjs — a NestJS module over the licensegate engine: gate routes by the tier an
 * AWS Marketplace buyer purchased, hold a floating seat per user session, and charge drawdown units
 * per request, with decorators, a guard and an injectable service.
 *
 * This entry is what an app uses; the module's internals (route scanning, lifecycle, option
 * checks) are not part of it. Its public face is locked by `packages/nestjs/api/nestjs.api.md`
 * (`npm run api`).
 *
 * @packageDocumentation
 */
export { LicenseGateModule } from './license-gate.module.js';
export type { LicenseGateRequest, LicenseGateResponse } from './license-gate.http.js';
export type {
  LicenseGateModuleOptions,
  LicenseGateModuleAsyncOptions,
  LicenseGateModuleExtras,
  LicenseGateOptionsFactory,
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
export type { LicenseRoute, RouteLicenseMetadata } from './license-gate.route.js';
export type { SeatAction } from './license-gate.constants.js';
export { LicenseGateInterceptor } from './license-gate.interceptor.js';
export { LicenseGateService, type SeatCallOptions, type AcquireSeatOptions } from './license-gate.service.js';
export { LicenseGateException } from './license-gate.exception.js';
/** The problem answers of denials (their `type` URIs, content type and shape), for filters of your own. */
export { PROBLEM_CONTENT_TYPE, PROBLEM_TYPES, type Problem } from '@licensegate/core/http';
export { LicenseGateExceptionFilter } from './license-gate.filter.js';
export { License, RequestLicense } from './request-license.js';
export {
  getLicenseGateToken,
  getLicenseGateServiceToken,
  getLicenseGateOptionsToken,
  InjectLicenseGate,
  InjectLicenseGateService,
  LICENSE_GATE,
  LICENSE_GATE_OPTIONS,
} from './license-gate.tokens.js';
export type { LicenseGateModuleErrorCode } from './license-gate.errors.js';
export { nestLogger, type NestLoggerOptions } from './nest-logger.js';
