import { randomUUID } from 'node:crypto';
import type { LicenseManagerCallError } from '../../source/license-source.js';
import type { StoreRecord } from '../../store/store.js';
import type { SendFailureKind } from './failure-tracker.js';
import { isBuyRecord, type BuyRecord } from './journal.js';
import { classifySendError, type SendContext } from './send-context.js';

/** How a block checkout ended. */
export type BuyOutcome =
  /** Granted and credited to the shared block counter, which now holds `blockRemaining`. */
  | { readonly status: 'credited'; readonly units: number; readonly blockRemaining: number }
  /** Granted to the caller, whose work they pay for (a checkout ahead); nothing credited, the record deleted. */
  | { readonly status: 'granted'; readonly units: number }
  /** Refused (nothing consumed); the record is deleted. */
  | { readonly status: 'refused'; readonly units: number }
  /** Failed; the record stays, to be resent with the same token. */
  | { readonly status: 'failed'; readonly kind: SendFailureKind; readonly error: Error }
  /** The record is gone or another engine claimed it. */
  | { readonly status: 'lost' }
  /**
   * Found `confirmed` (its engine stopped between the grant and the credit): whether the credit
   * happened is unknown, so it is not credited again — never serve past the purchase. The record is
   * deleted and the units logged.
   */
  | { readonly status: 'discarded'; readonly units: number };

/**
 * Sends one block checkout (reserve mode) and credits the granted units to the shared block
 * counter exactly once at most: the record turns `confirmed` (compare-and-set) before the credit, and
 * a `confirmed` record is never credited by anyone else. A `sending` record is resent with its token,
 * so a grant whose answer was lost is replayed, not bought twice.
 *
 * With `toCaller` (the first send of a checkout ahead, see `CheckoutAhead`), granted units go to the
 * caller instead: the record is deleted and nothing is credited. Should that delete never happen
 * (a crash), the record is later resent with its token — a replay — and credited: units paid for
 * are never lost, and never counted twice.
 *
 * Store failures are thrown.
 */
export async function sendBuy(
  context: SendContext,
  key: string,
  known?: StoreRecord<BuyRecord>,
  toCaller = false,
): Promise<BuyOutcome> {
  const { journal, source, instanceId } = context;
  const stored = known ?? (await journal.get<BuyRecord>(key));
  if (stored === undefined || !isBuyRecord(stored.value) || stored.value.owner !== instanceId)
    return { status: 'lost' };
  const record = stored.value;
  if (record.state === 'confirmed') {
    await journal.remove(key, stored.version);
    return { status: 'discarded', units: record.units };
  }
  try {
    await source.checkout({
      checkoutType: 'PERPETUAL',
      entitlements: [{ name: record.dimension, unit: record.unit, value: String(record.units) }],
      clientToken: record.clientToken,
    });
  } catch (error) {
    const kind = classifySendError(error);
    if (kind === 'refused') {
      await journal.remove(key, stored.version);
      return { status: 'refused', units: record.units };
    }
    return { status: 'failed', kind, error: error as LicenseManagerCallError };
  }
  if (toCaller) {
    await journal.remove(key, stored.version);
    context.reported({ dimension: record.dimension, units: record.units, clientToken: record.clientToken });
    return { status: 'granted', units: record.units };
  }
  const confirmed = await journal.replace(key, { ...record, state: 'confirmed' }, stored.version);
  if (confirmed === undefined) return { status: 'lost' };
  const blockRemaining = await journal.addToBlock(record.dimension, record.units);
  await journal.remove(key, confirmed);
  context.reported({ dimension: record.dimension, units: record.units, clientToken: record.clientToken });
  return { status: 'credited', units: record.units, blockRemaining };
}

/** A new block checkout record owned by `owner`, with its token. */
export function newBuyRecord(dimension: string, unit: string, units: number, owner: string): BuyRecord {
  return { type: 'buy', dimension, unit, units, clientToken: randomUUID(), state: 'sending', owner };
}
