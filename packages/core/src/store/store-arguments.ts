/**
 * Argument checks of the store methods, shared by every store (MemoryStore, RedisStore, yours),
 * so that all stores refuse the same calls with the same messages. Each check throws a
 * {@link StoreArgumentError} (`ERR_LG_STORE_ARGUMENT`); a store turns it into a rejection before it
 * does anything.
 *
 * @module
 */
import type { Clock } from '../clock.js';
import { describeValue as describe } from './describe-value.js';
import { unknownNames, unknownOptionsMessage } from '../validation/unknown-options.js';
import type { PutOptions, StoreContext } from './store.js';
import { StoreArgumentError } from './store-errors.js';

/** `put()` options after validation. */
export interface WriteConditions {
  readonly ttlMs: number | undefined;
  readonly ifAbsent: boolean;
  readonly ifVersion: number | undefined;
}

const PUT_OPTIONS = ['ttlMs', 'ifAbsent', 'ifVersion'] as const;
const DELETE_OPTIONS = ['ifVersion'] as const;
const INCREMENT_OPTIONS = ['ttlMs'] as const;

/** A namespace or a key must be a non-empty string. */
export function assertName(method: string, what: 'namespace' | 'key', name: unknown): asserts name is string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new StoreArgumentError(`${method}(): the ${what} must be a non-empty string; got ${describe(name)}.`);
  }
}

/** `init()` must be given a clock. */
export function assertStoreContext(context: unknown): asserts context is StoreContext {
  const clock = (context as { clock?: Partial<Clock> } | undefined)?.clock;
  if (
    typeof clock?.now !== 'function' ||
    typeof clock.setTimeout !== 'function' ||
    typeof clock.clearTimeout !== 'function'
  ) {
    throw new StoreArgumentError('init(): the context must have a clock with now(), setTimeout() and clearTimeout().');
  }
}

/** The options of `put()`. */
export function readPutOptions(options: PutOptions | undefined): WriteConditions {
  if (options === undefined) return { ttlMs: undefined, ifAbsent: false, ifVersion: undefined };
  assertOptions('put', options, PUT_OPTIONS);
  const { ttlMs, ifAbsent, ifVersion } = options;
  assertTtl('put', ttlMs);
  assertVersion('put', ifVersion);
  if (ifAbsent !== undefined && typeof ifAbsent !== 'boolean') {
    throw new StoreArgumentError(`put(): ifAbsent must be a boolean; got ${describe(ifAbsent)}.`);
  }
  if (ifAbsent === true && ifVersion !== undefined) {
    throw new StoreArgumentError('put(): ifAbsent and ifVersion cannot both hold; give one of them.');
  }
  return { ttlMs, ifAbsent: ifAbsent === true, ifVersion };
}

/** The options of `delete()`: the version to delete at, if any. */
export function readDeleteOptions(options: { ifVersion?: number } | undefined): number | undefined {
  if (options === undefined) return undefined;
  assertOptions('delete', options, DELETE_OPTIONS);
  assertVersion('delete', options.ifVersion);
  return options.ifVersion;
}

/** The options of `increment()`: the ttl, if any. */
export function readIncrementOptions(options: { ttlMs?: number } | undefined): number | undefined {
  if (options === undefined) return undefined;
  assertOptions('increment', options, INCREMENT_OPTIONS);
  assertTtl('increment', options.ttlMs);
  return options.ttlMs;
}

/** `by` of `increment()` must be a safe integer. */
export function assertBy(by: unknown): asserts by is number {
  if (!Number.isSafeInteger(by))
    throw new StoreArgumentError(`increment(): by must be a safe integer; got ${describe(by)}.`);
}

function assertOptions(method: string, options: unknown, known: readonly string[]): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new StoreArgumentError(`${method}(): the options must be an object; got ${describe(options)}.`);
  }
  for (const name of Object.keys(options)) {
    if (!known.includes(name)) {
      // Every unknown name in one error, each with its nearest known one.
      throw new StoreArgumentError(`${method}(): ${unknownOptionsMessage(unknownNames(options, known), { known })}`);
    }
  }
}

function assertTtl(method: string, ttlMs: unknown): void {
  if (ttlMs === undefined) return;
  if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new StoreArgumentError(
      `${method}(): ttlMs must be a positive, finite number of milliseconds; got ${describe(ttlMs)}.`,
    );
  }
}

function assertVersion(method: string, version: unknown): void {
  if (version === undefined) return;
  if (!Number.isSafeInteger(version) || (version as number) < 1) {
    throw new StoreArgumentError(`${method}(): ifVersion must be a positive integer; got ${describe(version)}.`);
  }
}
