import {
  InvalidUnitsError,
  LicenseUnavailableError,
  NoLicenseError,
  QuotaExhaustedError,
  SeatsExhaustedError,
  TierRequiredError,
  LicenseGateError,
} from '../errors.js';
import type { Logger } from '../logger.js';
import { denials, publishDenial } from '../telemetry/denial-channel.js';

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
  /**
   * The detail is generic: the error's own message is for the server's log only (it may name roles,
   * accounts, hosts). The adapters log it.
   */
  readonly logged: boolean;
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
  contention: 'urn:licensegate:contention',
  internal: 'urn:licensegate:internal',
} as const;

/**
 * What a client is told when the license cannot be checked now. License Manager's own messages
 * (and the store's) stay in the server's log: they can name roles, accounts and hosts.
 */
const UNAVAILABLE_DETAIL = 'The license cannot be checked now; try again later.';
/** What a client is told of a licensegate failure that is the server's own (its setup, a bug): the details go to the log. */
const INTERNAL_DETAIL = 'The license check failed on the server; its log says why.';

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
 * | a seat record kept changing (ERR_LG_SEAT_CONTENTION) | 503 + Retry-After: 1 |
 * | License Manager refuses the app's setup, any other licensegate error | 503 or 500, with a generic detail |
 *
 * Answers of the server's own trouble (License Manager unreachable or refusing the app's setup,
 * the store, a bug) carry a generic `detail`: the error's message, which may name roles, accounts
 * and hosts, is for the log (the adapters log it), never for the client. `logged` says so.
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
      UNAVAILABLE_DETAIL,
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
  if (!(error instanceof LicenseGateError)) return undefined;
  switch (error.code) {
    case 'ERR_LG_STOPPED':
      return answer(PROBLEM_TYPES.stopping, 'Shutting down', 503, error, {}, 1);
    case 'ERR_LG_SEAT_CONTENTION':
      return answer(PROBLEM_TYPES.contention, 'Busy', 503, error, {}, 1);
    case 'ERR_LG_LICENSE_MANAGER_CONFIGURATION':
    case 'ERR_LG_LICENSE_UNAVAILABLE':
      // License Manager refused the app's setup (permissions, credentials, Region), or a call failed.
      return answer(
        PROBLEM_TYPES.licenseUnavailable,
        'License check unavailable',
        503,
        error,
        {},
        60,
        UNAVAILABLE_DETAIL,
      );
    default:
      return answer(PROBLEM_TYPES.internal, 'License check failed', 500, error, {}, undefined, INTERNAL_DETAIL);
  }
}

function answer(
  type: string,
  title: string,
  status: number,
  error: LicenseGateError,
  extensions: Record<string, unknown>,
  retryAfterSeconds?: number,
  genericDetail?: string,
): ProblemAnswer {
  return {
    problem: { type, title, status, detail: genericDetail ?? error.message, code: error.code, ...extensions },
    retryAfterSeconds,
    logged: genericDetail !== undefined,
  };
}

/**
 * Logs what a denial's client is not told: for a failure of the server's own (500), the error's
 * message at `error` level; for License Manager unreachable or refusing the setup (503 with a
 * generic detail), at `debug` (the gate logs each outage once, with the details, as it begins).
 * Denials about the license itself (402, 403, 429) are not logged.
 */
export function logDenial(
  gate: { readonly options: { readonly logger: Logger } },
  answer: ProblemAnswer,
  path: string | undefined,
  error: unknown,
): void {
  const { status, code } = answer.problem;
  if (status < 500) return;
  const fields = { event: 'licensegate.request.failed', code, status, path, error: (error as Error)?.message };
  if (status === 503) {
    if (answer.logged)
      gate.options.logger.debug(fields, 'A request was answered 503: the license cannot be checked now');
    return;
  }
  gate.options.logger.error(fields, 'A licensegate step failed; the client got a 500 with a generic detail');
}

/**
 * The answer for a licensegate denial, logged as {@link logDenial} says and published on the
 * `licensegate:denial` diagnostics channel when it has subscribers (`DenialMessage`); `undefined`
 * for an error that is not a denial (the adapter passes that on to the framework's error
 * handling). What each adapter calls before it writes the answer its framework's way.
 */
export function answerDenial(
  gate: { readonly options: { readonly logger: Logger; readonly productSku?: string } },
  error: unknown,
  path: string | undefined,
): ProblemAnswer | undefined {
  const answer = problemFor(error);
  if (answer !== undefined) {
    logDenial(gate, answer, path, error);
    if (denials.hasSubscribers) publishDenial(gate, answer, path, error);
  }
  return answer;
}
