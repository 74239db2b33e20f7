import type { FastifyPluginAsync } from 'fastify';
import { LicenseGateConfigurationError } from '@licensegate/core';
import { assertKnownOptions, HealthCheck, type HealthCheckOptions, type HealthGates } from '@licensegate/core/http';

const KNOWN_OPTIONS = ['gates', 'liveness', 'readiness', 'models', 'showErrors'];
/** What Fastify's `register()` itself reads (and passes on). */
const REGISTER_OPTIONS = ['prefix', 'logLevel', 'logSerializers'];

/** Options of {@link licenseGateHealthPlugin}. */
export interface LicenseGateHealthOptions extends Omit<HealthCheckOptions, 'probe'> {
  /** The gates the probes answer for: one, a list, or named (`{ tiers, usage }`). */
  gates: HealthGates;
  /** The liveness route's path, or `false` for none. Default `/healthz`. */
  liveness?: string | false;
  /** The readiness route's path, or `false` for none. Default `/readyz`. */
  readiness?: string | false;
}

function pathOf(value: unknown, name: string, fallback: string): string | undefined {
  if (value === undefined) return fallback;
  if (value === false) return undefined;
  if (typeof value === 'string' && value.startsWith('/')) return value;
  throw new LicenseGateConfigurationError(
    'ERR_LG_OPTIONS',
    `licenseGateHealthPlugin: ${name} must be a path starting with '/', or false for no route; got ${JSON.stringify(value)}.`,
  );
}

/**
 * Liveness and readiness routes over one or more gates: `GET /healthz` (liveness: 503 when a gate
 * is stopped) and `GET /readyz` (readiness: 503 also when a gate's licensed routes would refuse
 * everyone), each answering each gate's `gate.health()`. Register it beside the gated scopes (a
 * `prefix` moves both routes); the options are checked when it is registered.
 *
 * @example
 * ```ts
 * await app.register(licenseGateHealthPlugin, { gates: { tiers, usage } });
 * ```
 */
export const licenseGateHealthPlugin: FastifyPluginAsync<LicenseGateHealthOptions> = async (fastify, options) => {
  if (options === null || typeof options !== 'object') {
    throw new LicenseGateConfigurationError(
      'ERR_LG_OPTIONS',
      'licenseGateHealthPlugin: register it with { gates, liveness?, readiness?, models?, showErrors? }.',
    );
  }
  assertKnownOptions(
    options,
    [...KNOWN_OPTIONS, ...REGISTER_OPTIONS],
    (message) => {
      throw new LicenseGateConfigurationError('ERR_LG_OPTION_UNKNOWN', `licenseGateHealthPlugin: ${message}`);
    },
    { known: KNOWN_OPTIONS },
  );
  const { gates, liveness, readiness, models, showErrors } = options;
  const check: HealthCheckOptions = {
    ...(models === undefined ? {} : { models }),
    ...(showErrors === undefined ? {} : { showErrors }),
  };
  const routes: [string | undefined, HealthCheckOptions['probe']][] = [
    [pathOf(liveness, 'liveness', '/healthz'), 'liveness'],
    [pathOf(readiness, 'readiness', '/readyz'), 'readiness'],
  ];
  for (const [path, probe] of routes) {
    if (path === undefined) continue;
    const health = new HealthCheck(gates, { ...check, probe }, 'licenseGateHealthPlugin');
    fastify.get(path, async (_request, reply) => {
      const { statusCode, body } = health.answer();
      return reply.code(statusCode).header('cache-control', 'no-store').send(body);
    });
  }
};
