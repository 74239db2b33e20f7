/**
 * The lines of the store's log. The log is text, one line per entry, each line
 *
 * ```
 * <crc32 of the JSON, 8 hex digits> <JSON array>\n
 * ```
 *
 * and the JSON array is one of:
 *
 * | line | meaning |
 * | --- | --- |
 * | `["licensegate-file-store", 1, <bytes>]` | the first line: format 1, then a snapshot of `<bytes>` bytes (its records and its commit line) |
 * | `["p", <namespace>, <key>, <version>, <expiresAt or null>, <the value's JSON text>]` | a key's record after a write |
 * | `["d", <namespace>, <key>]` | a key deleted |
 * | `["c", <count>]` | commits the `<count>` record lines before it: one flush (one fsync) |
 *
 * JSON text never holds a raw line break (`JSON.stringify` escapes it, and lone surrogates too), so a
 * line break always ends a line, and the UTF-8 bytes of every line are well formed.
 *
 * @module
 */
import { crc32 } from 'node:zlib';

import type { Entry } from './record-table.js';

/** The first element of the log's first line. */
export const LOG_MAGIC = 'licensegate-file-store';

/** The format this version writes and reads. */
export const LOG_FORMAT = 1;

/** A record line, decoded. */
export type RecordLine =
  | { readonly kind: 'put'; readonly namespace: string; readonly key: string; readonly entry: Entry }
  | { readonly kind: 'delete'; readonly namespace: string; readonly key: string };

/** Any line, decoded. */
export type LogLine =
  | RecordLine
  | { readonly kind: 'commit'; readonly count: number }
  | { readonly kind: 'header'; readonly format: number; readonly snapshotBytes: number };

/** Bytes before the JSON: 8 hex digits and a space. */
const PREFIX_BYTES = 9;

function line(body: unknown[]): string {
  const json = JSON.stringify(body);
  return `${crc32(json).toString(16).padStart(8, '0')} ${json}\n`;
}

/** The line of a key's record after a write. */
export function putLine(namespace: string, key: string, entry: Entry): string {
  return line(['p', namespace, key, entry.version, entry.expiresAt, entry.json]);
}

/** The line of a key deleted. */
export function deleteLine(namespace: string, key: string): string {
  return line(['d', namespace, key]);
}

/** The line that commits the `count` record lines before it. */
export function commitLine(count: number): string {
  return line(['c', count]);
}

/** The first line of a log, followed by a snapshot of `snapshotBytes` bytes. */
export function headerLine(snapshotBytes: number): string {
  return line([LOG_MAGIC, LOG_FORMAT, snapshotBytes]);
}

/** What {@link decodeLine} found. */
export type Decoded =
  | { readonly ok: true; readonly line: LogLine }
  /** A line that is not one of this format; `otherFormat` when it is a sound header of another format. */
  | { readonly ok: false; readonly otherFormat?: number };

/**
 * Decodes the line in `buffer` from `start` to `end` (the line break, excluded). A line whose
 * checksum, JSON or shape is wrong decodes as `{ ok: false }`.
 */
export function decodeLine(buffer: Buffer, start: number, end: number): Decoded {
  if (end - start <= PREFIX_BYTES || buffer[start + PREFIX_BYTES - 1] !== 0x20) return { ok: false };
  const checksum = hexAt(buffer, start);
  if (checksum === undefined || crc32(buffer.subarray(start + PREFIX_BYTES, end)) !== checksum) return { ok: false };
  const json = buffer.toString('utf8', start + PREFIX_BYTES, end);
  let body: unknown;
  try {
    body = JSON.parse(json);
  } catch {
    return { ok: false };
  }
  if (!Array.isArray(body)) return { ok: false };
  const decoded = shapeOf(body);
  if (decoded !== undefined) return { ok: true, line: decoded };
  if (body[0] === LOG_MAGIC && typeof body[1] === 'number') return { ok: false, otherFormat: body[1] };
  return { ok: false };
}

/** The 8 lower-case hex digits at `start`, as a number; `undefined` when they are not. */
function hexAt(buffer: Buffer, start: number): number | undefined {
  let value = 0;
  for (let i = start; i < start + PREFIX_BYTES - 1; i += 1) {
    const c = buffer[i] as number;
    const digit = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : -1;
    if (digit < 0) return undefined;
    value = value * 16 + digit;
  }
  return value;
}

function shapeOf(body: unknown[]): LogLine | undefined {
  const [kind, a, b, c, d, e] = body;
  switch (kind) {
    case 'p':
      if (
        body.length === 6 &&
        isName(a) &&
        isName(b) &&
        Number.isSafeInteger(c) &&
        (c as number) >= 1 &&
        (d === null || (typeof d === 'number' && Number.isFinite(d))) &&
        typeof e === 'string'
      ) {
        return { kind: 'put', namespace: a, key: b, entry: { json: e, version: c as number, expiresAt: d } };
      }
      return undefined;
    case 'd':
      return body.length === 3 && isName(a) && isName(b) ? { kind: 'delete', namespace: a, key: b } : undefined;
    case 'c':
      return body.length === 2 && Number.isSafeInteger(a) && (a as number) >= 0
        ? { kind: 'commit', count: a as number }
        : undefined;
    case LOG_MAGIC:
      return body.length === 3 && a === LOG_FORMAT && Number.isSafeInteger(b) && (b as number) >= 0
        ? { kind: 'header', format: a, snapshotBytes: b as number }
        : undefined;
    default:
      return undefined;
  }
}

function isName(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}
