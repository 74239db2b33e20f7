/**
 * Parses a License Manager time, whatever form it comes in: License Manager's time fields are
 * strings, seen as ISO 8601 with a zone (`2026-11-27T21:00:00.000Z`), without one
 * (`2020-11-30T23:47:35`, which is UTC), and as epoch seconds (`"1786405121"`, `CreateTime` from
 * ListReceivedLicenses).
 *
 * @returns epoch milliseconds, or `undefined` when the value is absent or not a time
 */
export function parseLicenseTime(value: string | number | undefined | null): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? epochToMs(value) : undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^\d+(?:\.\d+)?$/.test(text)) return epochToMs(Number(text));
  if (!/^\d{4}-\d{2}-\d{2}/.test(text)) return undefined;
  const hasZone = /(?:Z|[+-]\d{2}:?\d{2})$/i.test(text);
  const ms = Date.parse(hasZone || !text.includes('T') ? text : `${text}Z`);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Epoch seconds, or milliseconds when the number is too large to be seconds (after year 5138). */
function epochToMs(n: number): number {
  return n >= 1e11 ? Math.round(n) : Math.round(n * 1000);
}
