/**
 * How the engine sorts a failed License Manager call:
 * - `definitive`: License Manager answered, and the answer is no (nothing to retry, no fallback);
 * - `transient`: it could not answer now (throttling, 5xx, timeouts, the network) — retried with
 *   backoff, and the failure policy decides what requests get meanwhile;
 * - `configuration`: the app is set up wrong (permissions, credentials, Region, a bad request) —
 *   logged as an error and never retried in a loop.
 */
export type FailureKind = 'definitive' | 'transient' | 'configuration';

/** A failed call, sorted. */
export interface ClassifiedFailure {
  readonly kind: FailureKind;
  /** The AWS exception name, or the Node error code / name for network failures. */
  readonly name: string;
  readonly message: string;
  /** HTTP status, when there was an answer. */
  readonly status: number | undefined;
}

const DEFINITIVE = new Set([
  'NoEntitlementsAllowedException',
  'ResourceNotFoundException',
  'EntitlementNotAllowedException',
]);

const TRANSIENT = new Set([
  'RateLimitExceededException',
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ServerInternalException',
  'InternalFailure',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'AbortError',
  'SyntaxError', // a non-JSON body, e.g. a proxy's HTML error page
]);

const CONFIGURATION = new Set([
  'AccessDeniedException',
  'AuthorizationException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'IncompleteSignatureException',
  'MissingAuthenticationTokenException',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'ValidationException',
  'InvalidParameterValueException',
  'UnsupportedDigitalSignatureMethodException',
  'RedirectException',
  'CredentialsProviderError',
  'UnknownOperationException',
  'SerializationException',
]);

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
]);

function field(error: object, key: string): unknown {
  return (error as Record<string, unknown>)[key];
}

/**
 * Sorts any error thrown by a License Manager call. Unknown errors count as transient: the failure
 * policy then decides, which is safer than treating an unexplained error as a definitive "no".
 */
export function classifyFailure(error: unknown): ClassifiedFailure {
  if (error === null || typeof error !== 'object') {
    return { kind: 'transient', name: 'UnknownError', message: String(error), status: undefined };
  }
  const name = String(field(error, 'name') ?? 'Error');
  const message = String(field(error, 'message') ?? '');
  const metadata = field(error, '$metadata') as { httpStatusCode?: number } | undefined;
  const status = metadata?.httpStatusCode;
  const code = field(error, 'code');
  const base = { name, message, status };
  if (DEFINITIVE.has(name)) return { kind: 'definitive', ...base };
  if (CONFIGURATION.has(name)) return { kind: 'configuration', ...base };
  if (TRANSIENT.has(name)) return { kind: 'transient', ...base };
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return { kind: 'transient', ...base, name: code };
  if (status !== undefined && (status >= 500 || status === 429)) return { kind: 'transient', ...base };
  if (field(error, '$fault') === 'server') return { kind: 'transient', ...base };
  if (status === 401 || status === 403) return { kind: 'configuration', ...base };
  return { kind: 'transient', ...base };
}
