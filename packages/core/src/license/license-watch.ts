import type { Clock } from '../clock.js';
import type { LicenseInfo } from '../source/license-source.js';
import { SingleTimer } from '../util/single-timer.js';

/** What the watch tells the gate. */
export interface LicenseWatchEvents {
  licenseExpiring: { licenseArn: string; expiresAt: Date; remainingMs: number };
  licenseExpired: { licenseArn: string; expiredAt: Date };
  licenseStatusChanged: { licenseArn: string; previous: string; current: string };
}

/** How the watch reports an event. */
export type LicenseWatchEmit = <K extends keyof LicenseWatchEvents>(event: K, payload: LicenseWatchEvents[K]) => void;

/** Longest single timer (Node's setTimeout limit); longer waits re-arm. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Watches one license's status and validity: tells when the status changes, when `Validity.End`
 * comes within the warning time, and when it has passed — each once per license and end date,
 * however often the license is read again. One timer at most, on the injected clock.
 */
export class LicenseWatch {
  readonly #clock: Clock;
  readonly #warningMs: number;
  readonly #emit: LicenseWatchEmit;
  #license: LicenseInfo | undefined;
  readonly #timer: SingleTimer;
  readonly #told = new Set<string>();

  constructor(clock: Clock, warningMs: number, emit: LicenseWatchEmit) {
    this.#clock = clock;
    this.#warningMs = warningMs;
    this.#emit = emit;
    this.#timer = new SingleTimer(clock, () => this.#evaluate());
  }

  /** The license last seen. */
  get license(): LicenseInfo | undefined {
    return this.#license;
  }

  /** A fresh read of the license (or `undefined`: no license found). */
  update(license: LicenseInfo | undefined): void {
    const previous = this.#license;
    this.#license = license;
    if (
      license !== undefined &&
      previous !== undefined &&
      previous.arn === license.arn &&
      previous.status !== license.status
    ) {
      this.#emit('licenseStatusChanged', {
        licenseArn: license.arn,
        previous: previous.status,
        current: license.status,
      });
    }
    this.#evaluate();
  }

  /** Stops the timer. */
  stop(): void {
    this.#timer.cancel();
  }

  #once(key: string, tell: () => void): void {
    if (this.#told.has(key)) return;
    this.#told.add(key);
    tell();
  }

  #evaluate(): void {
    this.stop();
    const license = this.#license;
    if (license === undefined) return;
    const now = this.#clock.now();
    const end = license.validUntil;
    const endKey = `${license.arn}@${end ?? 'open'}`;
    if (license.status === 'EXPIRED' || (end !== undefined && now >= end)) {
      this.#once(`expired:${endKey}`, () =>
        this.#emit('licenseExpired', { licenseArn: license.arn, expiredAt: new Date(end ?? now) }),
      );
      return;
    }
    if (end === undefined) return;
    const warnAt = end - this.#warningMs;
    if (now >= warnAt) {
      this.#once(`expiring:${endKey}`, () =>
        this.#emit('licenseExpiring', { licenseArn: license.arn, expiresAt: new Date(end), remainingMs: end - now }),
      );
    }
    const next = now >= warnAt ? end : warnAt;
    this.#timer.armIn(Math.min(next - now, MAX_TIMER_MS));
  }
}
