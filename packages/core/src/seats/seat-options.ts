import { LEASE_TTL_MS } from '../constants.js';
import type { ResolvedGateOptions } from '../gate-options.js';
import { checkUnit, fail, isObject, wholeNumber } from '../validation/option-checks.js';
import { assertKnownOptions } from '../validation/unknown-options.js';

/** Floating seats: one unit of a counted entitlement per holder, taken and returned. */
export interface SeatOptions {
  /** The license's floating entitlement, e.g. `ConcurrentUsers`. */
  entitlement: string;
  /** Its unit in the license. Default `Count`. */
  unit?: string;
  /** A seat unused (no `touch`) for this long is returned. Default 30 minutes. */
  idleTimeoutMs?: number;
  /** A held seat is extended this long after its checkout or last extension, with jitter. Default 30 minutes (half the lease). */
  keepAliveMs?: number;
  /** Wait for a seat instead of failing at once: a bounded queue with a timeout. Default: no waiting. */
  wait?: { timeoutMs: number; maxWaiters?: number; pollMs?: number };
}

/** Seat options with every default applied. */
export interface ResolvedSeatOptions {
  readonly entitlement: string;
  readonly unit: string;
  readonly idleTimeoutMs: number;
  readonly keepAliveMs: number;
  readonly wait: { readonly timeoutMs: number; readonly maxWaiters: number; readonly pollMs: number } | undefined;
}

/** The gate-wide options the seat pool reads. */
export type SeatPoolOptions = Pick<
  ResolvedGateOptions,
  'productSku' | 'store' | 'clock' | 'logger' | 'onUnavailable' | 'graceMs'
>;

const SEAT_KEYS: readonly (keyof SeatOptions)[] = ['entitlement', 'unit', 'idleTimeoutMs', 'keepAliveMs', 'wait'];

/**
 * Checks the `seats` option and applies its defaults; `undefined` when not given.
 * @throws LicenseGateConfigurationError `ERR_LG_OPTION_SEATS`
 */
export function resolveSeatOptions(seats: unknown): ResolvedSeatOptions | undefined {
  if (seats === undefined) return undefined;
  const code = 'ERR_LG_OPTION_SEATS';
  if (!isObject(seats))
    fail(code, `seats must be an object such as { entitlement: 'ConcurrentUsers' }; got ${JSON.stringify(seats)}.`);
  assertKnownOptions(seats, SEAT_KEYS, (message) => fail(code, message), { where: 'seats', known: SEAT_KEYS });
  if (typeof seats['entitlement'] !== 'string' || seats['entitlement'].trim() === '') {
    fail(
      code,
      `seats.entitlement must name the license's floating entitlement, e.g. 'ConcurrentUsers'; got ${JSON.stringify(seats['entitlement'])}.`,
    );
  }
  const keepAliveMs = wholeNumber(
    code,
    'seats.keepAliveMs',
    seats['keepAliveMs'],
    LEASE_TTL_MS / 2,
    1_000,
    LEASE_TTL_MS - 60_000,
  );
  const idleTimeoutMs = wholeNumber(
    code,
    'seats.idleTimeoutMs',
    seats['idleTimeoutMs'],
    30 * 60_000,
    1_000,
    30 * 24 * 60 * 60_000,
  );
  let wait: ResolvedSeatOptions['wait'];
  if (seats['wait'] !== undefined && seats['wait'] !== false) {
    const w = seats['wait'];
    if (!isObject(w)) fail(code, 'seats.wait must be { timeoutMs, maxWaiters?, pollMs? } or false.');
    wait = {
      timeoutMs: wholeNumber(code, 'seats.wait.timeoutMs', w['timeoutMs'], NaN, 1, 10 * 60_000),
      maxWaiters: wholeNumber(code, 'seats.wait.maxWaiters', w['maxWaiters'], 100, 1, 100_000),
      pollMs: wholeNumber(code, 'seats.wait.pollMs', w['pollMs'], 5_000, 10, 60_000),
    };
    if (Number.isNaN(wait.timeoutMs))
      fail(code, 'seats.wait.timeoutMs is required: how long a request may wait for a seat, in ms.');
  }
  return {
    entitlement: seats['entitlement'] as string,
    unit: checkUnit(code, 'seats', seats['unit']),
    idleTimeoutMs,
    keepAliveMs,
    wait,
  };
}
