import type { FastifyReply, FastifyRequest } from 'fastify';
import { LicenseGateConfigurationError } from '@licensegate/core';
import { assertKnownOptions, type UnitsOf } from '@licensegate/core/http';

/**
 * What a request costs in a drawdown dimension's units: a number; `(request) => units`, known
 * before the handler runs; or `(request, reply) => units`, read when the response has finished.
 */
export type DrawdownUnits = UnitsOf<FastifyRequest, FastifyReply>;

/** A route's drawdown charge: `units` of `dimension` for each request whose response succeeds. */
export interface DrawdownRouteConfig {
  /** The drawdown dimension (an entitlement the gate meters, e.g. `DataConsumption`). */
  readonly dimension: string;
  /** What one request costs; see {@link DrawdownUnits}. */
  readonly units: DrawdownUnits;
}

/** A route's seat step: take the session's seat (login), return it (logout), or require one. */
export type SeatStep = 'acquire' | 'release' | 'require';

const SEAT_STEPS: readonly SeatStep[] = ['acquire', 'release', 'require'];

/**
 * What a route asks of the license, under its `config.licensegate`:
 * `{ config: { licensegate: { tier: 'Premium' } } }` or `{ licensegate: { drawdown: { dimension, units } } }`.
 */
export interface LicenseGateRouteConfig {
  /** 403 unless the license grants this tier or a higher one (503 + Retry-After when it cannot be checked). */
  readonly tier?: string;
  /**
   * The route's seat step, run after the route's own `preHandler` hooks (your login):
   * `'acquire'` takes the session's floating seat (403 when none is free), `'release'` returns it,
   * `'require'` answers 403 `seat-required` unless the session holds one.
   */
  readonly seat?: SeatStep;
  /** Charges drawdown units for each request whose response succeeds; 402 when the pool is used up. */
  readonly drawdown?: DrawdownRouteConfig;
}

const ROUTE_KEYS = ['tier', 'seat', 'drawdown'];
const DRAWDOWN_KEYS = ['dimension', 'units'];

function invalid(route: string, message: string): never {
  throw new LicenseGateConfigurationError('ERR_LG_OPTIONS', `Route ${route}: config.licensegate ${message}`);
}

function known(value: object, keys: readonly string[], route: string, where: string): void {
  assertKnownOptions(
    value,
    keys,
    (message) => {
      throw new LicenseGateConfigurationError('ERR_LG_OPTION_UNKNOWN', `Route ${route}: ${message}`);
    },
    { where, known: keys },
  );
}

/**
 * Reads and checks a route's `config.licensegate` (`undefined`: the route asks nothing). The shape
 * only: the tier and the dimension are checked against the gate by the steps made from it.
 * @param route - the route as the errors name it, e.g. `GET /reports`
 * @throws LicenseGateConfigurationError ERR_LG_OPTIONS (a value of the wrong type) or
 *   ERR_LG_OPTION_UNKNOWN (a misspelt key)
 */
export function readRouteConfig(value: unknown, route: string): LicenseGateRouteConfig | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== 'object') invalid(route, 'must be an object: { tier?, seat?, drawdown? }.');
  known(value, ROUTE_KEYS, route, 'config.licensegate');
  const { tier, seat, drawdown } = value as { tier?: unknown; seat?: unknown; drawdown?: unknown };
  if (tier !== undefined && typeof tier !== 'string') invalid(route, `tier must be a tier name; got ${typeof tier}.`);
  if (seat !== undefined && !SEAT_STEPS.includes(seat as SeatStep)) {
    invalid(route, `seat must be 'acquire', 'release' or 'require'; got ${JSON.stringify(seat)}.`);
  }
  const steps = { tier, seat: seat as SeatStep | undefined };
  if (drawdown === undefined) return steps;
  if (drawdown === null || typeof drawdown !== 'object') {
    invalid(route, 'drawdown must be an object: { dimension, units }.');
  }
  known(drawdown, DRAWDOWN_KEYS, route, 'config.licensegate.drawdown');
  const { dimension, units } = drawdown as { dimension?: unknown; units?: unknown };
  if (typeof dimension !== 'string')
    invalid(route, `drawdown.dimension must be a dimension name; got ${typeof dimension}.`);
  // The units are checked by the drawdown step (a number or a function; a whole number of units).
  return { ...steps, drawdown: { dimension, units: units as DrawdownUnits } };
}

/** How the errors name a route: `GET /reports`, `GET,HEAD /reports`. */
export function routeName(method: string | readonly string[], url: string): string {
  return `${typeof method === 'string' ? method : method.join(',')} ${url}`;
}
