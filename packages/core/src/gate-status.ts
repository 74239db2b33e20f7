/**
 * What the gate reports of itself: `gate.status()` and what `gate.stop()` leaves behind. Apart from
 * the gate so that what reads them (the start and stop lines, the metrics) need not import the gate.
 *
 * @module
 */
import type { UnavailablePolicy } from './policy/unavailable-policy.js';

/** What `gate.stop()` leaves behind. */
export interface LicenseGateStopReport {
  /** Whether every drawdown charge of the requests in flight settled within `drainTimeoutMs`. */
  readonly drained: boolean;
  /**
   * Drawdown units License Manager had not acknowledged when stop() ended, per dimension (only
   * those above 0): left in the store for the next start on a durable store (Redis, the file
   * store), lost with a `MemoryStore`. Logged as `licensegate.drawdown.unreported_at_stop`.
   */
  readonly unreportedUnits: Readonly<Record<string, number>>;
  /** Units of charges still open at the drain deadline, per dimension: their requests had not ended, and are not charged. */
  readonly openUnits: Readonly<Record<string, number>>;
  /** Seats in use left to the other live instances of a shared store (a rolling restart). */
  readonly seatsHandedOver: number;
  /** Seats left recorded in the store: those handed over, and those that could not be returned in time. */
  readonly seatsLeft: number;
  /** Seats this engine checked in at stop. */
  readonly seatsReturned: number;
  /** Drawdown units License Manager acknowledged to this engine since it started, per dimension (stop's reports included). */
  readonly unitsReported: Readonly<Record<string, number>>;
}

/** `gate.status()`: a plain object for a health endpoint. It holds no tokens. */
export interface LicenseGateStatus {
  productSku: string;
  /** `idle` (not started), `starting`, `running` or `stopped`. */
  state: 'idle' | 'starting' | 'running' | 'stopped';
  /** The tier granted now, or `null`. */
  tier: string | null;
  tiers: readonly string[];
  /** Why no tier is granted, when none is. */
  reason: string | null;
  license: { arn: string; status: string; version: string | null; expiresAt: string | null } | null;
  /** When License Manager last gave an answer. */
  lastCheckedAt: string | null;
  nextRefreshAt: string | null;
  /** License Manager cannot be reached now (or refuses the app's setup). */
  degraded: boolean;
  degradedSince: string | null;
  /** Under the `grace` policy, until when the last good answer is served. */
  graceEndsAt: string | null;
  policy: UnavailablePolicy;
  lastError: { code: string; name: string; message: string } | null;
  /** License Manager calls made so far. */
  calls: number;
  /** Seats this engine keeps alive, when the gate has seats. */
  seats: { entitlement: string; heldHere: number; limit: number | null } | null;
}
