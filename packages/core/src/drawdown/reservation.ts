import { LicenseGateError } from '../errors.js';
import { checkUnits } from './units.js';

/**
 * Units held for one piece of work (two-phase charging): `commit()` once the work succeeded, or
 * `cancel()` when it failed. PERPETUAL units cannot be returned to License Manager, so work that
 * failed must not be charged. Each reservation is settled once: a second `commit()` or `cancel()`
 * fails with `ERR_LG_RESERVATION_SETTLED`. Settle every one: until then its units are held (room
 * under the batch bound, units of a block, units checked out ahead), and `stop()` waits for it.
 */
export interface Reservation {
  /** The dimension, e.g. `DataConsumption`. */
  readonly dimension: string;
  /** The units held. */
  readonly units: number;
  /** `open` until settled. */
  readonly state: 'open' | 'committed' | 'cancelled';
  /**
   * Charges the units. In `batch` mode they are journaled (and reported with the next batch), in
   * `sync` mode checked out now, in `reserve` mode they were taken from a block already.
   * @throws LicenseGateError `ERR_LG_RESERVATION_SETTLED` when already committed or cancelled
   */
  commit(): Promise<void>;
  /**
   * Releases the units without charging them (`reserve` mode gives them back to the block).
   * @throws LicenseGateError `ERR_LG_RESERVATION_SETTLED` when already committed or cancelled
   */
  cancel(): void;
}

const RESOLVED = Promise.resolve();

/**
 * How the reservations of one dimension and kind are settled: ONE object per dimension, shared by
 * all its reservations, so a reservation on the hot path is one small object.
 */
export interface ReservationSettler {
  /** Charges `units`; `undefined` when done at once (nothing left to wait for), else a promise. May throw. */
  commitReserved(units: number): Promise<void> | undefined;
  /** Releases `units` without charging them. */
  cancelReserved(units: number): void;
}

/** Settles nothing: a reservation of 0 units. */
export const NOTHING_TO_SETTLE: ReservationSettler = {
  commitReserved: () => undefined,
  cancelReserved: () => undefined,
};

/** A {@link Reservation} settled once, through its dimension's {@link ReservationSettler}. */
export class SettlingReservation implements Reservation {
  readonly dimension: string;
  readonly units: number;
  #state: Reservation['state'] = 'open';
  readonly #settler: ReservationSettler;

  constructor(dimension: string, units: number, settler: ReservationSettler) {
    this.dimension = dimension;
    this.units = units;
    this.#settler = settler;
  }

  /** @inheritDoc */
  get state(): Reservation['state'] {
    return this.#state;
  }

  /** @inheritDoc */
  commit(): Promise<void> {
    return this.commitNow() ?? RESOLVED;
  }

  /**
   * {@link commit} for a request's hot path: `undefined` when the commit is done (nothing is left
   * to wait for, and nothing can fail later), else its promise. Never throws: a failure, a second
   * settle included, comes back as a rejected promise.
   */
  commitNow(): Promise<void> | undefined {
    if (this.#state !== 'open') return Promise.reject(this.#settled('commit'));
    this.#state = 'committed';
    try {
      return this.#settler.commitReserved(this.units);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** @inheritDoc */
  cancel(): void {
    if (this.#state !== 'open') throw this.#settled('cancel');
    this.#state = 'cancelled';
    this.#settler.cancelReserved(this.units);
  }

  #settled(action: string): LicenseGateError {
    return new LicenseGateError(
      'ERR_LG_RESERVATION_SETTLED',
      `Cannot ${action} this reservation of ${this.units} ${this.dimension} units: it is already ${this.#state}. Commit or cancel each reservation once.`,
    );
  }
}

/**
 * A charge whose units are known only when the work has ended: `commit(units)` debits them then,
 * `cancel()` charges nothing. Settled once, like a {@link Reservation}.
 */
export class LateReservation {
  readonly dimension: string;
  #state: Reservation['state'] = 'open';
  readonly #settler: ReservationSettler;

  /**
   * Made by `DrawdownMeter.reserveLater()`, with its dimension's settler.
   * @internal
   */
  constructor(dimension: string, settler: ReservationSettler) {
    this.dimension = dimension;
    this.#settler = settler;
  }

  /** `open` until settled. */
  get state(): Reservation['state'] {
    return this.#state;
  }

  /**
   * Debits `units`: `undefined` when done at once, else a promise. Never throws: a failure (bad
   * units, a second settle, a refusal) comes back as a rejected promise, and nothing is charged.
   */
  commitNow(units: number): Promise<void> | undefined {
    if (this.#state !== 'open') return Promise.reject(this.#settled('commit'));
    this.#state = 'committed';
    let count: number;
    try {
      count = checkUnits(this.dimension, units);
    } catch (error) {
      this.#settler.cancelReserved(0);
      return Promise.reject(error);
    }
    try {
      return count === 0 ? (this.#settler.cancelReserved(0), undefined) : this.#settler.commitReserved(count);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Charges nothing. @throws LicenseGateError `ERR_LG_RESERVATION_SETTLED` when already settled */
  cancel(): void {
    if (this.#state !== 'open') throw this.#settled('cancel');
    this.#state = 'cancelled';
    this.#settler.cancelReserved(0);
  }

  #settled(action: string): LicenseGateError {
    return new LicenseGateError(
      'ERR_LG_RESERVATION_SETTLED',
      `Cannot ${action} this ${this.dimension} charge: it is already ${this.#state}. Settle each charge once.`,
    );
  }
}
