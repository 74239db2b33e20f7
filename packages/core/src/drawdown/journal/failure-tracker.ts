import type { UnavailablePolicy } from '../../options.js';

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

/** Backoff of transient failures: 1 s, doubling, at most 5 minutes. */
const TRANSIENT_BACKOFF = { baseMs: 1_000, maxMs: 5 * 60_000 } as const;
/** Backoff of configuration failures: 1 minute, doubling, at most an hour — logged, never spinning. */
const CONFIGURATION_BACKOFF = { baseMs: 60_000, maxMs: 60 * 60_000 } as const;

/** Whether a debit may go on while reports fail, and if not, when to try again. */
export type DegradedDecision = { readonly admit: true } | { readonly admit: false; readonly retryAfterMs: number };

/**
 * The journal records whose last send failed, with their backoff. A dimension with such a record
 * is degraded: its reports are behind, so the over-service bound of batch mode cannot be kept, and
 * the gate's `onUnavailable` policy decides whether debits go on (`allow`; `grace` for `graceMs`
 * after the first failure) or are refused (`deny`).
 */
export class FailureTracker {
  readonly #failures = new Map<string, Failure>();
  readonly #policy: UnavailablePolicy;
  readonly #graceMs: number;

  constructor(policy: UnavailablePolicy, graceMs: number) {
    this.#policy = policy;
    this.#graceMs = graceMs;
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
    const backoff = kind === 'transient' ? TRANSIENT_BACKOFF : CONFIGURATION_BACKOFF;
    const ceiling = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.min(failure.attempts - 1, 30));
    const delay = ceiling / 2 + (Math.random() * ceiling) / 2;
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
    if (since === undefined || this.#policy === 'allow') return { admit: true };
    if (this.#policy === 'grace' && now - since < this.#graceMs) return { admit: true };
    return { admit: false, retryAfterMs: Math.max(1_000, Math.ceil(retryAt - now)) };
  }
}
