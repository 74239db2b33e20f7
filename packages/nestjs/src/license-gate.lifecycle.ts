import type { OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { HttpAdapterHost, ModuleRef } from '@nestjs/core';
import { LicenseGateConfigurationError, LicenseGateError } from '@licensegate/core';

import { followFastifySessions } from './fastify-sessions.js';
import { moduleError } from './license-gate.errors.js';
import { findLicensedRoutes, type LicensedRoute, type RouteScanTools } from './license-gate.explorer.js';
import { LicenseGateGuard } from './license-gate.guard.js';
import { compileRoute, isEnhancer, resolveService } from './license-gate.route.js';
import type { LicenseGateService } from './license-gate.service.js';

/** Decorator names, for messages. */
function decoratorsOf(route: LicensedRoute, need: 'guard' | 'interceptor'): string {
  const { tier, seat, drawdown } = route.metadata;
  if (need === 'interceptor') return `@Drawdown(${JSON.stringify(drawdown?.dimension)})`;
  const names: string[] = [];
  if (tier !== undefined) names.push(`@RequireTier(${JSON.stringify(tier)})`);
  if (seat !== undefined) names.push(`@${seat[0]?.toUpperCase()}${seat.slice(1)}Seat()`);
  return names.join(' ');
}

/**
 * One gate's life in the app: at module init, checks every route that uses the gate (a tier it
 * does not have, seats or a dimension it lacks, a decorator no guard reaches, a guard that would
 * run before the route's own guards:
 * each throws, so the app fails at boot), on Fastify makes the seats of a gate with seats follow
 * their sessions, then starts the gate; on application shutdown, stops it (units flushed, seats
 * returned).
 */
export class LicenseGateLifecycle implements OnModuleInit, OnApplicationShutdown {
  readonly #service: LicenseGateService;
  readonly #scan: RouteScanTools;
  readonly #moduleRef: ModuleRef;
  readonly #adapterHost: HttpAdapterHost | undefined;

  /**
   * @param scan - Nest's discovery services, which the boot check reads the routes and global guards with
   * @param adapterHost - Nest's HTTP adapter (none in an app without HTTP)
   */
  constructor(service: LicenseGateService, scan: RouteScanTools, moduleRef: ModuleRef, adapterHost?: HttpAdapterHost) {
    this.#service = service;
    this.#scan = scan;
    this.#moduleRef = moduleRef;
    this.#adapterHost = adapterHost;
  }

  /**
   * Checks the routes, marks the global guards, makes seats follow Fastify sessions, then starts
   * the gate (a License Manager that refuses the app's setup fails the boot).
   */
  async onModuleInit(): Promise<void> {
    this.verifyRoutes();
    this.markGlobalGuards();
    this.followSessions();
    await this.#service.gate.start();
  }

  /**
   * On the Fastify platform, for a gate with seats: each request's `@fastify/session` /
   * `@fastify/secure-session` session is followed, so that `destroy()` (`delete()`) in any route
   * returns its seat and `regenerate()` keeps it. Nothing on Express (the session store is hooked).
   */
  followSessions(): void {
    if (!this.#service.seatSteps.available) return;
    followFastifySessions(this.#adapterHost?.httpAdapter?.getInstance(), this.#service.seatSteps);
  }

  /** Tells each global `LicenseGateGuard` instance that it is global (see `LicenseGateGuard.markGlobal`). */
  markGlobalGuards(): void {
    const instances = [
      ...this.#scan.config.getGlobalGuards(),
      ...this.#scan.config.getGlobalRequestGuards().map((wrapper) => wrapper.instance as unknown),
    ];
    for (const guard of instances) if (guard instanceof LicenseGateGuard) guard.markGlobal();
  }

  /** Stops the gate: flushes drawdown units and returns seats. */
  async onApplicationShutdown(): Promise<void> {
    await this.#service.gate.stop();
  }

  /**
   * A seat route's own guards (the app's login) must run before its seat step: the seat step runs in
   * the route's own `LicenseGateGuard` when it lists one (a global one then leaves it to that one),
   * else in the global one, which runs before every guard of the route.
   * @throws LicenseGateConfigurationError ERR_LG_GUARD_ORDER, with the route and the fix
   */
  #checkGuardOrder(route: LicensedRoute, step: 'seat' | 'drawdown'): void {
    const guards = route.localGuards;
    let last = -1;
    guards.forEach((guard, i) => {
      if (isEnhancer(guard, LicenseGateGuard)) last = i;
    });
    // Without a LicenseGateGuard of its own, the route's step runs in the global one, before the app's
    // global guards registered after it and before every guard of the route.
    const after = [...(last < 0 ? route.globalGuardsAfter : []), ...guards.slice(last + 1)].filter(
      (guard) => !isEnhancer(guard, LicenseGateGuard),
    );
    if (after.length === 0 || (last < 0 && !route.guardedGlobally)) return;
    // The deprecated interceptor charges the routes it reaches, after every guard.
    if (step === 'drawdown' && route.intercepted) return;
    const names = after.map(guardName).join(', ');
    const decorator =
      step === 'seat'
        ? `@${route.metadata.seat?.[0]?.toUpperCase()}${route.metadata.seat?.slice(1)}Seat()`
        : decoratorsOf(route, 'interceptor');
    const harm =
      step === 'seat'
        ? 'would already have taken or returned a seat'
        : 'would already have held its units (and a used-up pool would answer it 402 first)';
    const why =
      last < 0 ? `the global LicenseGateGuard runs before ${names}` : `the route lists ${names} after LicenseGateGuard`;
    throw moduleError(
      'ERR_LG_GUARD_ORDER',
      `${decorator} on ${route.where}: ${why}, so a request those guards refuse (a failed login) ${harm}. ` +
        `List LicenseGateGuard last among the route's guards: @UseGuards(${names}, LicenseGateGuard)` +
        (route.guardedGlobally ? ` — the global LicenseGateGuard then leaves the ${step} step to it.` : '.') +
        (last < 0 && route.globalGuardsAfter.length > 0
          ? ' Or register the global LicenseGateGuard after your own global guards (APP_GUARD providers run in order).'
          : ''),
    );
  }

  /**
   * Checks the routes that use this gate, and that every gate name a route uses is registered.
   * @throws LicenseGateConfigurationError with the route in its message: ERR_LG_UNKNOWN_TIER,
   *   ERR_LG_NO_SEATS, ERR_LG_UNKNOWN_DIMENSION, ERR_LG_UNKNOWN_GATE, ERR_LG_GUARD_MISSING, ERR_LG_GUARD_ORDER
   */
  verifyRoutes(): void {
    const routes = findLicensedRoutes(this.#scan);
    const missing: string[] = [];
    for (const route of routes) {
      const name = route.metadata.gate;
      if (name !== this.#service.name) {
        resolveService(this.#moduleRef, name); // another module checks the route; this one only that the name exists
        continue;
      }
      if (route.intercepted && route.metadata.drawdown !== undefined)
        this.#service.markIntercepted(route.cls, route.handler);
      try {
        compileRoute(route.metadata, this.#service);
      } catch (error) {
        if (!(error instanceof LicenseGateError)) throw error;
        throw new LicenseGateConfigurationError(error.code, `${route.where}: ${error.message}`);
      }
      const { tier, seat, drawdown } = route.metadata;
      if (seat !== undefined) this.#checkGuardOrder(route, 'seat');
      if (drawdown !== undefined && route.guarded) this.#checkGuardOrder(route, 'drawdown');
      if ((tier !== undefined || seat !== undefined) && !route.guarded) {
        missing.push(`${decoratorsOf(route, 'guard')} on ${route.where} needs LicenseGateGuard`);
      } else if (drawdown !== undefined && !route.guarded && !route.intercepted) {
        missing.push(`${decoratorsOf(route, 'interceptor')} on ${route.where} needs LicenseGateGuard`);
      }
    }
    if (missing.length > 0) {
      throw moduleError(
        'ERR_LG_GUARD_MISSING',
        `licensegate decorators that nothing enforces: ${missing.join('; ')}. Register the guard globally ` +
          '({ provide: APP_GUARD, useClass: LicenseGateGuard }) ' +
          'or on the controller or method, after your own guards (@UseGuards(LoginGuard, LicenseGateGuard)).',
      );
    }
  }
}

/** A guard's name for a message: its class name. */
function guardName(guard: unknown): string {
  if (typeof guard === 'function') return guard.name || 'a guard';
  return (guard as { constructor?: { name?: string } } | null)?.constructor?.name ?? 'a guard';
}
