import type { FastifyInstance, FastifyPluginAsync, FastifyRequest, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import {
  createLicenseGate,
  isLicenseGate,
  type LicenseGate,
  LicenseGateConfigurationError,
  type LicenseGateOptions,
  type SeatView,
} from '@licensegate/core';
import { assertKnownOptions, RequestLicense, SeatSteps } from '@licensegate/core/http';

import './augment.js';
import { readRouteConfig, routeName } from './route-config.js';
import { type ChargeWhen, drawdownStep, licensedHandler, type RouteHandler } from './route-handler.js';
import { tierHook } from './tier-hook.js';
import { followHook, seatHook, type SeatIdentity } from './seat-hooks.js';
import { EMPTY_ROUTER, ungatedRouteHook } from './ungated-route.js';

/** Options of {@link licenseGatePlugin}. */
export interface LicenseGatePluginOptions {
  /**
   * A gate from `createLicenseGate()` (the app starts and stops it), or its options: the plugin
   * then makes the gate, starts it before `ready()` resolves, and stops it on `close()`.
   */
  gate: LicenseGate | LicenseGateOptions;
  /** Whether a finished response is charged. Default: status below 400. */
  chargeWhen?: ChargeWhen;
  /**
   * The seat's key for a request, e.g. `(request) => request.session.get('user')?.id`: a user's
   * sessions then share one seat, each session a holder. Default: the session (its id; a cookie
   * session gets one, kept with the seat).
   */
  seatKey?: SeatIdentity['seatKey'];
  /** Small JSON about the holder, shown by `gate.seats.held()`, e.g. `(request) => ({ user })`. */
  seatInfo?: SeatIdentity['seatInfo'];
}

const KNOWN_OPTIONS = ['gate', 'chargeWhen', 'seatKey', 'seatInfo'];
const FUNCTION_OPTIONS = ['chargeWhen', 'seatKey', 'seatInfo'] as const;

function optionError(message: string): LicenseGateConfigurationError {
  return new LicenseGateConfigurationError('ERR_LG_OPTIONS', `licenseGatePlugin: ${message}`);
}

function checkOptions(options: LicenseGatePluginOptions): void {
  if (options === null || typeof options !== 'object') {
    throw optionError('register it with { gate, chargeWhen?, seatKey?, seatInfo? }.');
  }
  assertKnownOptions(
    options,
    KNOWN_OPTIONS,
    (message) => {
      throw new LicenseGateConfigurationError('ERR_LG_OPTION_UNKNOWN', `licenseGatePlugin: ${message}`);
    },
    { known: KNOWN_OPTIONS },
  );
  if (options.gate === null || typeof options.gate !== 'object') {
    throw optionError('the gate option is required: a gate from createLicenseGate() or its options.');
  }
  for (const name of FUNCTION_OPTIONS) {
    if (options[name] !== undefined && typeof options[name] !== 'function') {
      throw optionError(`${name} must be a function of the request; got ${typeof options[name]}.`);
    }
  }
}

/** Where a seat step leaves the request's license view (with its seat). */
const SEATED = Symbol('licensegate.requestLicense');
type SeatedRequest = FastifyRequest & { [SEATED]?: RequestLicense };

/** The hook list of a route with one more hook at its end. */
function withHook<H>(hooks: H | H[] | undefined, hook: H): H[] {
  if (hooks === undefined) return [hook];
  return Array.isArray(hooks) ? [...hooks, hook] : [hooks, hook];
}

const plugin: FastifyPluginAsync<LicenseGatePluginOptions> = async (fastify: FastifyInstance, options) => {
  checkOptions(options);
  if (fastify.hasRequestDecorator('license')) {
    throw optionError(
      'request.license is taken: the plugin is registered once per app, or something else decorates request.license.',
    );
  }
  const ownsGate = !isLicenseGate(options.gate);
  const gate = isLicenseGate(options.gate) ? options.gate : createLicenseGate(options.gate);
  const { chargeWhen, seatKey, seatInfo } = options;
  const license = new RequestLicense(gate);
  const seats = new SeatSteps(gate);
  const recordSeat = (request: FastifyRequest, seat: SeatView | undefined): void => {
    (request as SeatedRequest)[SEATED] = new RequestLicense(gate, seat);
  };

  fastify.decorate('licenseGate', gate);
  fastify.decorateRequest('license', {
    getter(this: FastifyRequest) {
      return (this as SeatedRequest)[SEATED] ?? license;
    },
  });
  if (seats.available) fastify.addHook('preHandler', followHook(seats));
  // Routes declared before the plugin loaded (`app.register(plugin)` not awaited, then `app.get`)
  // never reach onRoute: then every route is checked at request time, and one that asks for a
  // licensegate step it never got fails closed rather than serving ungated.
  const gated = new WeakSet<object>();
  if (fastify.printRoutes() !== EMPTY_ROUTER) fastify.addHook('onRequest', ungatedRouteHook(gated));

  fastify.addHook('onRoute', (route: RouteOptions) => {
    const name = routeName(route.method, route.url);
    const config = readRouteConfig((route.config as { licensegate?: unknown } | undefined)?.licensegate, name);
    if (config === undefined) return;
    gated.add((route.config as { licensegate: object }).licensegate);
    // Made now, so that an unknown tier or dimension, or bad units, throw at registration.
    const check = config.tier === undefined ? undefined : gate.tierCheck(config.tier);
    const step = config.drawdown === undefined ? undefined : drawdownStep(gate, config.drawdown, chargeWhen);
    // The steps run last, after the route's own hooks: tier, seat, drawdown. A seat step waits on
    // the session store, so it is a preHandler hook, with the tier check as a hook before it;
    // without one, the tier check and the charge run in front of the handler, with no hook.
    let handlerCheck = check;
    if (config.seat !== undefined) {
      if (check !== undefined) route.preHandler = withHook(route.preHandler, tierHook(gate, check));
      handlerCheck = undefined;
      route.preHandler = withHook(
        route.preHandler,
        seatHook(gate, seats, config.seat, { seatKey, seatInfo }, recordSeat),
      );
    }
    if (handlerCheck !== undefined || step !== undefined) {
      route.handler = licensedHandler(
        gate,
        route.handler as RouteHandler,
        handlerCheck,
        step,
      ) as RouteOptions['handler'];
    }
  });

  if (ownsGate) {
    try {
      await gate.start();
    } catch (error) {
      await gate.stop().catch(() => undefined);
      throw error;
    }
    fastify.addHook('onClose', async () => {
      await gate.stop();
    });
  }
};

/**
 * The licensegate plugin for Fastify 5: routes ask for a tier, a seat step or a drawdown charge
 * through their `config.licensegate`, checked when the route is registered (an unknown tier or
 * dimension fails `ready()`), enforced after the route's own hooks, in front of its handler (a seat
 * step in a `preHandler` hook); denials are `application/problem+json`
 * answers (403, 402, 429, 503 with `Retry-After`). Seats follow the `@fastify/session` or
 * `@fastify/secure-session` session (register it before the plugin). Decorates `request.license`
 * and `app.licenseGate`. Wrapped with fastify-plugin: it applies to the scope it is registered in
 * and the scopes under it; register it (awaited) before the routes.
 *
 * @example
 * ```ts
 * await app.register(licenseGatePlugin, { gate });
 * app.get('/reports', { config: { licensegate: { tier: 'Premium' } } }, async (request) => ({ tier: request.license.tier }));
 * app.post('/login', { preHandler: yourLogin, config: { licensegate: { seat: 'acquire' } } }, handler);
 * ```
 */
export const licenseGatePlugin = fp(plugin, { fastify: '5.x', name: '@licensegate/fastify' });
