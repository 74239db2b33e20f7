/**
 * Reads the records the Lua scripts return: `<version>|<expiresAt>|<json>` (see `scripts.ts`).
 *
 * @module
 */
import type { StoreRecord } from '@licensegate/core/store';

/** Thrown when Redis holds something this store did not write (another program's data under its prefix). */
export class UnexpectedReplyError extends Error {
  constructor(detail: string) {
    super(`RedisStore: unexpected data in Redis (${detail}). Is another program writing under this store's prefix?`);
    this.name = 'UnexpectedReplyError';
  }
}

/** A record as a fresh object: the value parsed anew, so no two callers share one. */
export function decodeRecord<T>(raw: unknown): StoreRecord<T> {
  const text = asText(raw);
  const first = text.indexOf('|');
  const second = first < 0 ? -1 : text.indexOf('|', first + 1);
  if (second < 0) throw new UnexpectedReplyError('a record without its version and expiry');
  const version = Number(text.slice(0, first));
  const expiresText = text.slice(first + 1, second);
  const expiresAt = expiresText === '' ? null : Number(expiresText);
  if (!Number.isSafeInteger(version) || version < 1 || (expiresAt !== null && !Number.isFinite(expiresAt))) {
    throw new UnexpectedReplyError(`a record header ${JSON.stringify(text.slice(0, second))}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text.slice(second + 1));
  } catch {
    throw new UnexpectedReplyError('a record whose value is not JSON');
  }
  return { value: value as T, version, expiresAt };
}

/** A reply that must be a string (ioredis answers bulk strings as strings). */
export function asText(raw: unknown): string {
  if (typeof raw === 'string') return raw;
  if (Buffer.isBuffer(raw)) return raw.toString('utf8');
  throw new UnexpectedReplyError(`a reply of type ${raw === null ? 'null' : typeof raw} where a string was expected`);
}

/** A reply that must be a number written as text by the scripts (a version or a counter). */
export function asNumber(raw: unknown): number {
  const value = Number(asText(raw));
  if (!Number.isFinite(value)) throw new UnexpectedReplyError(`a number reply ${JSON.stringify(raw)}`);
  return value;
}
