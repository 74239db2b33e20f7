/**
 * The body of `POST /_emulator/clock`: exactly one of `{"advance": DURATION}`, `{"set": INSTANT}`,
 * `{"skew": SIGNED DURATION}` (the wall clock of the `Date` header) or `{"reset": true}`, read strictly, so that a typo or a value that is not a time is refused
 * instead of doing something else.
 */
import type { VirtualClock } from '../clock.js';
import { EmulatorError } from '../emulator-error.js';

const DURATION = /^(\d{1,12})(ms|s|m|h|d)$/;
const DURATION_MS: ReadonlyMap<string, number> = new Map([
  ['ms', 1],
  ['s', 1000],
  ['m', 60_000],
  ['h', 3_600_000],
  ['d', 86_400_000],
]);
/** `2027-01-01`, `2027-01-01T00:00`, `2027-01-01T00:00:00.250Z`, `2027-01-01T02:00:00+02:00`. */
const ISO_INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?([Zz]|[+-]\d{2}:\d{2})?)?$/;
const USAGE =
  'POST /_emulator/clock takes one of {"advance": "61m"}, {"set": "2027-01-01T00:00:00Z"}, {"skew": "-10m"} or {"reset": true}';

function badClock(message: string): EmulatorError {
  return new EmulatorError('ERR_LG_EMU_BAD_CLOCK', message);
}

/**
 * `90000`, `"90s"`, `"15m"`, `"61m"`, `"2h"`, `"30d"` -> ms.
 * @throws EmulatorError ERR_LG_EMU_BAD_CLOCK for anything else (negative, fractional, unknown unit)
 */
export function parseDuration(value: unknown): number {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  const match = typeof value === 'string' ? DURATION.exec(value) : null;
  if (match === null) {
    throw badClock(
      `A duration is a whole number of ms, 0 or more, or text such as "90s", "61m", "2h", "30d"; got ${JSON.stringify(value)}.`,
    );
  }
  return Number(match[1]) * (DURATION_MS.get(match[2] as string) as number);
}

/**
 * A wall-clock skew: a whole number of ms, or a duration as text with an optional sign
 * (`"10m"`, `"-10m"`, `"+90s"`).
 * @throws EmulatorError ERR_LG_EMU_BAD_CLOCK for anything else
 */
export function parseSkew(value: unknown): number {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  if (typeof value === 'string' && /^[+-]/.test(value) && DURATION.test(value.slice(1))) {
    return (value.startsWith('-') ? -1 : 1) * parseDuration(value.slice(1));
  }
  if (typeof value === 'string' && DURATION.test(value)) return parseDuration(value);
  throw badClock(
    `"skew" takes a whole number of ms or a duration with an optional sign, such as "-10m" or "90s"; got ${JSON.stringify(value)}.`,
  );
}

function daysIn(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/**
 * An instant: epoch ms as a JSON number, or an ISO 8601 date or date-time (no zone means UTC, as
 * License Manager reads its times), with a real calendar date and time.
 * @throws EmulatorError ERR_LG_EMU_BAD_CLOCK for anything else, numbers written as text included
 */
export function parseInstant(value: unknown): number {
  if (typeof value === 'number') return value;
  const match = typeof value === 'string' ? ISO_INSTANT.exec(value) : null;
  const bad = () =>
    badClock(
      `"set" takes an ISO 8601 date or date-time ("2027-01-01T00:00:00Z", "2027-01-01") or epoch ms as a JSON number; got ${JSON.stringify(value)}.`,
    );
  if (match === null) throw bad();
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map((part) => Number(part ?? 0)) as number[];
  const fraction = Number(((match[7] ?? '') + '000').slice(0, 3));
  const zone = match[8] ?? 'Z';
  const zoneHours = zone.length === 6 ? Number(zone.slice(1, 3)) : 0;
  const zoneMinutes = zone.length === 6 ? Number(zone.slice(4, 6)) : 0;
  if (
    (month as number) < 1 ||
    (month as number) > 12 ||
    (day as number) < 1 ||
    (day as number) > daysIn(year as number, month as number) ||
    (hour as number) > 23 ||
    (minute as number) > 59 ||
    (second as number) > 59 ||
    zoneHours > 23 ||
    zoneMinutes > 59
  ) {
    throw bad();
  }
  // setUTCFullYear, not Date.UTC: Date.UTC reads years 0-99 as 1900-1999.
  const date = new Date(0);
  date.setUTCFullYear(year as number, (month as number) - 1, day as number);
  date.setUTCHours(hour as number, minute as number, second as number, fraction);
  const sign = zone.startsWith('-') ? -1 : 1;
  return date.getTime() - sign * (zoneHours * 60 + zoneMinutes) * 60_000;
}

/**
 * Applies a `POST /_emulator/clock` body to the clock, or refuses it and leaves the clock alone.
 * @throws EmulatorError ERR_LG_EMU_BAD_CLOCK saying what to send
 */
export function moveClock(clock: VirtualClock, body: unknown): void {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw badClock(`${USAGE}; got ${JSON.stringify(body)}.`);
  const members = Object.keys(body);
  if (members.length !== 1) throw badClock(`${USAGE}: exactly one member; got ${JSON.stringify(members)}.`);
  const member = members[0] as string;
  const value = (body as Record<string, unknown>)[member];
  switch (member) {
    case 'reset':
      if (value !== true) throw badClock(`"reset" takes true; got ${JSON.stringify(value)}.`);
      return clock.reset();
    case 'advance':
      return void clock.advance(parseDuration(value));
    case 'set':
      return void clock.set(parseInstant(value));
    case 'skew':
      return clock.skew(parseSkew(value));
    default:
      throw badClock(`${USAGE}; got a member ${JSON.stringify(member)}.`);
  }
}
