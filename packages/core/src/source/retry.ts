import { setTimeout as sleep } from 'node:timers/promises';
import { backoffDelay, licenseCallBackoff } from '../util/backoff.js';
import type { ClassifiedFailure } from './failure-kind.js';
import type { RetryPolicy } from './retry-options.js';

/**
 * Runs `call` until it succeeds, fails for a reason that is not transient, or the attempts or the
 * deadline run out. Backoff is exponential with full jitter (`licenseCallBackoff`, util/backoff.ts). The SDK does not retry
 * RateLimitExceededException at status 400, which License Manager may send, so the engine does.
 *
 * Backoff waits are real time (they are short); the engine's schedule uses the injected clock.
 *
 * @param classify - sorts a thrown error; only `transient` ones are retried
 * @param onRetry - told of each failure that will be retried, with the delay before the next try
 */
export async function withRetry<T>(
  call: (attempt: number) => Promise<T>,
  classify: (error: unknown) => ClassifiedFailure,
  policy: RetryPolicy,
  onRetry?: (failure: ClassifiedFailure, attempt: number, delayMs: number) => void,
): Promise<T> {
  const started = performance.now();
  const backoff = licenseCallBackoff(policy);
  for (let attempt = 1; ; attempt++) {
    try {
      return await call(attempt);
    } catch (error) {
      const failure = classify(error);
      if (failure.kind !== 'transient' || attempt >= policy.attempts) throw error;
      const delay = backoffDelay(backoff, attempt);
      if (performance.now() - started + delay > policy.deadlineMs) throw error;
      onRetry?.(failure, attempt, delay);
      await sleep(delay);
    }
  }
}
