import type { OnUnavailable } from '../../policy/unavailable-policy.js';
import { backoffDelay, REPORT_CONFIGURATION_BACKOFF, REPORT_TRANSIENT_BACKOFF } from '../../util/backoff.js';

/** How a send failed: License Manager could not answer, or the app is set up wrong. */
export type SendFailureKind = 'transient' | 'configuration';

interface Failure {
  readonly dimension: string;
  readonly since: number;
  readonly kind: SendFailureKind;
  attempts: number;
  /** When the next try is due. */
  retryAt: number;
}

/** Whether a debit may go on while reports fail, and if not, when to try again. */
export type DegradedDecision = { readonly admit: true } | { readonly admit: false; readonly retryAfterMs: number };

/**
 * The journal records whose last send failed, with their backoff. A dimension with such a record
 * is degraded: its reports are behind, so the over-service bound of batch mode cannot be kept, and
 * the gate's `onUnavailable` policy decides whether debits go on (`allow`; `grace` for `graceMs`
 * after the first failure) or are refused (`deny`). Backoff: `REPORT_TRANSIENT_BACKOFF` and
 * `REPORT_CONFIGURATION_BACKOFF` (util/backoff.ts).
 */
export class FailureTracker {
  readonly #failures = new Map<string, Failure>();
  readonly #onUnavailable: OnUnavailable;

  /** @param onUnavailable - the policy; drawdown measures an outage from the dimension's oldest failing record */
  constructor(onUnavailable: OnUnavailable) {
    this.#onUnavailable = onUnavailable;
  }

  /**
   * Records a failed send of a journal record.
   * @returns the delay before the next try, with jitter (half to all of the backoff)
   */
  failed(key: string, dimension: string, kind: SendFailureKind, now: number): number {
    const previous = this.#failures.get(key);
    const failure: Failure =
      previous?.kind === kind
        ? previous
        : { dimension, since: previous?.since ?? now, kind, attempts: 0, retryAt: now };
    failure.attempts += 1;
    this.#failures.set(key, failure);
    const delay = backoffDelay(
      kind === 'transient' ? REPORT_TRANSIENT_BACKOFF : REPORT_CONFIGURATION_BACKOFF,
      failure.attempts,
    );
    failure.retryAt = now + delay;
    return delay;
  }

  /** Forgets a record (sent, refused for good, or handed over). */
  forget(key: string): void {
    this.#failures.delete(key);
  }

  /** When the oldest failure of a dimension began, or `undefined` when none is failing. */
  degradedSince(dimension: string): number | undefined {
    if (this.#failures.size === 0) return undefined;
    let since: number | undefined;
    for (const failure of this.#failures.values()) {
      if (failure.dimension === dimension && (since === undefined || failure.since < since)) since = failure.since;
    }
    return since;
  }

  /** Whether a dimension has a failing record. */
  isDegraded(dimension: string): boolean {
    return this.degradedSince(dimension) !== undefined;
  }

  /** The `onUnavailable` policy's answer for a debit that goes beyond what the bound allows. */
  decide(dimension: string, now: number): DegradedDecision {
    if (this.#failures.size === 0) return { admit: true };
    let since: number | undefined;
    let retryAt = Infinity;
    for (const failure of this.#failures.values()) {
      if (failure.dimension !== dimension) continue;
      if (since === undefined || failure.since < since) since = failure.since;
      retryAt = Math.min(retryAt, failure.retryAt);
    }
    if (since === undefined || this.#onUnavailable.serves(since, now)) return { admit: true };
    return { admit: false, retryAfterMs: Math.max(1_000, Math.ceil(retryAt - now)) };
  }
}
