/**
 * What the soak's product sells and how its gate is set up: three tiers, floating seats, and one
 * drawdown dimension per mode — with the numbers the figures are judged against.
 */
import type { SeedLicense } from '@licensegate/emulator';
import { MINUTE, SECOND, marketplaceLicense } from '@licensegate/testkit';

/** The tiers, lowest first; a tier route of each. */
export const TIERS = ['Basic', 'Intermediate', 'Premium'] as const;
/** A tier's name. */
export type Tier = (typeof TIERS)[number];

/** The seat entitlement. */
export const SEAT_ENTITLEMENT = 'ConcurrentUsers';

/** The drawdown modes, one route and one dimension each. */
export const MODES = ['sync', 'batch', 'reserve'] as const;
/** A drawdown mode. */
export type Mode = (typeof MODES)[number];

/** The drawdown dimension (license entitlement) of each mode. */
export const DIMENSIONS: Readonly<Record<Mode, string>> = {
  sync: 'UnitsSync',
  batch: 'UnitsBatch',
  reserve: 'UnitsReserve',
};

/** How the gate is set up. Short intervals so that a phase sees refreshes, grace and recovery. */
export const GATE = {
  /** The tier answer is refreshed this often (the default is 15 minutes). */
  refreshIntervalMs: 5 * MINUTE,
  /** `onUnavailable: 'grace'` serves the last good answer this long (the default is an hour). */
  graceMs: 10 * MINUTE,
  /** Batch mode: at most this many units unreported per engine. */
  batchUnits: 100,
  batchIntervalMs: MINUTE,
  /** Reserve mode: blocks of this many units are checked out ahead. */
  blockUnits: 50,
  /** Seats are returned after this long unused. */
  idleTimeoutMs: 30 * MINUTE,
  /** Retries of one License Manager call: a few, with short real-time backoff. */
  retry: { attempts: 3, baseDelayMs: 2, maxDelayMs: 20, deadlineMs: 2 * SECOND },
} as const;

/** A pool that no phase runs out of. */
export const LARGE_POOL = 100_000_000;
/** The pool of the phase that runs it out, and what a renewal adds. */
export const SMALL_POOL = 1_000;

/** Units of one drawdown request: at most this many (never more than `batchUnits`). */
export const MAX_UNITS = { normal: 20, exhaustion: 50 } as const;

/** What a license grants at one moment. */
export interface Grant {
  readonly tier: Tier;
  readonly seats: number;
  /** The drawdown pool of each mode's dimension. */
  readonly pool: Readonly<Record<Mode, number>>;
}

/** The license's entitlements for a grant. */
export function entitlementsOf(grant: Grant): SeedLicense['Entitlements'] {
  return [
    { Name: grant.tier, Value: 'Enabled', Unit: 'None' },
    { Name: SEAT_ENTITLEMENT, MaxCount: grant.seats, Overage: false, Unit: 'Count', AllowCheckIn: true },
    ...MODES.map((mode) => ({
      Name: DIMENSIONS[mode],
      MaxCount: grant.pool[mode],
      Overage: false,
      Unit: 'Count',
      AllowCheckIn: true,
    })),
  ];
}

/** An AWS Marketplace license of `sku` with `grant`'s entitlements (60-minute seat leases). */
export function soakLicense(sku: string, grant: Grant): SeedLicense {
  return marketplaceLicense(sku, entitlementsOf(grant));
}

/** The rank of a tier (0 = Basic). */
export function rankOf(tier: Tier): number {
  return TIERS.indexOf(tier);
}
