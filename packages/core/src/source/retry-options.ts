import { duration, fail, isObject } from '../validation/option-checks.js';
import { assertKnownOptions } from '../validation/unknown-options.js';

/** How one License Manager call is retried when it fails transiently. */
export interface RetryOptions {
  /** Attempts in all, the first included. Default 4. */
  attempts?: number;
  /** First backoff, before jitter. Default 100 ms. */
  baseDelayMs?: number;
  /** Largest backoff. Default 2,000 ms. */
  maxDelayMs?: number;
  /** No new attempt starts after this long since the first. Default 10,000 ms. */
  deadlineMs?: number;
}

/** {@link RetryOptions} with every value set. */
export type RetryPolicy = Required<RetryOptions>;

/** The default retry policy. */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 100, maxDelayMs: 2_000, deadlineMs: 10_000 };

const RETRY_KEYS: readonly (keyof RetryOptions)[] = ['attempts', 'baseDelayMs', 'maxDelayMs', 'deadlineMs'];

/**
 * Checks the `retry` option and applies its defaults.
 * @throws LicenseGateConfigurationError `ERR_LG_OPTION_RETRY`
 */
export function resolveRetry(retry: unknown): RetryPolicy {
  if (retry === undefined) return DEFAULT_RETRY;
  if (!isObject(retry))
    fail('ERR_LG_OPTION_RETRY', 'retry must be an object: { attempts, baseDelayMs, maxDelayMs, deadlineMs }.');
  assertKnownOptions(retry, RETRY_KEYS, (message) => fail('ERR_LG_OPTION_RETRY', message), {
    where: 'retry',
    known: RETRY_KEYS,
  });
  const attempts = retry['attempts'] ?? DEFAULT_RETRY.attempts;
  if (!Number.isInteger(attempts) || (attempts as number) < 1 || (attempts as number) > 20) {
    fail('ERR_LG_OPTION_RETRY', `retry.attempts must be a whole number from 1 to 20; got ${JSON.stringify(attempts)}.`);
  }
  return {
    attempts: attempts as number,
    baseDelayMs: duration(
      'retry.baseDelayMs',
      retry['baseDelayMs'],
      DEFAULT_RETRY.baseDelayMs,
      0,
      60_000,
      'ERR_LG_OPTION_RETRY',
    ),
    maxDelayMs: duration(
      'retry.maxDelayMs',
      retry['maxDelayMs'],
      DEFAULT_RETRY.maxDelayMs,
      0,
      300_000,
      'ERR_LG_OPTION_RETRY',
    ),
    deadlineMs: duration(
      'retry.deadlineMs',
      retry['deadlineMs'],
      DEFAULT_RETRY.deadlineMs,
      0,
      600_000,
      'ERR_LG_OPTION_RETRY',
    ),
  };
}
