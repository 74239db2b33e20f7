import type { ExecutionContext } from '@nestjs/common';
import type { ModuleRef, Reflector } from '@nestjs/core';
import type { TierDecision } from '@licensegate/core';
import { DrawdownStep } from '@licensegate/core/http';

import { DEFAULT_GATE_NAME, LICENSE_METADATA, type SeatAction } from './license-gate.constants.js';
import type { DrawdownMetadata } from './license-gate.decorators.js';
import { moduleError } from './license-gate.errors.js';
import type { LicenseGateService } from './license-gate.service.js';
import { getLicenseGateServiceToken } from './license-gate.tokens.js';
import { NEST_METADATA } from './nest-metadata.js';
import { isNodeResponse } from './node-exchange.js';
import { watchCharged } from './request-charged.js';
import { setHandlerLicense } from './request-license.js';

/** What the decorators say about one route, a method's setting over its class's. */
export interface RouteLicenseMetadata {
  /** The gate's name. */
  readonly gate: string;
  readonly tier: string | undefined;
  readonly seat: SeatAction | undefined;
  readonly drawdown: DrawdownMetadata | undefined;
}

/** A route compiled against its gate: what the guard runs on each request. */
export interface LicenseRoute extends RouteLicenseMetadata {
  readonly service: LicenseGateService;
  /** The route's tier check, with the tier name looked up once. */
  readonly checkTier: (() => TierDecision) | undefined;
  /**
   * The route's drawdown step (core's per-request charge lifecycle), made once; it takes the
   * platform's request and response.
   */
  readonly charge: DrawdownStep<object, object> | undefined;
  /**
   * Whether the route lists `LicenseGateGuard` among its own guards (controller or method): a global
   * `LicenseGateGuard` then leaves the seat step to that one, which runs after the route's other
   * guards (the app's login).
   */
  readonly guardedLocally: boolean;
  /**
   * Whether the route lists guards of its own besides `LicenseGateGuard` (the app's login, its input
   * checks): a global `LicenseGateGuard` then leaves the drawdown step to the route's own
   * `LicenseGateGuard`, or to `LicenseGateInterceptor`, which run after them.
   */
  readonly hasOwnGuards: boolean;
  /**
   * Whether the deprecated `LicenseGateInterceptor` reaches the route (global, controller or method):
   * it then charges the route after every guard, as it always did, and the guard leaves it the charge.
   */
  readonly intercepted: boolean;
  /** How many times the route lists `LicenseGateGuard` itself (controller and method): one charge all the same. */
  readonly gateGuards: number;
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- handlers and classes are plain functions here
type Target = Function;

/**
 * Reads a route's licensegate metadata (each key method over class, `getAllAndOverride`).
 * @returns `undefined` when the route has none, or is skipped with `@SkipLicense()`
 */
export function readRouteMetadata(
  reflector: Reflector,
  handler: Target,
  cls: Target,
): RouteLicenseMetadata | undefined {
  const targets = [handler, cls];
  if (reflector.getAllAndOverride<boolean | undefined>(LICENSE_METADATA.skip, targets) === true) return undefined;
  const tier = reflector.getAllAndOverride<string | undefined>(LICENSE_METADATA.tier, targets);
  const seat = reflector.getAllAndOverride<SeatAction | undefined>(LICENSE_METADATA.seat, targets);
  const drawdown = reflector.getAllAndOverride<DrawdownMetadata | undefined>(LICENSE_METADATA.drawdown, targets);
  if (tier === undefined && seat === undefined && drawdown === undefined) return undefined;
  const gate = reflector.getAllAndOverride<string | undefined>(LICENSE_METADATA.gate, targets) ?? DEFAULT_GATE_NAME;
  return { gate, tier, seat, drawdown };
}

/**
 * Compiles a route against its gate's service. What the route needs from the gate is checked
 * here, so a mistake fails at boot (the boot check compiles every route):
 * @param node - `'raw'` when the platform's request and response wrap Node's as `.raw` (Fastify);
 *   none on Express, whose objects are Node's
 * @throws LicenseGateConfigurationError ERR_LG_UNKNOWN_TIER, ERR_LG_NO_SEATS, ERR_LG_UNKNOWN_DIMENSION
 */
export function compileRoute(
  metadata: RouteLicenseMetadata,
  service: LicenseGateService,
  enhancers: Partial<Pick<LicenseRoute, 'guardedLocally' | 'hasOwnGuards' | 'intercepted' | 'gateGuards'>> = {},
  node?: 'raw',
): LicenseRoute {
  const checkTier = metadata.tier === undefined ? undefined : service.tierCheck(metadata.tier);
  if (metadata.seat !== undefined) void service.seats; // the getter throws ERR_LG_NO_SEATS for a gate without seats
  const charge =
    metadata.drawdown === undefined
      ? undefined
      : new DrawdownStep<object, object>(service.gate, metadata.drawdown.dimension, metadata.drawdown.units, {
          chargeWhen: service.options.chargeWhen,
          node,
        });
  return {
    ...metadata,
    service,
    checkTier,
    charge,
    guardedLocally: enhancers.guardedLocally ?? false,
    hasOwnGuards: enhancers.hasOwnGuards ?? false,
    intercepted: enhancers.intercepted ?? false,
    gateGuards: enhancers.gateGuards ?? 0,
  };
}

/** Whether an enhancer, as registered (a class or an instance), is `base` or a subclass of it. */
export function isEnhancer(enhancer: unknown, base: Target): boolean {
  if (typeof enhancer === 'function') return enhancer === base || enhancer.prototype instanceof base;
  return enhancer instanceof base;
}

/** The guards a route lists itself, in the order Nest runs them: its controller's, then its method's. */
export function localGuards(reflector: Reflector, handler: Target, cls: Target): unknown[] {
  return [
    ...(reflector.get<unknown[] | undefined>(NEST_METADATA.guards, cls) ?? []),
    ...(reflector.get<unknown[] | undefined>(NEST_METADATA.guards, handler) ?? []),
  ];
}

/** Finds a gate's service by name anywhere in the app. */
export function resolveService(moduleRef: ModuleRef, name: string): LicenseGateService {
  try {
    return moduleRef.get<LicenseGateService>(getLicenseGateServiceToken(name), { strict: false });
  } catch {
    const how =
      name === DEFAULT_GATE_NAME
        ? 'LicenseGateModule.forRoot({ gate })'
        : `LicenseGateModule.forRoot({ name: ${JSON.stringify(name)}, gate })`;
    throw moduleError(
      'ERR_LG_UNKNOWN_GATE',
      `No license gate named ${JSON.stringify(name)} is registered: import ${how}.`,
    );
  }
}

/**
 * The compiled routes of one guard or interceptor, cached per controller class and handler (so a
 * handler inherited by two controllers gets each class's settings). The cache belongs to the
 * enhancer instance, hence to one app: apps in one process never share it.
 */
export class LicenseRoutes {
  readonly #reflector: Reflector;
  readonly #moduleRef: ModuleRef;
  readonly #routes = new WeakMap<Target, WeakMap<Target, LicenseRoute | null>>();
  readonly #services = new Map<string, LicenseGateService>();

  readonly #guardClass: Target | undefined;

  /** @param guardClass - the guard class whose local presence {@link LicenseRoute.guardedLocally} tells */
  constructor(reflector: Reflector, moduleRef: ModuleRef, guardClass?: Target) {
    this.#reflector = reflector;
    this.#moduleRef = moduleRef;
    this.#guardClass = guardClass;
  }

  /** The route being run, compiled; `undefined` when it has no licensegate decorator. */
  of(context: ExecutionContext): LicenseRoute | undefined {
    const cls = context.getClass();
    const handler = context.getHandler();
    const cached = this.#routes.get(cls)?.get(handler);
    if (cached !== undefined) return cached ?? undefined;
    const metadata = readRouteMetadata(this.#reflector, handler, cls);
    let route: LicenseRoute | null = null;
    if (metadata !== undefined) {
      const own = localGuards(this.#reflector, handler, cls);
      const guardClass = this.#guardClass;
      const isGate = (guard: unknown): boolean => guardClass !== undefined && isEnhancer(guard, guardClass);
      const service = this.service(metadata.gate);
      const gateGuards = own.filter(isGate).length;
      // One app, one platform: the first request tells whether its objects wrap Node's (Fastify).
      const wrapped = !isNodeResponse(context.getArgByIndex<unknown>(1));
      route = compileRoute(
        metadata,
        service,
        {
          guardedLocally: gateGuards > 0,
          hasOwnGuards: own.some((guard) => !isGate(guard)),
          intercepted: service.isIntercepted(cls, handler),
          gateGuards,
        },
        wrapped ? 'raw' : undefined,
      );
      if (gateGuards > 1 && route.charge !== undefined) watchCharged(); // charged once, not once per listing
    }
    if (route !== null) setHandlerLicense(handler, route.service.license);
    let byHandler = this.#routes.get(cls);
    if (byHandler === undefined) this.#routes.set(cls, (byHandler = new WeakMap()));
    byHandler.set(handler, route);
    return route ?? undefined;
  }

  /** A gate's service, by name (looked up once). */
  service(name: string): LicenseGateService {
    let service = this.#services.get(name);
    if (service === undefined) this.#services.set(name, (service = resolveService(this.#moduleRef, name)));
    return service;
  }
}
