import { InvalidUnitsError } from '../errors.js';

/**
 * Checks a number of drawdown units given by the app. Units are whole numbers from 0 to
 * `Number.MAX_SAFE_INTEGER`; `0` is accepted and debits nothing (a request that used no units needs
 * no special case), and `-0` counts as `0`.
 *
 * @returns the units, as a number
 * @throws InvalidUnitsError (`ERR_LG_INVALID_UNITS`) for anything else — NaN, a negative or
 *   fractional number, ±Infinity, a number above `MAX_SAFE_INTEGER`, a string, `null`, `undefined` —
 *   before anything is debited
 */
export function checkUnits(dimension: string, units: unknown): number {
  if (typeof units !== 'number' || !Number.isSafeInteger(units) || units < 0)
    throw new InvalidUnitsError(dimension, units);
  return units === 0 ? 0 : units;
}
