/**
 * How long to wait before the next try after failures — one formula, with the engine's named
 * policies. The wait grows exponentially: `baseMs * 2^(attempt - 1)`, at most `maxMs`, then jitter
 * spreads it:
 * - `none`: exactly that (a schedule that must stay predictable, e.g. the tier refresh);
 * - `full`: anywhere from 0 to that (many callers retrying one service at once: the AWS SDK's choice);
 * - `equal`: from half of it to all of it (never sooner than half: a retry that must not spin).
 */
export interface BackoffPolicy {
  /** The wait after the first failure, before jitter. */
  readonly baseMs: number;
  /** The longest wait, before jitter. */
  readonly maxMs: number;
  readonly jitter: 'none' | 'full' | 'equal';
}

/** The exponent stops growing here (2^30 times the base is past every maximum the engine uses). */
const MAX_EXPONENT = 30;

/**
 * The wait before try `attempt + 1`, after `attempt` failures (1 after the first).
 * @param random - a number in [0, 1) for the jitter; `Math.random()` unless a test fixes it
 */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random?: number): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(attempt - 1, MAX_EXPONENT));
  switch (policy.jitter) {
    case 'none':
      return ceiling;
    case 'full':
      return (random ?? Math.random()) * ceiling;
    case 'equal':
      return ceiling / 2 + ((random ?? Math.random()) * ceiling) / 2;
  }
}

/**
 * A License Manager call that failed transiently, retried within the call (`retry` option: by
 * default 100 ms, doubling, at most 2 s): full jitter, as the AWS SDK does.
 */
export function licenseCallBackoff(retry: {
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}): BackoffPolicy {
  return { baseMs: retry.baseDelayMs, maxMs: retry.maxDelayMs, jitter: 'full' };
}

/** The first retry of a failed tier refresh. */
export const TIER_REFRESH_RETRY_BASE_MS = 30_000;

/**
 * The tier refresh after a failed refresh: 30 s, doubling, at most the refresh interval; no jitter
 * (the refresh interval has its own), and requests bring it forward (`recoveryProbeMs`).
 */
export function tierRefreshBackoff(refreshIntervalMs: number): BackoffPolicy {
  return { baseMs: TIER_REFRESH_RETRY_BASE_MS, maxMs: refreshIntervalMs, jitter: 'none' };
}

/** A drawdown report that failed transiently (License Manager or the store): 1 s, doubling, at most 5 minutes. */
export const REPORT_TRANSIENT_BACKOFF: BackoffPolicy = { baseMs: 1_000, maxMs: 5 * 60_000, jitter: 'equal' };

/**
 * A drawdown report refused because of how the app is set up (permissions, credentials): 1 minute,
 * doubling, at most an hour — logged, never spinning.
 */
export const REPORT_CONFIGURATION_BACKOFF: BackoffPolicy = { baseMs: 60_000, maxMs: 60 * 60_000, jitter: 'equal' };
