import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { ModuleRef, Reflector } from '@nestjs/core';
import type { SeatView } from '@licensegate/core';

import { LicenseRoutes, type LicenseRoute } from './license-gate.route.js';
import { nodeResponse } from './node-exchange.js';
import { isCharged, markCharged } from './request-charged.js';
import { RequestLicense, setRequestLicense } from './request-license.js';

/**
 * Enforces `@RequireTier`, the seat decorators (`@AcquireSeat`, `@ReleaseSeat`, `@RequireSeat`)
 * and `@Drawdown` of a route. Use it globally (`{ provide: APP_GUARD, useClass: LicenseGateGuard }`)
 * or per controller or method (`@UseGuards(LicenseGateGuard)`); routes without a licensegate
 * decorator pass untouched.
 *
 * The tier check is synchronous: the route's check is compiled once (the tier name looked up) and
 * cached per handler, and each request runs it on the gate's cached answer, with no promise and no
 * network call. Seat steps are asynchronous, and run only on routes that have one. A `@Drawdown`
 * route's units are held here, before the handler (a used-up pool answers 402 before any work),
 * and the charge is settled when the response is done, by core's `DrawdownStep`: no interceptor
 * and, in batch mode, no promise on the request's path.
 *
 * Each step is a protected method, so an app can subclass the guard, e.g. to key seats by its
 * own user id (`getSeatKey`), or to skip some requests (`shouldSkip`).
 *
 * Guards run global first, then the controller's, then the method's: the seat steps need the
 * session (and the user, when seats are keyed by user), so this guard must run after your
 * authentication. List it after your login guard on the seat routes —
 * `@UseGuards(LoginGuard, LicenseGateGuard)` — and a global `LicenseGateGuard` leaves their seat step
 * to that one. The boot check refuses a seat route whose own guards would run after the seat is
 * taken (`ERR_LG_GUARD_ORDER`).
 */
@Injectable()
export class LicenseGateGuard implements CanActivate {
  /** The compiled routes of this guard (cached per handler); subclasses read them through {@link getRoute}. */
  readonly #routes: LicenseRoutes;

  constructor(
    @Inject(Reflector) protected readonly reflector: Reflector,
    @Inject(ModuleRef) protected readonly moduleRef: ModuleRef,
  ) {
    this.#routes = new LicenseRoutes(reflector, moduleRef, LicenseGateGuard);
  }

  /** This instance runs for every route of the app (`APP_GUARD`, `useGlobalGuards`); set at boot. */
  #global = false;

  /**
   * Tells this instance that it is a global guard. The module calls it at boot for each global
   * `LicenseGateGuard`: such an instance leaves the seat step of a route that lists its own
   * `LicenseGateGuard` to that one, which runs after the route's other guards (the app's login), so
   * that a refused login takes no seat whatever the registration order.
   */
  markGlobal(): void {
    this.#global = true;
  }

  /**
   * Runs the route's tier check, then its seat step.
   * @throws what the gate's service makes of a denial: `LicenseGateException`, or the module's `errorFactory` result
   */
  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const route = this.getRoute(context);
    if (route === undefined || this.shouldSkip(context, route)) return true;
    if (route.checkTier !== undefined) this.checkTier(route, context); // nothing is written on the request
    // A global guard leaves the steps that must follow the route's own guards (the app's login) to
    // the route's own LicenseGateGuard. A route the deprecated interceptor reaches is charged there,
    // after every guard, as it always was.
    if (this.#global && route.guardedLocally) return true;
    const charges = route.charge !== undefined && !route.intercepted && !(this.#global && route.hasOwnGuards);
    if (route.seat !== undefined) {
      const seated = this.handleSeat(route, context);
      return charges ? seated.then(() => this.openCharge(route, context)) : seated.then(() => true);
    }
    return charges ? this.openCharge(route, context) : true;
  }

  /**
   * Opens the request's drawdown charge (core's `DrawdownStep`): holds the units before the handler
   * runs, and settles the charge when the response is done — charged when it finished and the
   * module's `chargeWhen` (default: status below 400) says so, cancelled when it was cut off.
   * `true` at once on the hot path; a promise when the units need a wait.
   * @throws the denial (402 quota-exhausted, 503, 500 for a bad units value from the app)
   */
  protected openCharge(route: LicenseRoute, context: ExecutionContext): boolean | Promise<boolean> {
    // The HTTP arguments are the request and the response (`switchToHttp()` would make three closures per call).
    const req = this.getRequest(context);
    // A route that lists this guard on its controller and its method runs it twice: one charge.
    if (route.gateGuards > 1 && isCharged(req)) return true;
    let opened: Promise<boolean> | undefined;
    try {
      opened = (route.charge as NonNullable<LicenseRoute['charge']>).open(req, context.getArgByIndex<object>(1));
    } catch (error) {
      this.throwDenied(error, route, context);
    }
    markCharged(req);
    if (opened === undefined) return true;
    // false: the client left while the units were being held (nothing is charged, no one to answer)
    return opened.catch((error: unknown) => this.throwDenied(error, route, context));
  }

  /** The route's compiled licensegate settings, or `undefined` when it has none. */
  protected getRoute(context: ExecutionContext): LicenseRoute | undefined {
    return this.#routes.of(context);
  }

  /** Whether to let this request through without any check. Default: never. */
  protected shouldSkip(_context: ExecutionContext, _route: LicenseRoute): boolean {
    return false;
  }

  /**
   * The HTTP request: the platform's (Express's `Request`, Fastify's `FastifyRequest`). Override
   * for another transport.
   */
  protected getRequest(context: ExecutionContext): object {
    return context.getArgByIndex<object>(0);
  }

  /**
   * Throws unless the license grants the route's tier.
   * @throws the denial (403 tier-required or no-license, 503 license-unavailable)
   */
  protected checkTier(route: LicenseRoute, context: ExecutionContext): void {
    const decision = (route.checkTier as NonNullable<LicenseRoute['checkTier']>)();
    if (!decision.allowed) this.throwDenied(decision.error, route, context);
  }

  /**
   * Runs the route's seat step: acquire, release (never fails the request) or require.
   * @throws the denial (403 seats-exhausted or seat-required, 429 after waiting, 503)
   */
  protected async handleSeat(route: LicenseRoute, context: ExecutionContext): Promise<void> {
    const req = this.getRequest(context);
    const service = route.service;
    let seat: SeatView | undefined;
    try {
      if (route.seat === 'acquire') {
        seat = await this.acquireSeat(route, req, context);
      } else if (route.seat === 'require') {
        seat = await service.requireSeat(req, { key: this.getSeatKey(req, route) });
      } else {
        await this.releaseSeat(req, route);
      }
    } catch (error) {
      this.throwDenied(error, route, context);
    }
    if (seat !== undefined) setRequestLicense(req, new RequestLicense(service.gate, seat));
  }

  /**
   * Takes the session's seat. A client that goes away while the request waits in the seat queue
   * stops waiting, and gets no seat.
   */
  protected acquireSeat(route: LicenseRoute, req: object, context: ExecutionContext): Promise<SeatView> {
    const service = route.service;
    return service.seatSteps.acquire(
      service.seatRequest(req, { key: this.getSeatKey(req, route) }),
      nodeResponse(context.getArgByIndex<object>(1)),
      this.getSeatInfo(req, route),
    );
  }

  /** Returns the session's seat; a failure is logged, never answered (the idle reaper returns the seat). */
  protected async releaseSeat(req: object, route: LicenseRoute): Promise<void> {
    const service = route.service;
    await service.seatSteps.release(service.seatRequest(req, { key: this.getSeatKey(req, route) }));
  }

  /**
   * The seat key of a request (the platform's request). Default: the module's `seatKey(req)`, else
   * the session id.
   */
  protected getSeatKey(req: object, route: LicenseRoute): string | undefined {
    return route.service.options.seatKey?.(req);
  }

  /** Details about the seat's holder, shown by `gate.seats.held()`. Default: the module's `seatInfo(req)`. */
  protected getSeatInfo(req: object, route: LicenseRoute): unknown {
    return route.service.options.seatInfo?.(req);
  }

  /** Throws what the gate's service makes of an error: a denial as an exception, anything else as it is. */
  protected throwDenied(error: unknown, route: LicenseRoute, context: ExecutionContext): never {
    throw route.service.exceptionFor(error, context);
  }
}
