import type { SharedTierAnswerOptions } from './tier-options.js';
import type { LicenseInfo } from '../source/license-source.js';
import type { TierAnswer } from './tier-answer.js';
import type { TierOrder } from './tier-order.js';

/** A tier answer as instances share it in the store (JSON: no Infinity). */
interface StoredAnswer {
  readonly tier: string | null;
  readonly checkedAt: number;
  readonly license: LicenseInfo | null;
  readonly validUntil: number | null;
  readonly reason: string | null;
}

const ANSWER_KEY = 'answer';
const LOCK_KEY = 'refresh-lock';

/**
 * Tier answers shared by the instances of an app through a shared store (namespace
 * `<productSku>:tier`): an instance whose refresh is due first takes a short lock; the others use
 * the answer it writes. Failures are not shared: an instance that finds no recent answer and no
 * lock holder checks out itself, so an outage is seen by each instance's failure policy.
 */
export class SharedTierAnswers {
  readonly #options: SharedTierAnswerOptions;
  readonly #order: TierOrder;
  readonly #namespace: string;
  readonly #owner: string;

  constructor(options: SharedTierAnswerOptions, order: TierOrder, owner: string) {
    this.#options = options;
    this.#order = order;
    this.#namespace = `${options.productSku}:tier`;
    this.#owner = owner;
  }

  /**
   * An answer another instance learnt recently enough to use instead of a checkout; or, when
   * `undefined` comes back, `release` to call after checking out (`null` when no lock was taken).
   */
  async before(): Promise<{ answer: TierAnswer } | { release: (() => Promise<void>) | null }> {
    const { store, clock, refreshIntervalMs, refreshJitter, callTimeoutMs, retry } = this.#options;
    const shared = await store.get<StoredAnswer>(this.#namespace, ANSWER_KEY).catch(() => undefined);
    const age = shared === undefined ? Infinity : clock.now() - shared.value.checkedAt;
    if (shared !== undefined && age < refreshIntervalMs * (1 - refreshJitter))
      return { answer: this.#revive(shared.value) };
    const lockMs = callTimeoutMs * retry.attempts + retry.deadlineMs;
    const locked = await store
      .put(this.#namespace, LOCK_KEY, this.#owner, { ifAbsent: true, ttlMs: lockMs })
      .catch(() => undefined);
    if (locked === undefined) {
      // Another instance is refreshing: use what it wrote last, unless that is too old to trust.
      if (shared !== undefined && age < refreshIntervalMs * 1.5) return { answer: this.#revive(shared.value) };
      return { release: null };
    }
    return {
      release: () =>
        store.delete(this.#namespace, LOCK_KEY, { ifVersion: locked }).then(
          () => undefined,
          () => undefined,
        ),
    };
  }

  /** Publishes an answer this instance learnt. */
  async publish(answer: TierAnswer): Promise<void> {
    const stored: StoredAnswer = {
      tier: answer.tier,
      checkedAt: answer.checkedAt,
      license: answer.license ?? null,
      validUntil: Number.isFinite(answer.validUntil) ? answer.validUntil : null,
      reason: answer.reason ?? null,
    };
    const { store, graceMs, refreshIntervalMs } = this.#options;
    await store
      .put(this.#namespace, ANSWER_KEY, stored, { ttlMs: graceMs + refreshIntervalMs })
      .catch((error: unknown) =>
        this.#options.logger.warn(
          { event: 'licensegate.tier.share_failed', error: (error as Error).message },
          'Could not share the tier answer through the store',
        ),
      );
  }

  #revive(stored: StoredAnswer): TierAnswer {
    const rank = stored.tier === null ? -1 : this.#order.names.indexOf(stored.tier);
    return {
      rank,
      tier: rank < 0 ? null : stored.tier,
      checkedAt: stored.checkedAt,
      license: stored.license ?? undefined,
      validUntil: stored.validUntil ?? Infinity,
      reason: rank < 0 ? (stored.reason ?? 'no-entitlement') : undefined,
    };
  }
}
