import type { Clock } from '../../clock.js';
import type { Logger } from '../../logger.js';
import type { StoreRecord } from '../../store/store.js';
import { LicenseGateError } from '../../errors.js';
import { sendBuy, type BuyOutcome } from './block-checkout.js';
import { sendBatch, type BatchOutcome } from './batch-sender.js';
import type { FailureTracker } from './failure-tracker.js';
import type { BatchRecord, BuyRecord } from './journal.js';
import type { QuotaState } from './quota-state.js';
import type { SendContext } from './send-context.js';

/** How sending one journal record ended; a store failure is `failed` with kind `transient`. */
export type SendOutcome = BatchOutcome | BuyOutcome;

/** A journal record this engine has to send. */
export interface OutboxEntry {
  readonly key: string;
  readonly type: 'batch' | 'buy';
  readonly dimension: string;
  /** Sealed, debited or bought by this engine (not adopted from a dead one). */
  readonly own: boolean;
  /** Units not acknowledged yet. */
  remaining: number;
}

/** What the outbox asks of the meter. */
export interface OutboxHooks {
  /** Try the record again after `delayMs` (one deadline queue, no timer per record). */
  schedule(key: string, delayMs: number): void;
  /** Cancel a scheduled try. */
  unschedule(key: string): void;
  /** A send ended (whatever the outcome). */
  settled(entry: OutboxEntry, outcome: SendOutcome): void;
}

/**
 * The journal records this engine is responsible for sending — its own and those adopted from dead
 * engines — with one send in flight per record, retries on a backoff after a failure, and the
 * bookkeeping of each outcome (failures, exhaustion, logs, units reported).
 */
export class Outbox {
  readonly #context: SendContext;
  readonly #quota: QuotaState;
  readonly #failures: FailureTracker;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #hooks: OutboxHooks;
  readonly #entries = new Map<string, OutboxEntry>();
  readonly #known = new Map<string, StoreRecord<BatchRecord> | StoreRecord<BuyRecord>>();
  readonly #sending = new Map<string, Promise<SendOutcome>>();
  readonly #reported = new Map<string, number>();

  constructor(
    context: SendContext,
    quota: QuotaState,
    failures: FailureTracker,
    clock: Clock,
    logger: Logger,
    hooks: OutboxHooks,
  ) {
    this.#context = context;
    this.#quota = quota;
    this.#failures = failures;
    this.#clock = clock;
    this.#logger = logger;
    this.#hooks = hooks;
  }

  /** Takes a record to send; `known` is the record as just written, which spares one read. */
  add(entry: OutboxEntry, known?: StoreRecord<BatchRecord> | StoreRecord<BuyRecord>): void {
    this.#entries.set(entry.key, entry);
    if (known !== undefined) this.#known.set(entry.key, known);
  }

  /** Whether a record is in the outbox. */
  has(key: string): boolean {
    return this.#entries.has(key);
  }

  /** Number of records in the outbox. */
  get size(): number {
    return this.#entries.size;
  }

  /** The records of a dimension (all, when none is given), optionally of one type. */
  entries(dimension?: string, type?: OutboxEntry['type']): OutboxEntry[] {
    const found: OutboxEntry[] = [];
    for (const entry of this.#entries.values()) {
      if ((dimension === undefined || entry.dimension === dimension) && (type === undefined || entry.type === type))
        found.push(entry);
    }
    return found;
  }

  /** Units of this engine's own batches of a dimension not acknowledged yet. */
  ownRemaining(dimension: string): number {
    if (this.#entries.size === 0) return 0; // the hot path of batch mode, between flushes
    let units = 0;
    for (const entry of this.#entries.values()) {
      if (entry.own && entry.type === 'batch' && entry.dimension === dimension) units += entry.remaining;
    }
    return units;
  }

  /** Units of a dimension that License Manager acknowledged to this engine. */
  reported(dimension: string): number {
    return this.#reported.get(dimension) ?? 0;
  }

  /**
   * Sends a record now (joining a send of it already in flight).
   * @param foreground - a sync debit's own first send: all or nothing, and a configuration failure
   *   drops the record, since the debit is refused; for a checkout ahead (a `buy` record), the
   *   granted units go to the caller, not to the block
   * @returns the outcome, or `undefined` when the record is not in the outbox
   */
  send(key: string, foreground = false): Promise<SendOutcome | undefined> {
    const running = this.#sending.get(key);
    if (running !== undefined) return running;
    const entry = this.#entries.get(key);
    if (entry === undefined) return Promise.resolve(undefined);
    this.#hooks.unschedule(key);
    const sending = this.#run(entry, foreground).finally(() => this.#sending.delete(key));
    this.#sending.set(key, sending);
    return sending;
  }

  /** Sends every record of a dimension (all, when none is given), one after the other; never rejects. */
  async sendAll(dimension?: string): Promise<void> {
    for (const entry of this.entries(dimension)) await this.send(entry.key);
  }

  async #run(entry: OutboxEntry, foreground: boolean): Promise<SendOutcome> {
    const known = this.#known.get(entry.key);
    this.#known.delete(entry.key);
    let outcome: SendOutcome;
    try {
      outcome =
        entry.type === 'batch'
          ? await sendBatch(
              this.#context,
              entry.key,
              {
                split: !foreground,
                dropOnConfiguration: foreground,
                onProgress: (remaining) => (entry.remaining = remaining),
              },
              known as StoreRecord<BatchRecord> | undefined,
            )
          : await sendBuy(this.#context, entry.key, known as StoreRecord<BuyRecord> | undefined, foreground);
    } catch (error) {
      const storeError =
        error instanceof Error
          ? error
          : new LicenseGateError(
              'ERR_LG_STORE_CONTRACT',
              `The store rejected with ${String(error)}, which is not an Error; a store must reject with Error objects.`,
              { cause: error },
            );
      this.#logger.warn(
        {
          event: 'licensegate.drawdown.store_failed',
          dimension: entry.dimension,
          key: entry.key,
          error: storeError.message,
        },
        `The drawdown journal could not be updated while reporting ${entry.dimension} units; trying again later`,
      );
      outcome = { status: 'failed', kind: 'transient', error: storeError, reported: 0 };
    }
    this.#record(entry, outcome);
    this.#hooks.settled(entry, outcome);
    return outcome;
  }

  #record(entry: OutboxEntry, outcome: SendOutcome): void {
    const { dimension, key } = entry;
    const acknowledged =
      outcome.status === 'credited' || outcome.status === 'granted'
        ? outcome.units
        : 'reported' in outcome
          ? outcome.reported
          : 0;
    if (acknowledged > 0) this.#reported.set(dimension, this.reported(dimension) + acknowledged);
    if (outcome.status === 'failed') {
      const delay = this.#failures.failed(key, dimension, outcome.kind, this.#clock.now());
      this.#hooks.schedule(key, delay);
      const fields = {
        event: 'licensegate.drawdown.report_failed',
        dimension,
        units: entry.remaining,
        error: outcome.error.message,
        retryInMs: Math.round(delay),
      };
      if (outcome.kind === 'configuration') {
        this.#logger.error(
          fields,
          `License Manager refused to take ${dimension} units because of how the app is set up; fix it — the units are kept and sent again later`,
        );
      } else {
        this.#logger.warn(
          fields,
          `Could not report ${entry.remaining} ${dimension} units to License Manager; they are kept and sent again with the same ClientToken`,
        );
      }
      return;
    }
    this.#entries.delete(key);
    this.#known.delete(key);
    this.#failures.forget(key);
    this.#hooks.unschedule(key);
    switch (outcome.status) {
      case 'exhausted':
        this.#quota.exhausted(dimension, outcome.unreported);
        break;
      case 'refused':
        this.#quota.refused(dimension, outcome.units);
        break;
      case 'dropped':
        this.#logger.error(
          { event: 'licensegate.drawdown.refused_by_configuration', dimension, error: outcome.error.message },
          `License Manager refused a ${dimension} checkout because of how the app is set up; nothing was consumed`,
        );
        break;
      case 'discarded':
        this.#logger.warn(
          { event: 'licensegate.drawdown.block_unknown', dimension, units: outcome.units },
          `A ${dimension} block of ${outcome.units} units was checked out by an engine that stopped before crediting it; it is not credited again`,
        );
        break;
      default:
        break;
    }
  }
}
