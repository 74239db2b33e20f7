import { LicenseManagerCallError } from '../source/license-source.js';

/** A License Manager call that answered, or the error it ended with. */
export type CallOutcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

/** Runs a call and keeps its answer or its error. */
export async function settle<T>(call: Promise<T>): Promise<CallOutcome<T>> {
  try {
    return { ok: true, value: await call };
  } catch (error) {
    return { ok: false, error };
  }
}

/** The AWS exception (or network error) name a failed call ended with. */
export function errorName(error: unknown): string {
  if (error instanceof LicenseManagerCallError) return error.awsName;
  return error instanceof Error ? error.name : typeof error;
}

/** The message of what a failed call ended with. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** License Manager refused the caller's identity itself: unknown key, bad signature, expired session. */
export const CREDENTIALS_REFUSED: ReadonlySet<string> = new Set([
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'ExpiredTokenException',
  'IncompleteSignatureException',
  'MissingAuthenticationTokenException',
]);

/** IAM refused the action. */
export const ACCESS_DENIED: ReadonlySet<string> = new Set(['AccessDeniedException', 'AuthorizationException']);

/**
 * What a call's outcome says of IAM: `allowed` when License Manager answered (a success, or an
 * error that only comes after IAM let the call through: not found, validation), `denied` on
 * AccessDenied, `unknown` when the identity was refused or License Manager could not answer.
 */
export function permissionOf(outcome: CallOutcome<unknown>): 'allowed' | 'denied' | 'unknown' {
  if (outcome.ok) return 'allowed';
  const name = errorName(outcome.error);
  if (ACCESS_DENIED.has(name)) return 'denied';
  if (CREDENTIALS_REFUSED.has(name)) return 'unknown';
  if (outcome.error instanceof LicenseManagerCallError && outcome.error.kind === 'transient') return 'unknown';
  if (!(outcome.error instanceof LicenseManagerCallError)) return 'unknown';
  return 'allowed';
}
