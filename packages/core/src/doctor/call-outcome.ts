import { LicenseManagerCallError } from '../source/license-source.js';
import { permissionOfError, type Permission } from '../source/permission-answer.js';

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

/**
 * What a call's outcome says of IAM: `allowed` when License Manager answered (a success, or an
 * error that only comes after IAM let the call through: not found, validation), `denied` on
 * AccessDenied, `unknown` when the identity was refused or License Manager could not answer.
 */
export function permissionOf(outcome: CallOutcome<unknown>): Permission {
  if (outcome.ok) return 'allowed';
  if (!(outcome.error instanceof LicenseManagerCallError)) return 'unknown';
  return permissionOfError(outcome.error.awsName, outcome.error.kind === 'transient');
}
