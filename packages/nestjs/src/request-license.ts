import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { LicenseGate, SeatView } from '@licensegate/core';

/** Where the guard and the interceptor leave a request's license view. */
const REQUEST_LICENSE = Symbol('licensegate.requestLicense');

/**
 * What a handler learns with `@License()`: the tier the license grants now, a tier check, and the
 * session's seat (after `@AcquireSeat()` or `@RequireSeat()`).
 */
export class RequestLicense {
  readonly #gate: LicenseGate;
  /** The seat this request's session holds, when a seat step ran. */
  readonly seat: SeatView | undefined;

  constructor(gate: LicenseGate, seat?: SeatView) {
    this.#gate = gate;
    this.seat = seat;
  }

  /** The tier granted now, or `null`. */
  get tier(): string | null {
    return this.#gate.tier;
  }

  /** Whether the license grants `tier` or higher. */
  hasTier(tier: string): boolean {
    return this.#gate.hasTier(tier);
  }
}

/** Leaves `license` on the request for `@License()`. */
export function setRequestLicense(req: object, license: RequestLicense): void {
  (req as { [REQUEST_LICENSE]?: RequestLicense })[REQUEST_LICENSE] = license;
}

/** The license view the guard or the interceptor left on the request, if one ran. */
export function getRequestLicense(req: object): RequestLicense | undefined {
  return (req as { [REQUEST_LICENSE]?: RequestLicense })[REQUEST_LICENSE];
}

/**
 * A handler parameter: the request's {@link RequestLicense} (`undefined` on a route without a
 * licensegate decorator).
 *
 * @example
 * ```ts
 * @Get('reports')
 * @RequireTier('Basic')
 * reports(@License() license: RequestLicense) {
 *   return license.hasTier('Premium') ? fullReport() : basicReport();
 * }
 * ```
 */
export const License = createParamDecorator((_data: unknown, context: ExecutionContext): RequestLicense | undefined =>
  getRequestLicense(context.switchToHttp().getRequest<object>()),
);
