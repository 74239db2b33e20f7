import {
  InvalidUnitsError,
  LicenseUnavailableError,
  NoLicenseError,
  QuotaExhaustedError,
  SeatsExhaustedError,
  TierRequiredError,
  LicenseGateError,
} from '../errors.js';

/**
 * An RFC 9457 problem document, as the HTTP adapters answer a denial (`application/problem+json`).
 * No stack trace, no token: only what the client may see.
 */
export interface Problem {
  /** A stable URI per cause, e.g. `urn:licensegate:tier-required`. */
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  /** The licensegate error code, e.g. `ERR_LG_TIER_REQUIRED`. */
  readonly code: string;
  readonly [extension: string]: unknown;
}

/** A problem with the HTTP headers that go with it. */
export interface ProblemAnswer {
  readonly problem: Problem;
  /** `Retry-After` in seconds, where it means something. */
  readonly retryAfterSeconds: number | undefined;
}

/** Content type of a problem answer. */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** The `type` URI of each cause. */
export const PROBLEM_TYPES = {
  tierRequired: 'urn:licensegate:tier-required',
  noLicense: 'urn:licensegate:no-license',
  licenseUnavailable: 'urn:licensegate:license-unavailable',
  seatsExhausted: 'urn:licensegate:seats-exhausted',
  seatRequired: 'urn:licensegate:seat-required',
  quotaExhausted: 'urn:licensegate:quota-exhausted',
  invalidUnits: 'urn:licensegate:invalid-units',
  stopping: 'urn:licensegate:stopping',
} as const;

function seconds(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : Math.max(1, Math.ceil(ms / 1000));
}

/**
 * The HTTP answer for a licensegate denial, or `undefined` for an error that is not one (the
 * adapter passes that on to the framework's error handling).
 *
 * | error | status |
 * | --- | --- |
 * | TierRequiredError, NoLicenseError | 403 |
 * | SeatsExhaustedError | 403, or 429 + Retry-After when it waited in the queue |
 * | seat required (ERR_LG_NO_SEAT) | 403 |
 * | QuotaExhaustedError | 402 |
 * | LicenseUnavailableError | 503 + Retry-After |
 * | InvalidUnitsError | 500 (a bug in the app's units function) |
 * | the gate is stopping or stopped (ERR_LG_STOPPED) | 503 + Retry-After: 1 (another instance can serve it) |
 */
export function problemFor(error: unknown): ProblemAnswer | undefined {
  if (error instanceof TierRequiredError) {
    return answer(PROBLEM_TYPES.tierRequired, 'Tier required', 403, error, {
      requiredTier: error.requiredTier,
      currentTier: error.currentTier,
    });
  }
  if (error instanceof NoLicenseError) {
    return answer(PROBLEM_TYPES.noLicense, 'No license', 403, error, { reason: error.reason });
  }
  if (error instanceof LicenseUnavailableError) {
    return answer(
      PROBLEM_TYPES.licenseUnavailable,
      'License check unavailable',
      503,
      error,
      {},
      seconds(error.retryAfterMs),
    );
  }
  if (error instanceof SeatsExhaustedError) {
    const waited = error.waitedMs > 0;
    return answer(
      PROBLEM_TYPES.seatsExhausted,
      'No seat free',
      waited ? 429 : 403,
      error,
      { entitlement: error.entitlement, limit: error.limit ?? null },
      waited ? seconds(error.retryAfterMs ?? 1000) : undefined,
    );
  }
  if (error instanceof QuotaExhaustedError) {
    return answer(PROBLEM_TYPES.quotaExhausted, 'Quota exhausted', 402, error, { dimension: error.dimension });
  }
  if (error instanceof InvalidUnitsError) {
    return answer(PROBLEM_TYPES.invalidUnits, 'Invalid units', 500, error, {});
  }
  if (error instanceof LicenseGateError && error.code === 'ERR_LG_NO_SEAT') {
    return answer(PROBLEM_TYPES.seatRequired, 'Seat required', 403, error, {});
  }
  if (error instanceof LicenseGateError && error.code === 'ERR_LG_STOPPED') {
    return answer(PROBLEM_TYPES.stopping, 'Shutting down', 503, error, {}, 1);
  }
  return undefined;
}

function answer(
  type: string,
  title: string,
  status: number,
  error: LicenseGateError,
  extensions: Record<string, unknown>,
  retryAfterSeconds?: number,
): ProblemAnswer {
  return {
    problem: { type, title, status, detail: error.message, code: error.code, ...extensions },
    retryAfterSeconds,
  };
}
