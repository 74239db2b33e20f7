import type { ApplicationConfig, DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';

import { LicenseGateGuard } from './license-gate.guard.js';
import { LicenseGateInterceptor } from './license-gate.interceptor.js';
import { isEnhancer, localGuards, readRouteMetadata, type RouteLicenseMetadata } from './license-gate.route.js';
import { NEST_METADATA } from './nest-metadata.js';

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- classes and handlers are plain functions here
type Target = Function;

/** A controller route that carries licensegate decorators, and whether the enhancers reach it. */
export interface LicensedRoute {
  /** `Controller.method()`, for messages. */
  readonly where: string;
  readonly cls: Target;
  readonly handler: Target;
  readonly metadata: RouteLicenseMetadata;
  /** Whether a `LicenseGateGuard` (or a subclass) is global, on the controller or on the method. */
  readonly guarded: boolean;
  /** Whether a `LicenseGateGuard` (or a subclass) is global. */
  readonly guardedGlobally: boolean;
  /** The app's own global guards that Nest runs after the last global `LicenseGateGuard`. */
  readonly globalGuardsAfter: readonly unknown[];
  /** The guards the route lists itself, in the order Nest runs them (controller's, then method's). */
  readonly localGuards: readonly unknown[];
  /** Whether a `LicenseGateInterceptor` (or a subclass) is global, on the controller or on the method. */
  readonly intercepted: boolean;
}

/** The parts of Nest the route scan reads: all public `@nestjs/core` services. */
export interface RouteScanTools {
  /** The app's controllers (`DiscoveryModule`). */
  readonly discovery: DiscoveryService;
  /** A controller's method names, inherited ones included (`DiscoveryModule`). */
  readonly scanner: MetadataScanner;
  /** The global guards and interceptors: `APP_GUARD` providers and `app.useGlobalGuards()`, in Nest's order. */
  readonly config: ApplicationConfig;
  /** Decorator metadata. */
  readonly reflector: Reflector;
}

/**
 * Finds every controller route with licensegate decorators in the app, and whether the guard and
 * the interceptor reach each one: globally (`APP_GUARD`, `app.useGlobalGuards()`, and the
 * interceptor alike), on its controller, or on its method.
 */
export function findLicensedRoutes({ discovery, scanner, config, reflector }: RouteScanTools): LicensedRoute[] {
  const globalGuards = [
    ...config.getGlobalGuards(),
    ...config.getGlobalRequestGuards().map((wrapper) => wrapper.metatype),
  ];
  const globalInterceptors = [
    ...config.getGlobalInterceptors(),
    ...config.getGlobalRequestInterceptors().map((wrapper) => wrapper.metatype),
  ];
  const guardedGlobally = globalGuards.some((guard) => isEnhancer(guard, LicenseGateGuard));
  let lastGate = -1;
  globalGuards.forEach((guard, i) => {
    if (isEnhancer(guard, LicenseGateGuard)) lastGate = i;
  });
  const globalGuardsAfter = lastGate < 0 ? [] : globalGuards.slice(lastGate + 1);
  const interceptedGlobally = globalInterceptors.some((interceptor) => isEnhancer(interceptor, LicenseGateInterceptor));
  const found: LicensedRoute[] = [];
  const seen = new Set<Target>();
  for (const wrapper of discovery.getControllers()) {
    const cls = wrapper.metatype as Target | null | undefined;
    if (typeof cls !== 'function' || seen.has(cls)) continue; // a controller listed by two modules is one
    seen.add(cls);
    const prototype = cls.prototype as Record<string, unknown>;
    for (const methodName of scanner.getAllMethodNames(prototype)) {
      const handler = prototype[methodName];
      if (typeof handler !== 'function' || reflector.get(NEST_METADATA.path, handler) === undefined) continue;
      const metadata = readRouteMetadata(reflector, handler, cls);
      if (metadata === undefined) continue;
      const enhancers = (key: string): unknown[] => [
        ...(reflector.get<unknown[] | undefined>(key, cls) ?? []),
        ...(reflector.get<unknown[] | undefined>(key, handler) ?? []),
      ];
      found.push({
        where: `${cls.name}.${methodName}()`,
        cls,
        handler,
        metadata,
        guarded:
          guardedGlobally || enhancers(NEST_METADATA.guards).some((guard) => isEnhancer(guard, LicenseGateGuard)),
        guardedGlobally,
        globalGuardsAfter,
        localGuards: localGuards(reflector, handler, cls),
        intercepted:
          interceptedGlobally ||
          enhancers(NEST_METADATA.interceptors).some((interceptor) => isEnhancer(interceptor, LicenseGateInterceptor)),
      });
    }
  }
  return found;
}
