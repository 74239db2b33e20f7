/**
 * How the emulator writes times on the wire.
 *
 * License Manager's time fields are strings, not Smithy timestamps (ARCHITECTURE.md F-2). Checkout
 * times come without zone or fraction (`2020-11-30T23:47:35`); `CreateTime` has been observed as a
 * string of epoch seconds, so its form is an option.
 */

/** Format of `License.CreateTime` in answers. */
export type CreateTimeFormat = 'epoch-seconds' | 'iso';

/** Recent seconds and their text: answers of the same second share one string. */
const recentSeconds = new Map<number, string>();

/**
 * `2026-11-27T21:00:00` (UTC, no zone, no fraction), as checkout answers carry it. A time past year
 * 9999 (an expiry far beyond the clock's last instant) keeps ISO's extended year, `+010000-01-01T00:00:00`.
 */
export function formatCheckoutTime(ms: number): string {
  const second = Math.floor(ms / 1000);
  let text = recentSeconds.get(second);
  if (text === undefined) {
    if (recentSeconds.size >= 16) recentSeconds.clear();
    text = new Date(second * 1000).toISOString().replace(/\.\d{3}Z$/, '');
    recentSeconds.set(second, text);
  }
  return text;
}

/** A `CreateTime` value in the configured form. */
export function formatCreateTime(ms: number, format: CreateTimeFormat): string {
  return format === 'iso' ? new Date(ms).toISOString() : String(Math.floor(ms / 1000));
}

/**
 * Parses an ISO 8601 date-time as License Manager accepts it (zone optional; no zone = UTC).
 *
 * @returns epoch milliseconds, or `NaN` when the text is not a date-time
 */
export function parseIsoTime(text: string): number {
  const hasZone = /(?:Z|[+-]\d{2}:?\d{2})$/i.test(text);
  return Date.parse(hasZone ? text : `${text}Z`);
}
