import { LicenseManagerCallError, type LicenseSource } from '../../source/license-source.js';
import type { SendFailureKind } from './failure-tracker.js';
import type { Journal } from './journal.js';

/** Payload of the `unitsReported` event: units License Manager acknowledged, and the call's ClientToken. */
export interface UnitsReportedEvent {
  readonly dimension: string;
  readonly units: number;
  readonly clientToken: string;
}

/** What the senders of journal records share. */
export interface SendContext {
  readonly journal: Journal;
  readonly source: LicenseSource;
  /** This engine's id: the owner of the records it sends. */
  readonly instanceId: string;
  /** Told of every acknowledged checkout, once. */
  readonly reported: (event: UnitsReportedEvent) => void;
}

/**
 * Sorts a failed PERPETUAL checkout: `refused` (NoEntitlementsAllowedException — the pool lacks
 * the units; a refused call consumed nothing), `transient` (resend the same call later) or
 * `configuration` (permissions, credentials, a missing license: log, back off, never spin).
 * Errors that are not License Manager's (a store failure) are thrown again.
 */
export function classifySendError(error: unknown): 'refused' | SendFailureKind {
  if (!(error instanceof LicenseManagerCallError)) throw error;
  if (error.kind === 'transient') return 'transient';
  if (error.kind === 'definitive' && error.awsName === 'NoEntitlementsAllowedException') return 'refused';
  return 'configuration';
}
