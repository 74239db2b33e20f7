import { LicenseGateConfigurationError } from '@licensegate/core';

/**
 * Codes of the mistakes only the NestJS adapter can see, all found at boot:
 * - `ERR_LG_GUARD_MISSING`: a licensegate decorator on a route that `LicenseGateGuard` (tiers,
 *   seats) or `LicenseGateInterceptor` (drawdown) does not cover;
 * - `ERR_LG_UNKNOWN_GATE`: `@UseLicenseGate(name)` with no `LicenseGateModule.forRoot({ name })`;
 * - `ERR_LG_GUARD_ORDER`: a seat route whose own guards (the app's login) would run after its seat
 *   step: a refused login would take a seat.
 *
 * Module options and decorator arguments use core's `ERR_LG_OPTIONS` and `ERR_LG_OPTION_UNKNOWN`.
 */
export type LicenseGateModuleErrorCode = 'ERR_LG_GUARD_MISSING' | 'ERR_LG_GUARD_ORDER' | 'ERR_LG_UNKNOWN_GATE';

/**
 * A configuration error with one of the adapter's own codes. It is a core
 * `LicenseGateConfigurationError`, so apps catch both kinds alike.
 */
export function moduleError(code: LicenseGateModuleErrorCode, message: string): LicenseGateConfigurationError {
  return new LicenseGateConfigurationError(code, message);
}

/** A mistake in the module's options or a decorator's arguments (core's own codes). */
export function optionsError(
  code: 'ERR_LG_OPTIONS' | 'ERR_LG_OPTION_UNKNOWN',
  message: string,
): LicenseGateConfigurationError {
  return new LicenseGateConfigurationError(code, message);
}
