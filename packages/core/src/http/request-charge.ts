import type { DrawdownMeter } from '../drawdown/drawdown-meter.js';
import { SettlingReservation, type Reservation } from '../drawdown/reservation.js';
import { QuotaExhaustedError } from '../errors.js';

const RESOLVED = Promise.resolve();

/**
 * What one request costs, in a dimension's units: a number; a function of the request (known
 * before the work); or a function of the request and the response (known only when the response
 * has finished, e.g. the size of what was backed up).
 */
export type UnitsOf<Req, Res> = number | ((req: Req) => number) | ((req: Req, res: Res) => number);

/**
 * One request's drawdown charge, for any HTTP framework: opened before the handler runs, settled
 * when the response has finished. Units are charged only when the work succeeded (PERPETUAL units
 * cannot be returned); a failed or aborted request is not charged.
 *
 * - Units known up front are reserved before the handler (`reserve` mode takes them from the
 *   block, so a used-up pool is refused before any work), then committed or cancelled.
 * - Units known only at the end: the pool is checked before the handler (a used-up pool is
 *   refused up front), and the units are debited when the response succeeded. In `reserve` mode
 *   such a request can be served when the block runs dry at its end: at most one request's units.
 */
export class RequestCharge<Req, Res> {
  readonly #meter: DrawdownMeter;
  readonly #dimension: string;
  readonly #late: ((req: Req, res: Res) => number) | undefined;
  readonly #reservation: Reservation | undefined;
  #settled = false;

  private constructor(
    meter: DrawdownMeter,
    dimension: string,
    late: ((req: Req, res: Res) => number) | undefined,
    reservation: Reservation | undefined,
  ) {
    this.#meter = meter;
    this.#dimension = dimension;
    this.#late = late;
    this.#reservation = reservation;
  }

  /** Whether the units are read only when the response has finished. */
  static isLate<Req, Res>(units: UnitsOf<Req, Res>): units is (req: Req, res: Res) => number {
    return typeof units === 'function' && units.length >= 2;
  }

  /**
   * Opens a charge before the handler runs.
   * @throws QuotaExhaustedError (402), InvalidUnitsError (a bad value from the app), LicenseUnavailableError
   */
  static async open<Req, Res>(
    meter: DrawdownMeter,
    dimension: string,
    units: UnitsOf<Req, Res>,
    req: Req,
  ): Promise<RequestCharge<Req, Res>> {
    return RequestCharge.begin(meter, dimension, units, req);
  }

  /**
   * Opens a charge before the handler runs, at once when that needs no wait — the hot path of an
   * adapter, which can then call the handler in the same tick: the charge itself when the units are
   * held now (`batch` mode within its bound, `sync` mode, units read at the end), or a promise of it
   * when they need a wait or a store call (`batch` mode at its bound, `reserve` mode). Use
   * {@link open} when a promise is wanted either way. A charge answered at once holds nothing that
   * must be given back: when its response never closes (the client left before it was opened),
   * leaving it unsettled charges nothing and loses nothing.
   * @throws QuotaExhaustedError (402), InvalidUnitsError (a bad value from the app),
   *   LicenseUnavailableError — synchronously when known at once, else through the promise
   */
  static begin<Req, Res>(
    meter: DrawdownMeter,
    dimension: string,
    units: UnitsOf<Req, Res>,
    req: Req,
  ): RequestCharge<Req, Res> | Promise<RequestCharge<Req, Res>> {
    if (RequestCharge.isLate(units)) {
      if (meter.isExhausted(dimension)) throw new QuotaExhaustedError(dimension);
      return new RequestCharge(meter, dimension, units, undefined);
    }
    // The units function runs once, here; a wait below reuses its answer.
    const count = typeof units === 'number' ? units : (units as (req: Req) => number)(req);
    const now = meter.tryReserve(dimension, count);
    if (now !== undefined) return new RequestCharge<Req, Res>(meter, dimension, undefined, now);
    return meter
      .reserve(dimension, count)
      .then((reservation) => new RequestCharge<Req, Res>(meter, dimension, undefined, reservation));
  }

  /**
   * Settles once: charges when `succeeded`, releases the reservation otherwise. Later calls do
   * nothing (a response can both finish and close). Never throws: every failure rejects.
   * @throws InvalidUnitsError when a late units function returns a bad value (nothing is charged)
   */
  settle(succeeded: boolean, req: Req, res: Res): Promise<void> {
    return this.settleNow(succeeded, req, res) ?? RESOLVED;
  }

  /**
   * {@link settle} for a request's hot path: `undefined` when the charge is settled already
   * (nothing is left to wait for, and nothing can fail later — e.g. batch mode with a store of
   * this process alone), else a promise that rejects when the charge failed (nothing is charged
   * then). Never throws.
   */
  settleNow(succeeded: boolean, req: Req, res: Res): Promise<void> | undefined {
    if (this.#settled) return undefined;
    this.#settled = true;
    try {
      const reservation = this.#reservation;
      if (reservation !== undefined) {
        if (!succeeded) return void reservation.cancel();
        return reservation instanceof SettlingReservation ? reservation.commitNow() : reservation.commit();
      }
      if (succeeded && this.#late !== undefined) return this.#meter.debit(this.#dimension, this.#late(req, res));
      return undefined;
    } catch (error) {
      return Promise.reject(error);
    }
  }
}
