import { Inject, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { ModuleRef, Reflector } from '@nestjs/core';
import { RequestCharge, watchFinishedResponses, whenResponseDone } from '@licensegate/core/http';
import type { Request, Response } from 'express';
import { of, tap, type Observable } from 'rxjs';

import { LicenseRoutes, type LicenseRoute } from './license-gate.route.js';

/**
 * Charges the drawdown units of `@Drawdown` routes, in two phases as the Express adapter does
 * (with the same `RequestCharge` of `@licensegate/core`): the units are reserved before the
 * handler runs (a used-up pool answers 402 before any work), committed when the response has
 * finished and succeeded (status below 400, or the module's `chargeWhen`), and cancelled when the
 * handler throws or the client goes away. `(req, res) => units` is read when the response has
 * finished. Response listeners are attached before anything is awaited.
 *
 * Use it globally (`{ provide: APP_INTERCEPTOR, useClass: LicenseGateInterceptor }`) or on the
 * routes that charge (`@UseInterceptors(LicenseGateInterceptor)`); routes without `@Drawdown` pass
 * untouched. Each step is a protected method, for subclasses.
 */
@Injectable()
export class LicenseGateInterceptor implements NestInterceptor {
  /** The compiled routes of this interceptor (cached per handler). */
  protected readonly routes: LicenseRoutes;

  constructor(
    @Inject(Reflector) protected readonly reflector: Reflector,
    @Inject(ModuleRef) protected readonly moduleRef: ModuleRef,
  ) {
    this.routes = new LicenseRoutes(reflector, moduleRef);
    watchFinishedResponses();
  }

  /** Opens the route's charge, runs the handler, and settles the charge when the response is done. */
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> | Promise<Observable<unknown>> {
    const route = this.getRoute(context);
    if (route?.drawdown === undefined) return next.handle();
    return this.charge(route, context, next);
  }

  /**
   * The two phases of a route's charge around its handler. When the units are held at once (batch
   * mode within its bound, sync mode, units read at the end), the handler runs with no promise in
   * between, and the charge is settled when the response has finished (from Node's diagnostics
   * channel when the server publishes there, else on `close`); otherwise a `close` listener goes on
   * first, then the units are awaited.
   * @throws what the gate's service makes of a denial (402, 503, 500 for bad units), or the units function's error
   */
  protected charge(
    route: LicenseRoute,
    context: ExecutionContext,
    next: CallHandler,
  ): Observable<unknown> | Promise<Observable<unknown>> {
    const http = context.switchToHttp();
    const req = http.getRequest<Request>();
    const res = http.getResponse<Response>();
    // Closed already (the client went away while a guard was waiting): 'close' will not come again, and
    // there is no one to do the work for.
    if (res.closed && !res.writableFinished) return of(undefined);
    let begun: RequestCharge<Request, Response> | Promise<RequestCharge<Request, Response>>;
    try {
      begun = this.beginCharge(route, req);
    } catch (error) {
      throw route.service.exceptionFor(error, context);
    }
    if (!(begun instanceof RequestCharge)) return this.chargeLater(begun, route, context, next);
    const charge = begun;
    // The units are held until the response is done: settled when it finished, cancelled when it was cut off.
    const settle = (succeeded: boolean): void => this.settleCharge(charge, succeeded, route, req, res);
    const done = (finished: boolean): void => settle(finished && this.shouldCharge(route, req, res));
    this.journalFirst(charge, route, req, res);
    if (!whenResponseDone(req, res, done)) {
      if (res.destroyed || req.socket?.destroyed === true) done(false);
      else res.once('close', () => done(res.writableFinished));
    }
    return next.handle().pipe(tap({ error: () => settle(false) }));
  }

  /**
   * On a durable store (one that outlives the process: Redis, the file store), holds the
   * response's end until its charge is journaled, so that a client that receives a success has its
   * units in the store whatever happens to the process next (core's `RequestCharge.journalBeforeEnd`).
   */
  protected journalFirst(
    charge: RequestCharge<Request, Response>,
    route: LicenseRoute,
    req: Request,
    res: Response,
  ): void {
    charge.journalBeforeEnd(
      res,
      req,
      () => this.shouldCharge(route, req, res),
      (error) => this.logChargeFailure(route, req, error),
    );
  }

  /** The path that waits for the units (reserve mode, batch mode at its bound). */
  private async chargeLater(
    opening: Promise<RequestCharge<Request, Response>>,
    route: LicenseRoute,
    context: ExecutionContext,
    next: CallHandler,
  ): Promise<Observable<unknown>> {
    const http = context.switchToHttp();
    const req = http.getRequest<Request>();
    const res = http.getResponse<Response>();
    let charge: RequestCharge<Request, Response> | undefined;
    let outcome: boolean | undefined;
    const settle = (succeeded: boolean): void => {
      if (outcome !== undefined) return;
      outcome = succeeded;
      if (charge !== undefined) this.settleCharge(charge, succeeded, route, req, res);
    };
    // The listener first, before any await: a response can finish or close at any time. One listener:
    // 'close' follows every response, finished (writableFinished) or aborted.
    res.once('close', () => settle(res.writableFinished && this.shouldCharge(route, req, res)));
    try {
      charge = await opening;
    } catch (error) {
      outcome ??= false;
      throw route.service.exceptionFor(error, context);
    }
    if (outcome !== undefined) {
      // The client went away while the charge was opening: no work, and the reservation goes back.
      this.settleCharge(charge, outcome, route, req, res);
      return of(undefined);
    }
    this.journalFirst(charge, route, req, res);
    return next.handle().pipe(tap({ error: () => settle(false) }));
  }

  /** The route's compiled licensegate settings, or `undefined` when it has none. */
  protected getRoute(context: ExecutionContext): LicenseRoute | undefined {
    return this.routes.of(context);
  }

  /**
   * Opens the request's charge: holds units known up front; for `(req, res) => units`, checks that
   * the pool is not known to be used up. The charge itself when that needs no wait, else a promise
   * of it (see `RequestCharge.begin`).
   * @throws QuotaExhaustedError (402), InvalidUnitsError (500), LicenseUnavailableError (503), or the units function's own error
   */
  protected beginCharge(
    route: LicenseRoute,
    req: Request,
  ): RequestCharge<Request, Response> | Promise<RequestCharge<Request, Response>> {
    const { dimension, units } = route.drawdown as NonNullable<LicenseRoute['drawdown']>;
    return RequestCharge.begin(route.service.drawdown, dimension, units, req);
  }

  /** Whether a finished response is charged: the module's `chargeWhen`, else status below 400. */
  protected shouldCharge(route: LicenseRoute, req: Request, res: Response): boolean {
    return route.service.shouldCharge(req, res);
  }

  /** Commits or cancels the charge; a failure is logged (nothing was charged). */
  protected settleCharge(
    charge: RequestCharge<Request, Response>,
    succeeded: boolean,
    route: LicenseRoute,
    req: Request,
    res: Response,
  ): void {
    charge.settleNow(succeeded, req, res)?.catch((error: unknown) => this.logChargeFailure(route, req, error));
  }

  /** Logs a charge that failed (nothing was charged for it). */
  protected logChargeFailure(route: LicenseRoute, req: Request, error: unknown): void {
    route.service.gate.options.logger.error(
      {
        event: 'licensegate.charge_failed',
        dimension: route.drawdown?.dimension,
        path: req.path,
        code: (error as { code?: string }).code,
        error: (error as Error).message,
      },
      'A drawdown charge failed; nothing was charged for it',
    );
  }
}
