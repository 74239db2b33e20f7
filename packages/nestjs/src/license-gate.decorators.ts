import { SetMetadata, type CustomDecorator } from '@nestjs/common';
import type { UnitsOf } from '@licensegate/core/http';

import { LICENSE_METADATA, type SeatAction } from './license-gate.constants.js';
import { optionsError } from './license-gate.errors.js';
import type { LicenseGateRequest, LicenseGateResponse } from './license-gate.http.js';

/**
 * What a request costs in a drawdown dimension's units: a number; `(req) => units`, known before
 * the handler runs; or `(req, res) => units`, read when the response has finished. `req` and `res`
 * are the platform's (Express's request and response, or Fastify's request and reply); name their
 * types in the function's parameters, e.g. `(req: FastifyRequest) => ...`, to see all of them.
 */
export type DrawdownUnits<Req = LicenseGateRequest, Res = LicenseGateResponse> = UnitsOf<Req, Res>;

/** What `@Drawdown()` records on a route. */
export interface DrawdownMetadata {
  readonly dimension: string;
  /** Called with the platform's request and response. */
  readonly units: DrawdownUnits<object, object>;
}

function name(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw optionsError('ERR_LG_OPTIONS', `${what} takes a non-empty string; got ${JSON.stringify(value)}.`);
  }
  return value;
}

/**
 * Serves the route only when the license grants `tier` or a higher one; 403 otherwise (503 with
 * `Retry-After` when License Manager is unreachable past the grace). On a class, it covers every
 * route; a method's own `@RequireTier` overrides the class's. Checked by `LicenseGateGuard`,
 * synchronously, from the cached answer. An unknown tier name fails at boot.
 *
 * @example
 * ```ts
 * @Get('reports')
 * @RequireTier('Premium')
 * reports() { ... }
 * ```
 */
export function RequireTier(tier: string): CustomDecorator<string> {
  return SetMetadata(LICENSE_METADATA.tier, name(tier, '@RequireTier(tier)'));
}

/**
 * Charges `units` of a drawdown dimension for each request whose response succeeds (status below
 * 400, or the module's `chargeWhen`); a request whose handler throws, or that is aborted, is not
 * charged. Units known up front are reserved before the handler runs, so a used-up pool answers
 * 402 before any work. Enforced by `LicenseGateGuard` on the route.
 *
 * @param units - a number, `(req) => units`, or `(req, res) => units` read when the response has finished
 *
 * @example
 * ```ts
 * @Post('backup')
 * @Drawdown('DataConsumption', (req) => Number(req.query.gb))
 * backup() { ... }
 * ```
 */
export function Drawdown(dimension: string, units: number): CustomDecorator<string>;
// One signature for both function forms, so that `(req) => ...` and `(req, res) => ...` get their
// parameter types: the platform's when the function names them, else the module's own.
export function Drawdown<Req = LicenseGateRequest, Res = LicenseGateResponse>(
  dimension: string,
  units: (req: Req, res: Res) => number,
): CustomDecorator<string>;
export function Drawdown<Req = LicenseGateRequest, Res = LicenseGateResponse>(
  dimension: string,
  units: DrawdownUnits<Req, Res>,
): CustomDecorator<string>;
export function Drawdown(dimension: string, units: DrawdownUnits<never, never>): CustomDecorator<string> {
  const checked = name(dimension, '@Drawdown(dimension, units)');
  if (typeof units !== 'number' && typeof units !== 'function') {
    throw optionsError(
      'ERR_LG_OPTIONS',
      `@Drawdown(${JSON.stringify(checked)}, units): units must be a number or a function; got ${typeof units}.`,
    );
  }
  const metadata: DrawdownMetadata = { dimension: checked, units: units as DrawdownUnits<object, object> };
  return SetMetadata(LICENSE_METADATA.drawdown, metadata);
}

/**
 * Takes a floating seat for the request's session (or for the module's `seatKey(req)`) before the
 * handler runs, and records it in the session. 403 when none is free (429 with `Retry-After` after
 * waiting, with `seats.wait`). The guard must run after your authentication: see the README.
 *
 * @example
 * ```ts
 * @Post('login')
 * @UseGuards(LoginGuard, LicenseGateGuard)
 * @AcquireSeat()
 * login() { ... }
 * ```
 */
export function AcquireSeat(): CustomDecorator<string> {
  return SetMetadata<string, SeatAction>(LICENSE_METADATA.seat, 'acquire');
}

/**
 * Returns the session's seat before the handler runs (on logout). Idempotent, and never fails the
 * request.
 *
 * @example
 * ```ts
 * @Post('logout')
 * @ReleaseSeat()
 * logout(@Req() req: Request) { ... }
 * ```
 */
export function ReleaseSeat(): CustomDecorator<string> {
  return SetMetadata<string, SeatAction>(LICENSE_METADATA.seat, 'release');
}

/**
 * Serves the route only to a session that holds a seat: touches it (so the idle reaper leaves it),
 * takes a lost seat again when one is free, and answers 403 `seat-required` without a login.
 *
 * @example
 * ```ts
 * @Controller('app')
 * @RequireSeat()
 * export class MembersController { ... }
 * ```
 */
export function RequireSeat(): CustomDecorator<string> {
  return SetMetadata<string, SeatAction>(LICENSE_METADATA.seat, 'require');
}

/**
 * Runs no licensegate step on the route, e.g. a health check in a gated controller.
 * `@SkipLicense(false)` on a method gates it again inside a skipped class.
 *
 * @example
 * ```ts
 * @Get('healthz')
 * @SkipLicense()
 * health() { ... }
 * ```
 */
export function SkipLicense(skip = true): CustomDecorator<string> {
  return SetMetadata(LICENSE_METADATA.skip, skip);
}

/**
 * Checks the route against the gate registered as `LicenseGateModule.forRoot({ name })`, for apps
 * with more than one gate (e.g. one per AWS Marketplace product). Without it, the `'default'` gate.
 *
 * @example
 * ```ts
 * @Controller('reports')
 * @UseLicenseGate('tiers')
 * export class ReportsController { ... }
 * ```
 */
export function UseLicenseGate(gateName: string): CustomDecorator<string> {
  return SetMetadata(LICENSE_METADATA.gate, name(gateName, '@UseLicenseGate(name)'));
}
