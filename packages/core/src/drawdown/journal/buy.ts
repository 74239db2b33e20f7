import { JournalConflictError } from '../../errors.js';
import { newBuyRecord } from './block-checkout.js';
import type { Journal } from './journal.js';
import { journalKey } from './journal-keys.js';
import type { Outbox, SendOutcome } from './outbox.js';

/** What {@link buy} works with. */
export interface BuyDeps {
  readonly journal: Journal;
  readonly outbox: Outbox;
  readonly instanceId: string;
}

/**
 * Journals a new checkout of `units` (its `buy:<instance>:<dimension>:<sequence>` record, token
 * included, before the call) and sends it.
 * @param toCaller - the granted units go to the caller (a checkout ahead), not to the block
 * @throws the store's error (nothing sent)
 */
export async function buy(
  deps: BuyDeps,
  dimension: { readonly name: string; readonly unit: string },
  sequence: number,
  units: number,
  toCaller: boolean,
): Promise<SendOutcome | undefined> {
  const { journal, outbox, instanceId } = deps;
  const key = journalKey('buy', instanceId, dimension.name, sequence);
  const record = newBuyRecord(dimension.name, dimension.unit, units, instanceId);
  const version = await journal.create(key, record);
  if (version === undefined) throw new JournalConflictError(key, instanceId);
  outbox.add(
    { key, type: 'buy', dimension: dimension.name, own: true, remaining: units },
    { value: record, version, expiresAt: null },
  );
  return outbox.send(key, toCaller);
}
