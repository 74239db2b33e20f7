import { LEASE_TTL_MS } from '../constants.js';
import type { Clock } from '../clock.js';
import {
  LicenseGateConfigurationError,
  LicenseUnavailableError,
  NoLicenseError,
  SeatContentionError,
  SeatsExhaustedError,
} from '../errors.js';
import type { Logger } from '../logger.js';
import { maxCountOf, unusableReason, type KnownLicense } from '../license/known-license.js';
import type { ResolvedSeatOptions } from './seat-options.js';
import { LicenseManagerCallError, type LicenseSource } from '../source/license-source.js';
import type { StoreRecord } from '../store/store.js';
import type { SeatActivity } from './seat-activity.js';
import type { SeatEvents, SeatRecord, SeatReleaseReason } from './seat-record.js';
import type { SeatRecords } from './seat-records.js';

/** How long a checkout whose answer was lost waits before it is resolved (and a failed check-in before it is retried). */
export const UNCERTAIN_RETRY_MS = 30_000;

/** When each seat's next piece of work is due: the seat pool's one deadline queue. */
export interface SeatSchedule {
  /** Runs the seat's work (keep-alive, resolution, check-in) at `at` (clock ms). */
  schedule(key: string, at: number): void;
  /** Unschedules the seat. */
  cancel(key: string): void;
}

/** What {@link SeatCheckouts} works with. */
export interface SeatCheckoutsDeps {
  readonly seats: ResolvedSeatOptions;
  readonly source: LicenseSource;
  readonly records: SeatRecords;
  readonly activity: SeatActivity;
  readonly schedule: SeatSchedule;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The license as the gate knows it: its maximum and whether it is usable explain a refusal. */
  readonly license: KnownLicense;
  readonly emit: <K extends keyof SeatEvents>(event: K, payload: SeatEvents[K]) => void;
  /** Whether the pool is stopped: no retry is scheduled then, and a seat taken meanwhile goes back. */
  readonly stopped: () => boolean;
  /** A seat went back: one waiting acquisition may take it. */
  readonly returned: () => void;
}

/**
 * Checkouts and check-ins of seats, and the replay of a checkout whose answer was lost.
 *
 * A checkout (PROVISIONAL, `Value=1`) carries the ClientToken written in the seat's record before
 * the call. When its answer is lost, the record stays with that token: the same call, replayed,
 * gets the seat License Manager took (or takes it now), so a lost answer never costs a second seat
 * — the keep-alive resolves and checks in such a record, or the next acquisition of its key uses it.
 */
export class SeatCheckouts {
  readonly #deps: SeatCheckoutsDeps;

  constructor(deps: SeatCheckoutsDeps) {
    this.#deps = deps;
  }

  /** The license's maximum for the seat entitlement, where known. */
  limit(): number | undefined {
    return maxCountOf(this.#deps.license.license, this.#deps.seats.entitlement);
  }

  /**
   * Checks out the seat a pending record (written at `version`, with its ClientToken) stands for,
   * and records the token.
   * @returns the record of the seat held
   * @throws SeatsExhaustedError or NoLicenseError when License Manager refuses (the record is deleted)
   * @throws LicenseUnavailableError when the answer is unknown (the record stays, to be resolved)
   * @throws SeatContentionError, or `ERR_LG_STOPPED`, when the seat taken had to be given back
   */
  async checkOut(key: string, pending: SeatRecord, version: number): Promise<SeatRecord> {
    const { source, seats, records, clock } = this.#deps;
    let checkout;
    try {
      checkout = await source.checkout({
        checkoutType: 'PROVISIONAL',
        entitlements: [{ name: seats.entitlement, unit: seats.unit, value: '1' }],
        clientToken: pending.clientToken,
      });
    } catch (error) {
      if (error instanceof LicenseManagerCallError && error.kind === 'definitive') {
        await records.delete(key, version);
        const limit = this.limit();
        this.#deps.emit('seatDenied', { key, limit });
        const unusable =
          error.awsName === 'ResourceNotFoundException'
            ? 'no-license'
            : unusableReason(this.#deps.license.license, clock.now());
        if (unusable !== undefined)
          throw new NoLicenseError(
            unusable,
            `No ${seats.entitlement} seat can be taken: the license is ${unusable === 'no-license' ? 'missing for this product and issuer' : unusable}.`,
          );
        throw new SeatsExhaustedError(seats.entitlement, limit);
      }
      // The answer is unknown: the seat may have been taken. Keep the record with its ClientToken;
      // the keep-alive resolves it (the same token replays the same checkout) and checks it in.
      this.#deps.schedule.schedule(key, clock.now() + UNCERTAIN_RETRY_MS);
      const retryAfterMs = UNCERTAIN_RETRY_MS;
      if (error instanceof LicenseManagerCallError && error.kind === 'configuration') throw error;
      throw new LicenseUnavailableError(
        `Could not take a ${seats.entitlement} seat: ${(error as Error).message}`,
        retryAfterMs,
        { cause: error },
      );
    }
    const now = clock.now();
    const held: SeatRecord = {
      ...pending,
      token: checkout.token,
      leasedAt: now,
      leaseExpiresAt: checkout.expiresAt ?? now + LEASE_TTL_MS,
    };
    if (this.#deps.stopped() || (await records.put(key, held, version)) === undefined) {
      // Stopped meanwhile, or the record changed under us (an adoption race): give the seat back
      // rather than leak it.
      await source.checkIn(checkout.token).catch(() => false);
      if (this.#deps.stopped()) {
        await records.delete(key, version).catch(() => false);
        throw new LicenseGateConfigurationError('ERR_LG_STOPPED', 'The gate was stopped; it takes no more seats.');
      }
      throw new SeatContentionError(key, 'acquired');
    }
    return held;
  }

  /**
   * Marks the record releasing, checks the token in, deletes the record. A record whose checkout's
   * answer was lost (no token) is resolved first: the checkout is replayed with its ClientToken —
   * License Manager answers with the seat it took, or takes it now — and that seat is checked in;
   * a refused replay means no seat was taken. A check-in (or replay) that fails for a transient
   * reason stays marked and is retried until the seat's lease would have ended (License Manager
   * returns it by itself then); what is left at stop stays in the store for the next engine.
   * @param reason - told in `seatReleased`; `undefined` for a lost checkout resolved (never announced)
   */
  async checkIn(
    key: string,
    record: StoreRecord<SeatRecord>,
    reason: SeatReleaseReason | undefined,
  ): Promise<'done' | 'conflict' | 'retrying'> {
    const { source, records, clock, logger, schedule } = this.#deps;
    let version: number | undefined = record.version;
    if (!record.value.releasing) {
      version = await records.put(key, { ...record.value, releasing: true }, record.version);
      if (version === undefined) return 'conflict';
    }
    schedule.cancel(key);
    try {
      const token = record.value.token ?? (await this.#replay(record.value));
      if (token !== null) await source.checkIn(token);
    } catch (error) {
      if (error instanceof LicenseManagerCallError && error.kind === 'definitive') {
        // Checked in already, or expired: License Manager holds no seat for it.
      } else if (clock.now() >= record.value.leaseExpiresAt) {
        // Past the lease: License Manager has returned the seat by itself.
      } else {
        logger.warn(
          { event: 'licensegate.seat.checkin_failed', key, error: (error as Error).message },
          'Seat check-in failed; retrying',
        );
        if (!this.#deps.stopped()) schedule.schedule(key, clock.now() + UNCERTAIN_RETRY_MS);
        return 'retrying';
      }
    }
    await records.delete(key, version);
    this.#deps.activity.returned(key);
    // Announced only for a seat that was announced (seatAcquired): a lost checkout resolved here was never held.
    if (reason !== undefined && record.value.token !== null) this.#deps.emit('seatReleased', { key, reason });
    this.#deps.returned();
    return 'done';
  }

  /**
   * The token of a checkout whose answer was lost: the same call (same ClientToken) replayed.
   * @returns the token, or `null` when License Manager refuses the replay (no seat was taken)
   * @throws the call's error when it fails for another reason (the answer is still unknown)
   */
  async #replay(record: SeatRecord): Promise<string | null> {
    const { source, seats } = this.#deps;
    try {
      const checkout = await source.checkout({
        checkoutType: 'PROVISIONAL',
        entitlements: [{ name: seats.entitlement, unit: seats.unit, value: '1' }],
        clientToken: record.clientToken,
      });
      return checkout.token;
    } catch (error) {
      if (error instanceof LicenseManagerCallError && error.kind === 'definitive') return null;
      throw error;
    }
  }
}
