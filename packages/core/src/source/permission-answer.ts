/**
 * What License Manager's answer to a call says of the caller's IAM permission for it: the one reading
 * shared by the start-up permission probe (`permission-probe.ts`) and `licensegate doctor`.
 *
 * @module
 */

/** Answers that mean the caller may not call the action: IAM's, and DryRun's for ExtendLicenseConsumption. */
export const ACCESS_DENIED: ReadonlySet<string> = new Set([
  'AccessDeniedException',
  'AuthorizationException',
  'UnauthorizedOperation',
]);

/** Answers that refuse the caller's identity itself: an unknown key, a bad signature, an expired session. */
export const CREDENTIALS_REFUSED: ReadonlySet<string> = new Set([
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'ExpiredTokenException',
  'IncompleteSignatureException',
  'MissingAuthenticationTokenException',
]);

/** Failures that say nothing of the action either: the identity refused, no credentials, a redirect. */
const NOT_ABOUT_THE_ACTION: ReadonlySet<string> = new Set([
  ...CREDENTIALS_REFUSED,
  'CredentialsProviderError',
  'RedirectException',
]);

/** What an answer says of a permission. */
export type Permission = 'allowed' | 'denied' | 'unknown';

/**
 * The permission an error answer shows: `denied` on AccessDenied; `unknown` when the identity was
 * refused or License Manager did not answer (`transient`: the network, throttling, a 5xx); `allowed`
 * otherwise — License Manager looked at the request (not found, validation), so IAM let it through.
 * @param name - the exception name the call ended with
 * @param transient - whether the failure was transient (no answer about the request)
 */
export function permissionOfError(name: string, transient: boolean): Permission {
  if (ACCESS_DENIED.has(name)) return 'denied';
  if (transient || NOT_ABOUT_THE_ACTION.has(name)) return 'unknown';
  return 'allowed';
}
