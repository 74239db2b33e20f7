import { Inject, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { ModuleRef, Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { from, mergeMap, of, type Observable } from 'rxjs';

import { LicenseRoutes, type LicenseRoute } from './license-gate.route.js';
import { isCharged, markCharged, watchCharged } from './request-charged.js';

/**
 * Charges the drawdown units of `@Drawdown` routes that `LicenseGateGuard` leaves alone.
 *
 * `LicenseGateGuard` charges `@Drawdown` routes itself (faster: no interceptor on the request's
 * path), so a new app needs no interceptor. This one is kept for apps that registered it: where the
 * guard already opened the request's charge it passes the request on untouched; where no
 * `LicenseGateGuard` reaches the route, or a global one leaves the route to run after the route's
 * own guards, it opens the charge itself, with the same `DrawdownStep` of `@licensegate/core`.
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
    const req = context.switchToHttp().getRequest<Request>();
    if (route?.charge === undefined || isCharged(req)) return next.handle();
    return this.charge(route, context, next);
  }

  /**
   * Opens the request's charge (core's `DrawdownStep`), then runs the handler.
   * @throws what the gate's service makes of a denial (402, 503, 500 for bad units)
   */
  protected charge(route: LicenseRoute, context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const req = http.getRequest<Request>();
    let opened: Promise<boolean> | undefined;
    try {
      opened = (route.charge as NonNullable<LicenseRoute['charge']>).open(req, http.getResponse<Response>());
    } catch (error) {
      throw route.service.exceptionFor(error, context);
    }
    markCharged(req);
    if (opened === undefined) return next.handle();
    return from(
      opened.catch((error: unknown) => {
        throw route.service.exceptionFor(error, context);
      }),
    ).pipe(mergeMap((go) => (go ? next.handle() : of(undefined))));
  }
}
