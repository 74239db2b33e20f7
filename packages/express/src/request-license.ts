import type { LicenseGate, SeatView } from '@licensegate/core';

/**
 * What handlers find on `req.license`: the tier the license grants now, a tier check, and the
 * session's seat (when a seat middleware ran).
 */
export class RequestLicense {
  readonly #gate: LicenseGate;
  /** The seat this request's session holds, when `acquireSeat()` or `requireSeat()` ran. */
  readonly seat: SeatView | undefined;

  constructor(gate: LicenseGate, seat?: SeatView) {
    this.#gate = gate;
    this.seat = seat;
  }

  /** The tier granted now, or `null`. */
  get tier(): string | null {
    return this.#gate.tier;
  }

  /** Whether the license grants `tier` or higher. */
  hasTier(tier: string): boolean {
    return this.#gate.hasTier(tier);
  }
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Set by licensegate's middleware. */
      license?: RequestLicense;
    }
  }
}
