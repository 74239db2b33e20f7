/**
 * Keys of the drawdown journal. Every record of a product lives in ONE store namespace,
 * `<productSku>:drawdown`:
 *
 * | key | value | written by |
 * | --- | --- | --- |
 * | `pending:<instance>:<dimension>:<epoch>` | a counter: units debited in that epoch (batch mode) | `debit` |
 * | `batch:<instance>:<dimension>:<epoch>` | a {@link BatchRecord}: units sealed, to be reported | sealing, sync debits, adoption |
 * | `buy:<instance>:<dimension>:<epoch>` | a {@link BuyRecord}: a block checkout under way (reserve mode) | `reserve` |
 * | `block:<dimension>` | a counter: units of checked-out blocks not spent yet, shared by every engine | `reserve` |
 * | `unbillable:<dimension>` | a counter: units served that License Manager refused (pool used up) | the sender |
 *
 * `<instance>` is the engine's id (a UUID, no `:`); `<dimension>` may hold any character; `<epoch>`
 * is a whole number, one sequence per engine and dimension.
 *
 * @module
 */

/** The kinds of keys that belong to one engine (its id is in the key). */
export type JournalKind = 'pending' | 'batch' | 'buy';

/** A parsed engine-owned key. */
export interface JournalKey {
  readonly kind: JournalKind;
  readonly instanceId: string;
  readonly dimension: string;
  readonly epoch: number;
}

const KINDS: ReadonlySet<string> = new Set<JournalKind>(['pending', 'batch', 'buy']);

/** The namespace of a product's drawdown journal. */
export function drawdownNamespace(productSku: string): string {
  return `${productSku}:drawdown`;
}

/** `<kind>:<instance>:<dimension>:<epoch>`. */
export function journalKey(kind: JournalKind, instanceId: string, dimension: string, epoch: number): string {
  return `${kind}:${instanceId}:${dimension}:${epoch}`;
}

/** The batch key that stands for the same engine, dimension and epoch as `key`. */
export function batchKeyOf(key: JournalKey): string {
  return journalKey('batch', key.instanceId, key.dimension, key.epoch);
}

/** Parses an engine-owned key; `undefined` for any other key (the shared counters). */
export function parseJournalKey(key: string): JournalKey | undefined {
  const first = key.indexOf(':');
  const second = key.indexOf(':', first + 1);
  const last = key.lastIndexOf(':');
  if (first < 0 || second < 0 || last <= second + 1) return undefined;
  const kind = key.slice(0, first);
  const epochText = key.slice(last + 1);
  if (!KINDS.has(kind) || !/^\d{1,15}$/.test(epochText) || second === first + 1) return undefined;
  return {
    kind: kind as JournalKind,
    instanceId: key.slice(first + 1, second),
    dimension: key.slice(second + 1, last),
    epoch: Number(epochText),
  };
}

/** The shared counter of unspent block units of a dimension (reserve mode). */
export function blockKey(dimension: string): string {
  return `block:${dimension}`;
}

/** The counter of units served but refused by License Manager (the pool was used up). */
export function unbillableKey(dimension: string): string {
  return `unbillable:${dimension}`;
}
