import type { DrawdownMeter } from '../drawdown/drawdown-meter.js';
import type { ServerResponse } from 'node:http';

import type { LateReservation, Reservation, SettlingReservation } from '../drawdown/reservation.js';
import { endAfterJournal } from './end-after-journal.js';

const RESOLVED = Promise.resolve();

/**
 * What one request costs, in a dimension's units: a number; a function of the request,
 * `(req) => units`, known before the work; or a function of the request and the response,
 * `(req, res) => units`, known only when the response has finished (e.g. the size of what was
 * backed up). The function's declared parameters tell them apart.
 *
 * One function type covers both forms (a function of fewer parameters is assignable to it), so that
 * an arrow function passed inline gets its parameter types from the adapter — `(req) => req.body.gb`
 * type-checks under `strict` with no annotation.
 */
export type UnitsOf<Req, Res> = number | ((req: Req, res: Res) => number);

/**
 * One request's drawdown charge, for any HTTP framework: opened before the handler runs, settled
 * when the response has finished. Units are charged only when the work succeeded (PERPETUAL units
 * cannot be returned); a failed or aborted request is not charged. Every charge opened must be
 * settled — the adapters settle it when the response finishes or its connection closes — since its
 * units are held until then, and `gate.stop()` waits for it.
 *
 * - Units known up front are reserved before the handler, in the dimension's mode (see
 *   `DrawdownMeter.reserve`: room under the batch bound, a checkout ahead in `sync` mode or past
 *   `batchUnits`, a block in `reserve` mode), then committed or cancelled. A request larger than
 *   what is left is refused (402) before any work in `sync` and `reserve` modes, and in `batch`
 *   mode when it is larger than `batchUnits`.
 * - Units known only at the end (`(req, res) => units`): the pool is checked before the handler (a
 *   used-up pool is refused up front), and the units are debited when the response succeeded.
 */
export class RequestCharge<Req, Res> {
  readonly #late: ((req: Req, res: Res) => number) | undefined;
  readonly #reservation: Reservation | LateReservation;
  readonly #writeAhead: boolean;
  #settled = false;

  private constructor(
    meter: DrawdownMeter,
    late: ((req: Req, res: Res) => number) | undefined,
    reservation: Reservation | LateReservation,
  ) {
    this.#writeAhead = meter.journalsBeforeResponse;
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
   * held now (`batch` mode within its bound, units read at the end), or a promise of it when they
   * need a wait, a store call or a License Manager call. Use {@link open} when a promise is wanted
   * either way.
   * @throws QuotaExhaustedError (402), InvalidUnitsError (a bad value from the app),
   *   LicenseUnavailableError — synchronously when known at once, else through the promise
   */
  static begin<Req, Res>(
    meter: DrawdownMeter,
    dimension: string,
    units: UnitsOf<Req, Res>,
    req: Req,
  ): RequestCharge<Req, Res> | Promise<RequestCharge<Req, Res>> {
    if (RequestCharge.isLate(units)) return new RequestCharge(meter, units, meter.reserveLater(dimension));
    // The units function runs once, here; a wait below reuses its answer.
    const count = typeof units === 'number' ? units : (units as (req: Req) => number)(req);
    const now = meter.tryReserve(dimension, count);
    if (now !== undefined) return new RequestCharge<Req, Res>(meter, undefined, now);
    return meter
      .reserve(dimension, count)
      .then((reservation) => new RequestCharge<Req, Res>(meter, undefined, reservation));
  }

  /**
   * On a store that outlives the process (see `DrawdownMeter.journalsBeforeResponse`), holds the
   * response's end until this charge is settled — charged when `succeeded()` says so at the end —
   * so that a client that receives a success has its units journaled (write-ahead; see
   * `endAfterJournal`). Does nothing on other stores, whose charges are settled when the response
   * has finished. Call it before the handler runs.
   * @param node - the Node.js response whose `end()` is held (the framework's own, or under it)
   * @param req - the framework's request, as the units function takes it
   * @param res - the framework's response, as the units function takes it
   * @param failed - told why a charge failed; the response is then destroyed instead of ended
   */
  journalBeforeEnd(
    node: ServerResponse,
    req: Req,
    res: Res,
    succeeded: () => boolean,
    failed: (error: unknown) => void,
  ): void {
    if (!this.#writeAhead) return;
    endAfterJournal(node, () => this.settleNow(succeeded(), req, res), failed);
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
    const reservation = this.#reservation;
    try {
      // Told apart by how the charge was opened, never by class: the meter may be another copy of core's.
      const late = this.#late;
      if (late !== undefined) {
        const lateReservation = reservation as LateReservation;
        if (!succeeded) return void lateReservation.cancel();
        let units: number;
        try {
          units = late(req, res);
        } catch (error) {
          lateReservation.cancel();
          throw error;
        }
        return lateReservation.commitNow(units);
      }
      const now = reservation as Reservation | SettlingReservation;
      if (!succeeded) return void now.cancel();
      return 'commitNow' in now && typeof now.commitNow === 'function' ? now.commitNow() : now.commit();
    } catch (error) {
      return Promise.reject(error);
    }
  }
}
