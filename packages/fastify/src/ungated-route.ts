import type { onRequestHookHandler } from 'fastify';
import { LicenseGateConfigurationError } from '@licensegate/core';

import { routeName } from './route-config.js';

/** What `printRoutes()` answers for a router with no route yet. */
export const EMPTY_ROUTER = '(empty tree)';

/**
 * The safety net of an app that declared routes before the plugin loaded: a root `onRequest` hook
 * (root hooks reach every route, whenever it was declared) that fails a request to a route whose
 * `config.licensegate` the plugin never saw, with `ERR_LG_PLUGIN_ORDER` (a 500 from Fastify's
 * error handler, logged) — closed, never served ungated. Apps that register the plugin before
 * their routes do not get this hook.
 * @param gated - the `config.licensegate` objects of the routes the plugin did gate
 */
export function ungatedRouteHook(gated: WeakSet<object>): onRequestHookHandler {
  return function licensegateUngatedRoute(request, _reply, done) {
    const { config, method, url } = request.routeOptions;
    const asked = (config as { licensegate?: unknown } | undefined)?.licensegate;
    if (asked === undefined || (typeof asked === 'object' && asked !== null && gated.has(asked))) return done();
    done(
      new LicenseGateConfigurationError(
        'ERR_LG_PLUGIN_ORDER',
        `Route ${routeName(method ?? request.method, url ?? request.url)} has config.licensegate, but it was declared before licenseGatePlugin loaded, so the plugin never gated it; it fails until the plugin is registered first: \`await app.register(licenseGatePlugin, { gate })\` before the routes (or declare them in a plugin registered after it).`,
      ),
    );
  };
}
