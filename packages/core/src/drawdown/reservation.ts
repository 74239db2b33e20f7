import { LicenseGateError } from '../errors.js';

/**
 * Units held for one piece of work (two-phase charging): `commit()` once the work succeeded, or
 * `cancel()` when it failed. PERPETUAL units cannot be returned to License Manager, so work that
 * failed must not be charged. Each reservation is settled once: a second `commit()` or `cancel()`
 * fails with `ERR_LG_RESERVATION_SETTLED`.
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
 * A {@link Reservation} whose two outcomes are given as functions; settles once. The commit
 * function answers `undefined` when it is done at once (nothing to wait for).
 */
export class SettlingReservation implements Reservation {
  readonly dimension: string;
  readonly units: number;
  #state: Reservation['state'] = 'open';
  readonly #onCommit: () => Promise<void> | undefined;
  readonly #onCancel: () => void;

  constructor(dimension: string, units: number, onCommit: () => Promise<void> | undefined, onCancel: () => void) {
    this.dimension = dimension;
    this.units = units;
    this.#onCommit = onCommit;
    this.#onCancel = onCancel;
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
      return this.#onCommit();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** @inheritDoc */
  cancel(): void {
    if (this.#state !== 'open') throw this.#settled('cancel');
    this.#state = 'cancelled';
    this.#onCancel();
  }

  #settled(action: string): LicenseGateError {
    return new LicenseGateError(
      'ERR_LG_RESERVATION_SETTLED',
      `Cannot ${action} this reservation of ${this.units} ${this.dimension} units: it is already ${this.#state}. Commit or cancel each reservation once.`,
    );
  }
}
