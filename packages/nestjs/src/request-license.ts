import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { RequestLicense } from '@licensegate/core';

export { RequestLicense };

/** Where the guard and the interceptor leave a request's license view. */
const REQUEST_LICENSE = Symbol('licensegate.requestLicense');

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
