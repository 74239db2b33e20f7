import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { RequestLicense } from '@licensegate/core/http';

export { RequestLicense };

/** Where the guard and the interceptor leave a request's license view. */
const REQUEST_LICENSE = Symbol('licensegate.requestLicense');

/** Leaves `license` on the request for `@License()`. */
export function setRequestLicense(req: object, license: RequestLicense): void {
  (req as { [REQUEST_LICENSE]?: RequestLicense })[REQUEST_LICENSE] = license;
}

/**
 * The view of each compiled route's gate, by handler: what `@License()` answers when no seat step
 * left a view of its own on the request. Kept per handler, not written on every request: adding a
 * property to an Express request costs more than the tier check itself.
 */
const handlerLicenses = new WeakMap<object, RequestLicense>();

/** Records the view of a route's gate for its handler (once, when the route is compiled). */
export function setHandlerLicense(handler: object, license: RequestLicense): void {
  handlerLicenses.set(handler, license);
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
export const License = createParamDecorator(
  (_data: unknown, context: ExecutionContext): RequestLicense | undefined =>
    getRequestLicense(context.switchToHttp().getRequest<object>()) ?? handlerLicenses.get(context.getHandler()),
);
