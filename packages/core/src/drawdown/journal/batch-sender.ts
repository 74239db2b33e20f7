import { randomUUID } from 'node:crypto';
import type { LicenseManagerCallError } from '../../source/license-source.js';
import type { StoreRecord } from '../../store/store.js';
import type { SendFailureKind } from './failure-tracker.js';
import { isBatchRecord, type Attempt, type BatchRecord } from './journal.js';
import { classifySendError, type SendContext } from './send-context.js';

/** How sending a batch ended. `reported` counts the units acknowledged by this send. */
export type BatchOutcome =
  /** Every unit reported; the record is deleted. */
  | { readonly status: 'reported'; readonly reported: number }
  /** The pool ran out: `unreported` units were refused, added to `unbillable:<dimension>`, and the record deleted. */
  | { readonly status: 'exhausted'; readonly reported: number; readonly unreported: number }
  /** Without splitting: the whole batch was refused (nothing consumed); the record is deleted. */
  | { readonly status: 'refused'; readonly units: number }
  /** Without keeping: a configuration failure; the record is deleted (nothing was consumed). */
  | { readonly status: 'dropped'; readonly error: LicenseManagerCallError }
  /** The send failed (License Manager, or the store); the record and its attempt (same token) stay for a resend. */
  | { readonly status: 'failed'; readonly kind: SendFailureKind; readonly error: Error; readonly reported: number }
  /** The record is gone or another engine claimed it; it will report what this one could not. */
  | { readonly status: 'lost'; readonly reported: number };

/** How a batch is sent. */
export interface BatchSendOptions {
  /**
   * On a refusal, split: the next attempt is half the units (rounded up) with a new token, until
   * exactly what the pool has left is reported; a refused single unit exhausts the dimension.
   * Without it, a refusal deletes the record and ends the send (`refused`): a sync debit is all or nothing.
   */
  readonly split: boolean;
  /** On a configuration failure, delete the record (`dropped`) instead of keeping it for a resend. */
  readonly dropOnConfiguration: boolean;
  /** Told of the units still to report after each acknowledged attempt. */
  readonly onProgress?: (remaining: number) => void;
}

/**
 * Sends one batch record to License Manager as PERPETUAL checkouts, exactly once per unit:
 *
 * - the attempt (units and ClientToken) is in the store before its call, so whoever resends it — this
 *   engine after a timeout, another after a crash — repeats the same call, which License Manager
 *   replays without counting again (within its 24-hour idempotency window);
 * - each acknowledged attempt is written back (`reported`, `remaining`, the next attempt) with
 *   compare-and-set, and the record is deleted when nothing remains; `unitsReported` is emitted only
 *   after that write, so an answer that is replayed is never announced twice;
 * - a refusal consumed nothing, so the next attempt is half as large with a new token.
 *
 * Store failures are thrown (the record stays as it was; resending it is safe).
 */
export async function sendBatch(
  context: SendContext,
  key: string,
  options: BatchSendOptions,
  known?: StoreRecord<BatchRecord>,
): Promise<BatchOutcome> {
  const { journal, source, instanceId } = context;
  const stored = known ?? (await journal.get<BatchRecord>(key));
  if (stored === undefined || !isBatchRecord(stored.value) || stored.value.owner !== instanceId)
    return { status: 'lost', reported: 0 };
  let record = stored.value;
  let version = stored.version;
  let reported = 0;
  for (;;) {
    if (record.remaining <= 0) {
      await journal.remove(key, version);
      return { status: 'reported', reported };
    }
    let attempt: Attempt | null = record.attempt;
    if (attempt === null || attempt.units > record.remaining) {
      attempt = { units: record.remaining, clientToken: randomUUID() };
      record = { ...record, attempt };
      const next = await journal.replace(key, record, version);
      if (next === undefined) return { status: 'lost', reported };
      version = next;
    }
    try {
      await source.checkout({
        checkoutType: 'PERPETUAL',
        entitlements: [{ name: record.dimension, unit: record.unit, value: String(attempt.units) }],
        clientToken: attempt.clientToken,
      });
    } catch (error) {
      const kind = classifySendError(error);
      const callError = error as LicenseManagerCallError;
      if (kind === 'refused') {
        if (!options.split) {
          await journal.remove(key, version);
          return { status: 'refused', units: attempt.units };
        }
        if (attempt.units <= 1) {
          await journal.addUnbillable(record.dimension, record.remaining);
          await journal.remove(key, version);
          return { status: 'exhausted', reported, unreported: record.remaining };
        }
        record = { ...record, attempt: { units: Math.ceil(attempt.units / 2), clientToken: randomUUID() } };
        const next = await journal.replace(key, record, version);
        if (next === undefined) return { status: 'lost', reported };
        version = next;
        continue;
      }
      if (kind === 'configuration' && options.dropOnConfiguration) {
        await journal.remove(key, version);
        return { status: 'dropped', error: callError };
      }
      return { status: 'failed', kind, error: callError, reported };
    }
    const remaining = record.remaining - attempt.units;
    if (remaining === 0) {
      if (!(await journal.remove(key, version))) return { status: 'lost', reported };
    } else {
      const following: Attempt = { units: Math.min(remaining, attempt.units), clientToken: randomUUID() };
      record = { ...record, remaining, reported: record.reported + attempt.units, attempt: following };
      const next = await journal.replace(key, record, version);
      if (next === undefined) return { status: 'lost', reported };
      version = next;
    }
    reported += attempt.units;
    options.onProgress?.(remaining);
    context.reported({ dimension: record.dimension, units: attempt.units, clientToken: attempt.clientToken });
    if (remaining === 0) return { status: 'reported', reported };
  }
}

/** A new batch record owned by `owner`, its first attempt (all units, a new token) fixed at once. */
export function newBatchRecord(dimension: string, unit: string, units: number, owner: string): BatchRecord {
  return {
    type: 'batch',
    dimension,
    unit,
    units,
    remaining: units,
    reported: 0,
    attempt: { units, clientToken: randomUUID() },
    owner,
  };
}
