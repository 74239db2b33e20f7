/**
 * HTTP status codes for License Manager's exceptions.
 *
 * AWS's two sources disagree (ARCHITECTURE.md U-2): the Smithy model that current SDKs are generated
 * from gives each exception its own status (`smithy`), while the API reference pages show every
 * client error as 400 (`apiref`). Which one the live service sends is unconfirmed, and it matters
 * for retries only (SDKs pick the exception class from `__type`), so the emulator offers both.
 */
export type StatusMode = 'smithy' | 'apiref';

/** The Smithy `httpError` trait of each License Manager exception. */
const SMITHY_STATUS: Readonly<Record<string, number>> = {
  ValidationException: 400,
  InvalidParameterValueException: 400,
  ResourceNotFoundException: 400,
  NoEntitlementsAllowedException: 400,
  EntitlementNotAllowedException: 400,
  UnsupportedDigitalSignatureMethodException: 400,
  RedirectException: 308,
  AuthorizationException: 403,
  AccessDeniedException: 401,
  RateLimitExceededException: 429,
  ServerInternalException: 500,
  ConflictException: 409,
  ResourceLimitExceededException: 400,
  FilterLimitExceededException: 400,
  FailedDependencyException: 424,
  InvalidResourceStateException: 400,
  LicenseUsageException: 412,
};

/** Exceptions that are server faults (5xx) in every mode. */
const SERVER_FAULTS: ReadonlySet<string> = new Set(['ServerInternalException']);

/** Exception names License Manager models (the others come from the AWS front end). */
export const MODELLED_EXCEPTIONS: readonly string[] = Object.keys(SMITHY_STATUS);

/**
 * The HTTP status for an exception name.
 *
 * @param name - exception name, e.g. `RateLimitExceededException`
 * @param mode - `smithy` (per-exception codes) or `apiref` (400 for every client error)
 * @returns the status; 400 for names the table does not know (front-end errors such as
 *   `SerializationException` or `UnknownOperationException`)
 */
export function statusFor(name: string, mode: StatusMode): number {
  if (SERVER_FAULTS.has(name)) return 500;
  if (mode === 'apiref') return 400;
  // Own properties only: a fault may name any exception, `constructor` or `toString` included.
  return Object.hasOwn(SMITHY_STATUS, name) ? (SMITHY_STATUS[name] as number) : 400;
}
