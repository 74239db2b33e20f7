import { Inject, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { ModuleRef, Reflector } from '@nestjs/core';
import { ChargeHandle } from '@licensegate/core/http';
import { from, mergeMap, of, tap, type Observable } from 'rxjs';

import { LicenseRoutes, type LicenseRoute } from './license-gate.route.js';
import { isCharged, markCharged, watchCharged } from './request-charged.js';

/**
 * Charges the drawdown units of `@Drawdown` routes it reaches, after every guard, as before.
 *
 * `LicenseGateGuard` charges `@Drawdown` routes itself (faster: no interceptor on the request's
 * path), so a new app needs no interceptor. This one is kept for apps that registered it, and
 * behaves as it did: on the routes it reaches (the boot check tells the guard which), the guard
 * leaves the charge to it, and it opens the charge after every guard, with the same `DrawdownStep`
 * of `@licensegate/core`; a handler that throws is not charged.
 *
 * @deprecated Put `LicenseGateGuard` on `@Drawdown` routes instead (after the route's own guards:
 *   `@UseGuards(YourGuard, LicenseGateGuard)`), and remove the interceptor.
 */
@Injectable()
export class LicenseGateInterceptor implements NestInterceptor {
  /** The compiled routes of this interceptor (cached per handler). */
  readonly #routes: LicenseRoutes;

  constructor(
    @Inject(Reflector) protected readonly reflector: Reflector,
    @Inject(ModuleRef) protected readonly moduleRef: ModuleRef,
  ) {
    this.#routes = new LicenseRoutes(reflector, moduleRef);
    watchCharged();
  }

  /** Opens the route's charge unless the guard did, then runs the handler. */
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const route = this.#routes.of(context);
    const req = context.switchToHttp().getRequest<object>();
    if (route?.charge === undefined || isCharged(req)) return next.handle();
    return this.charge(route, context, next);
  }

  /**
   * Opens the request's charge (core's `DrawdownStep`), then runs the handler; a handler that throws
   * is not charged, whatever its error's answer (as this interceptor always did).
   * @throws what the gate's service makes of a denial (402, 503, 500 for bad units)
   */
  protected charge(route: LicenseRoute, context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const req = http.getRequest<object>();
    const handle = new ChargeHandle();
    let opened: Promise<boolean> | undefined;
    try {
      opened = (route.charge as NonNullable<LicenseRoute['charge']>).open(
        req,
        http.getResponse<object>(),
        undefined,
        handle,
      );
    } catch (error) {
      throw route.service.exceptionFor(error, context);
    }
    markCharged(req);
    const handled = (): Observable<unknown> => next.handle().pipe(tap({ error: () => handle.cancel() }));
    if (opened === undefined) return handled();
    return from(
      opened.catch((error: unknown) => {
        throw route.service.exceptionFor(error, context);
      }),
    ).pipe(mergeMap((go) => (go ? handled() : of(undefined))));
  }
}
