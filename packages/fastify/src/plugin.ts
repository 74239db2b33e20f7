import type { FastifyInstance, FastifyPluginAsync, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import {
  createLicenseGate,
  LicenseGate,
  LicenseGateConfigurationError,
  type LicenseGateOptions,
} from '@licensegate/core';
import { assertKnownOptions, RequestLicense } from '@licensegate/core/http';

import './augment.js';
import { readRouteConfig, routeName } from './route-config.js';
import { drawdownHook, tierHook, type ChargeWhen } from './route-hooks.js';

/** Options of {@link licenseGatePlugin}. */
export interface LicenseGatePluginOptions {
  /**
   * A gate from `createLicenseGate()` (the app starts and stops it), or its options: the plugin
   * then makes the gate, starts it before `ready()` resolves, and stops it on `close()`.
   */
  gate: LicenseGate | LicenseGateOptions;
  /** Whether a finished response is charged. Default: status below 400. */
  chargeWhen?: ChargeWhen;
}

const KNOWN_OPTIONS = ['gate', 'chargeWhen'];

function optionError(message: string): LicenseGateConfigurationError {
  return new LicenseGateConfigurationError('ERR_LG_OPTIONS', `licenseGatePlugin: ${message}`);
}

function checkOptions(options: LicenseGatePluginOptions): void {
  if (options === null || typeof options !== 'object') {
    throw optionError('register it with { gate, chargeWhen? }.');
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
  if (options.chargeWhen !== undefined && typeof options.chargeWhen !== 'function') {
    throw optionError('chargeWhen must be a function (request, reply) => boolean.');
  }
}

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
  const ownsGate = !(options.gate instanceof LicenseGate);
  const gate = options.gate instanceof LicenseGate ? options.gate : createLicenseGate(options.gate);
  const { chargeWhen } = options;
  const license = new RequestLicense(gate);

  fastify.decorate('licenseGate', gate);
  fastify.decorateRequest('license', {
    getter: () => license,
  });

  fastify.addHook('onRoute', (route: RouteOptions) => {
    const name = routeName(route.method, route.url);
    const config = readRouteConfig((route.config as { licensegate?: unknown } | undefined)?.licensegate, name);
    if (config === undefined) return;
    if (config.tier !== undefined) route.onRequest = withHook(route.onRequest, tierHook(gate, config.tier));
    if (config.drawdown !== undefined) {
      route.preHandler = withHook(route.preHandler, drawdownHook(gate, config.drawdown, chargeWhen));
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
 * The licensegate plugin for Fastify 5: routes ask for a tier or a drawdown charge through their
 * `config.licensegate`, checked when the route is registered (an unknown tier or dimension fails
 * `ready()`), enforced in the route's hooks; denials are `application/problem+json` answers
 * (403, 402, 503 with `Retry-After`). Decorates `request.license`. Wrapped with fastify-plugin: it
 * applies to the scope it is registered in and the scopes under it; register it before the routes.
 *
 * @example
 * ```ts
 * await app.register(licenseGatePlugin, { gate });
 * app.get('/reports', { config: { licensegate: { tier: 'Premium' } } }, async (request) => ({ tier: request.license.tier }));
 * ```
 */
export const licenseGatePlugin = fp(plugin, { fastify: '5.x', name: '@licensegate/fastify' });
