import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { DrawdownMode } from './drawdown-options.js';
import type { FailureTracker } from './journal/failure-tracker.js';
import type { Journal } from './journal/journal.js';
import type { Outbox, SendOutcome } from './journal/outbox.js';
import type { QuotaState } from './journal/quota-state.js';
import type { ReservationSettler } from './reservation.js';

/** What every mode of a dimension works with: the journal and its outbox, and what the meter has learnt. */
export interface ModeDeps {
  readonly journal: Journal;
  readonly outbox: Outbox;
  readonly quota: QuotaState;
  readonly failures: FailureTracker;
  readonly clock: Clock;
  readonly logger: Logger;
  /** This engine's id: the owner of the journal records it writes. */
  readonly instanceId: string;
  /**
   * Makes the settler of one kind of reservation of this dimension: the meter wraps `commit` and
   * `cancel` so that it counts the reservation closed once it has settled (stop() waits for that).
   * A mode makes its settlers once, in its constructor: a reservation on the hot path allocates none.
   */
  readonly settler: (
    commit: (units: number) => Promise<void> | undefined,
    cancel: (units: number) => void,
    /** The settler of late reservations (`reserveLater`): opened with no units, so closed with none. */
    late?: boolean,
  ) => ReservationSettler;
}

/** What a mode adds to the dimension's `DrawdownStats`: its pending units and what it holds ahead. */
export interface ModeStats {
  /** Units not reported yet (see `DrawdownStats.pending`). */
  readonly pending: number;
  /** `reserve`: units left in the shared block, as last seen. */
  readonly blockRemaining?: number;
  /** `sync` and `batch`: units checked out ahead and kept as credit, as last seen. */
  readonly credit?: number;
}

/**
 * One drawdown dimension in its mode — `sync/`, `batch/` or `reserve/`, one class each. The
 * `DrawdownMeter` picks the class once per dimension and then calls only this: checking units,
 * the dimension's state (started, stopped, known dimension) and open-reservation counting are the
 * meter's; everything that differs between modes is here.
 */
export interface DimensionMode {
  /** The mode, as configured. */
  readonly mode: DrawdownMode;
  /** How often pending units are reported on a timer (`batch`), or `undefined` when nothing waits for one. */
  readonly flushIntervalMs: number | undefined;
  /**
   * Units of this engine not acknowledged by License Manager yet (what stop() reports as unreported).
   * `reserve` mode never serves units it has not checked out: 0.
   */
  readonly unreported: number;
  /**
   * Units charged in this dimension by this engine since it started: reservations committed and
   * debits that succeeded (what `DrawdownStats.debited` and the `licensegate.drawdown.debited`
   * metric report). A plain counter: the hot path adds to it, nothing more.
   */
  readonly debited: number;
  /**
   * Debits `units` (positive) of work already done.
   * @throws QuotaExhaustedError, LicenseUnavailableError, the store's error (nothing debited)
   */
  debit(units: number): Promise<void>;
  /**
   * Admits a reservation of `units` (positive) at once when the mode can without waiting, calling
   * the store or License Manager: the hot path. `undefined` when it would wait (then call {@link hold}).
   * @returns the settler of the reservation
   * @throws QuotaExhaustedError when the pool is known to be used up
   */
  holdNow(units: number): ReservationSettler | undefined;
  /**
   * Holds `units` (positive) for a piece of work, waiting, calling the store or License Manager as
   * the mode needs.
   * @returns the settler of the reservation
   * @throws QuotaExhaustedError, LicenseUnavailableError, LicenseGateError `ERR_LG_STOPPED`, the store's error
   */
  hold(units: number): Promise<ReservationSettler>;
  /** The settler of charges whose units are known only when their work has ended (`reserveLater`). */
  readonly late: ReservationSettler;
  /**
   * Sends what is pending now (`batch`: sealed first), with every record waiting for a retry.
   * License Manager failures do not reject.
   * @throws the store's error when pending units could not be sealed
   */
  flush(): Promise<void>;
  /** The flush interval has passed ({@link flushIntervalMs}). */
  intervalDue(): void;
  /** A send of one of this dimension's journal records ended. */
  sent(outcome: SendOutcome): void;
  /** What the mode adds to the dimension's stats; `openUnits` are the units of its open reservations. */
  stats(openUnits: number): ModeStats;
  /** The meter is stopping: new work is refused; work waiting for room looks again. */
  stopping(): void;
  /** At stop, once open reservations have settled (or the drain timed out): seals and writes what the mode keeps. */
  drainAtStop(): Promise<void>;
  /** At stop, after every dimension was drained: sends what is left of this dimension. */
  reportAtStop(): Promise<void>;
}
