import { AwsError } from '../protocol/aws-error.js';
import type { LicenseTerms } from '../protocol/shapes.js';
import { parseIsoTime } from '../protocol/timestamps.js';

/**
 * Checks what the model cannot: a validity that ends after it begins, entitlement names used once,
 * counts that are not negative, and TTLs of at least a minute.
 * @throws InvalidParameterValueException naming the first problem
 */
export function checkTerms(terms: LicenseTerms): void {
  const begin = parseIsoTime(terms.Validity.Begin);
  const end = terms.Validity.End === undefined ? undefined : parseIsoTime(terms.Validity.End);
  if (Number.isNaN(begin) || (end !== undefined && Number.isNaN(end))) {
    throw new AwsError(
      'InvalidParameterValueException',
      'Validity.Begin and Validity.End must be ISO 8601 date-times.',
    );
  }
  if (end !== undefined && end <= begin) {
    throw new AwsError(
      'InvalidParameterValueException',
      `Validity.End (${terms.Validity.End}) must be after Validity.Begin (${terms.Validity.Begin}).`,
    );
  }
  const names = new Set<string>();
  for (const e of terms.Entitlements) {
    if (names.has(e.Name)) {
      throw new AwsError(
        'InvalidParameterValueException',
        `Entitlement name '${e.Name}' is used more than once; names must be unique.`,
      );
    }
    names.add(e.Name);
    if (e.MaxCount !== undefined && (e.MaxCount < 0 || !Number.isSafeInteger(e.MaxCount))) {
      throw new AwsError(
        'InvalidParameterValueException',
        `MaxCount of '${e.Name}' must be a whole number of 0 or more; got ${e.MaxCount}.`,
      );
    }
  }
  const config = terms.ConsumptionConfiguration;
  for (const [what, ttl] of [
    ['ProvisionalConfiguration', config.ProvisionalConfiguration?.MaxTimeToLiveInMinutes],
    ['BorrowConfiguration', config.BorrowConfiguration?.MaxTimeToLiveInMinutes],
  ] as const) {
    if (ttl !== undefined && ttl < 1) {
      throw new AwsError(
        'InvalidParameterValueException',
        `${what}.MaxTimeToLiveInMinutes must be at least 1; got ${ttl}.`,
      );
    }
  }
}
