import type { Logger } from '../../logger.js';
import type { ListedRecord } from '../../store/store.js';
import { newBatchRecord } from './batch-sender.js';
import {
  isBatchRecord,
  isBuyRecord,
  isClaimedCounter,
  type ClaimedCounter,
  type Journal,
  type JournalValue,
} from './journal.js';
import { batchKeyOf, parseJournalKey, type JournalKey } from './journal-keys.js';
import type { Outbox } from './outbox.js';

/** What adoption works with. */
export interface AdoptionDeps {
  readonly journal: Journal;
  readonly outbox: Outbox;
  readonly logger: Logger;
  readonly instanceId: string;
  /** The unit of a configured dimension; `undefined` for a dimension this engine does not meter. */
  readonly unitOf: (dimension: string) => string | undefined;
}

/**
 * Takes over what dead engines left in the journal, so that it is reported exactly once:
 *
 * - a `pending:` counter of a dead engine is claimed (compare-and-set: it becomes a
 *   {@link ClaimedCounter}, so only one adopter goes on, and a late increment from the engine thought
 *   dead fails instead of being lost), turned into the batch of the same engine, dimension and epoch
 *   (`ifAbsent`), and deleted; a counter whose batch exists is already represented and only deleted;
 * - a `batch:` or `buy:` record whose owner is dead is claimed by writing this engine as its owner
 *   (compare-and-set), so two live engines never send it at once.
 *
 * @returns the keys of the records now in this engine's outbox, to be sent
 */
export async function adoptOrphans(deps: AdoptionDeps, live: ReadonlySet<string>): Promise<string[]> {
  const { journal, instanceId } = deps;
  const records = await journal.list();
  const keys = new Set(records.map((record) => record.key));
  const isLive = (id: string): boolean => id === instanceId || live.has(id);
  const adopted: string[] = [];
  // Counters first: a batch made from a counter here is added directly and not claimed again below.
  for (const record of records) {
    const key = parseJournalKey(record.key);
    if (key?.kind !== 'pending') continue;
    const batchKey = await adoptCounter(deps, record, key, keys, isLive);
    if (batchKey !== undefined) adopted.push(batchKey);
  }
  for (const record of records) {
    const key = parseJournalKey(record.key);
    if (key === undefined || key.kind === 'pending') continue;
    const value = record.value;
    if (!isBatchRecord(value) && !isBuyRecord(value)) continue;
    const entry = {
      key: record.key,
      type: value.type,
      dimension: value.dimension,
      own: false,
      remaining: isBatchRecord(value) ? value.remaining : value.units,
    };
    if (value.owner === instanceId) {
      // Made here from a dead engine's counter by an adoption that failed before sending it.
      if (key.instanceId !== instanceId && !deps.outbox.has(record.key)) {
        deps.outbox.add(entry);
        adopted.push(record.key);
      }
      continue;
    }
    if (isLive(value.owner)) continue;
    const version = await journal.replace(record.key, { ...value, owner: instanceId }, record.version);
    if (version === undefined) continue;
    deps.outbox.add(entry);
    adopted.push(record.key);
  }
  if (adopted.length > 0) {
    deps.logger.info(
      { event: 'licensegate.drawdown.adopted', records: adopted.length },
      `Took over ${adopted.length} drawdown records of engines that stopped without reporting them`,
    );
  }
  return adopted;
}

/** Adopts one counter; the key of the batch made from it, if this engine made one. */
async function adoptCounter(
  deps: AdoptionDeps,
  record: ListedRecord<JournalValue>,
  key: JournalKey,
  keys: ReadonlySet<string>,
  isLive: (id: string) => boolean,
): Promise<string | undefined> {
  const { journal, instanceId, logger } = deps;
  const value = record.value;
  let units: number;
  if (typeof value === 'number') {
    if (isLive(key.instanceId)) return undefined;
    units = value;
  } else if (isClaimedCounter(value)) {
    if (value.owner !== instanceId && isLive(value.owner)) return undefined;
    units = value.units;
  } else {
    return undefined;
  }
  const batchKey = batchKeyOf(key);
  if (keys.has(batchKey)) {
    // The engine sealed it but stopped before deleting the counter: the batch already holds these units.
    await journal.remove(record.key, record.version);
    return undefined;
  }
  const unit = deps.unitOf(key.dimension);
  if (unit === undefined) {
    logger.warn(
      { event: 'licensegate.drawdown.unknown_dimension', dimension: key.dimension, key: record.key },
      `Pending ${key.dimension} units of a stopped engine are left for an engine that meters ${key.dimension}`,
    );
    return undefined;
  }
  let version = record.version;
  if (typeof value === 'number' || value.owner !== instanceId) {
    const claim: ClaimedCounter = { type: 'claimed', units, owner: instanceId };
    const claimed = await journal.replace(record.key, claim, record.version);
    if (claimed === undefined) return undefined;
    version = claimed;
  }
  const batch = newBatchRecord(key.dimension, unit, units, instanceId);
  const batchVersion = units > 0 ? await journal.create(batchKey, batch) : undefined;
  // The counter goes before the batch can be sent: a batch is never deleted while its counter could become a second one.
  await journal.remove(record.key, version);
  if (batchVersion === undefined) return undefined;
  deps.outbox.add(
    { key: batchKey, type: 'batch', dimension: key.dimension, own: false, remaining: units },
    { value: batch, version: batchVersion, expiresAt: null },
  );
  return batchKey;
}
