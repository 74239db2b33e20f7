/**
 * Reads the records the Lua scripts return: `<version>|<expiresAt>|<json>` (see `scripts.ts`).
 *
 * @module
 */
import type { StoreRecord } from '@licensegate/core/store';

import { UnexpectedReplyError } from './errors.js';

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
  return { value: parseValue(text.slice(second + 1)) as T, version, expiresAt };
}

/** A record's value, from its JSON text. */
export function parseValue(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    throw new UnexpectedReplyError('a record whose value is not JSON');
  }
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
