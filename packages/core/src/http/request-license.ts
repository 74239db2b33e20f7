import type { LicenseGate } from '../gate.js';
import type { SeatView } from '../seats/seat-record.js';

/**
 * What a request handler learns about the license, whatever the framework (`req.license` in
 * Express, `@License()` in NestJS): the tier granted now, a tier check, and the session's seat
 * when a seat step ran.
 */
export class RequestLicense {
  readonly #gate: LicenseGate;
  /** The seat this request's session holds, when a seat step ran. */
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
