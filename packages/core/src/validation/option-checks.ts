import { LicenseGateConfigurationError, type LicenseGateErrorCode } from '../errors.js';

/**
 * The checks every option schema is written with (the gate-wide options and each model's): each
 * mistake throws a {@link LicenseGateConfigurationError} whose code names the option and whose
 * message says how to fix it.
 *
 * @module
 */

/** Throws the configuration error. */
export function fail(code: LicenseGateErrorCode, message: string): never {
  throw new LicenseGateConfigurationError(code, message);
}

/** Whether a value is a plain object (not `null`, not an array). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A number of milliseconds from `min` to `max`, or `fallback` when not given. */
export function duration(
  name: string,
  value: unknown,
  fallback: number,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
  code: LicenseGateErrorCode = 'ERR_LG_OPTION_DURATION',
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    fail(code, `${name} must be a number of milliseconds from ${min} to ${max}; got ${JSON.stringify(value)}.`);
  }
  return value;
}

/** A whole number from `min` to `max`, or `fallback` when not given. */
export function wholeNumber(
  code: LicenseGateErrorCode,
  where: string,
  value: unknown,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || (value as number) < min || (value as number) > max) {
    fail(code, `${where} must be a whole number from ${min} to ${max}; got ${JSON.stringify(value)}.`);
  }
  return value as number;
}

/** `true` or `false`, or `fallback` when not given. */
export function checkBoolean(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean')
    fail('ERR_LG_OPTIONS', `${name} must be true or false; got ${JSON.stringify(value)}.`);
  return value;
}

/** An object (or function) with the given methods, or `undefined` when not given. */
export function checkMethods<T>(
  code: LicenseGateErrorCode,
  what: string,
  value: unknown,
  methods: readonly string[],
): T | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value) && typeof value !== 'function')
    fail(code, `${what} must be an object with ${methods.join(', ')}.`);
  const missing = methods.filter((m) => typeof (value as Record<string, unknown>)[m] !== 'function');
  if (missing.length > 0) fail(code, `${what} lacks ${missing.join(', ')}; it must have ${methods.join(', ')}.`);
  return value as T;
}

/** The counted units of License Manager. */
const UNITS = new Set([
  'Count',
  'Seconds',
  'Microseconds',
  'Milliseconds',
  'Bytes',
  'Kilobytes',
  'Megabytes',
  'Gigabytes',
  'Terabytes',
  'Bits',
  'Kilobits',
  'Megabits',
  'Gigabits',
  'Terabits',
  'Percent',
  'Bytes/Second',
  'Kilobytes/Second',
  'Megabytes/Second',
  'Gigabytes/Second',
  'Terabytes/Second',
  'Bits/Second',
  'Kilobits/Second',
  'Megabits/Second',
  'Gigabits/Second',
  'Terabits/Second',
  'Count/Second',
]);

/** An entitlement's unit (`<where>.unit`): a counted License Manager unit; `Count` when not given. */
export function checkUnit(code: LicenseGateErrorCode, where: string, unit: unknown): string {
  if (unit === undefined) return 'Count';
  if (typeof unit !== 'string' || !UNITS.has(unit))
    fail(
      code,
      `${where}.unit must be a counted License Manager unit such as 'Count' or 'Gigabytes'; got ${JSON.stringify(unit)}.`,
    );
  return unit;
}
