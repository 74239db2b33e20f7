import type { CreateTimeFormat } from '../protocol/timestamps.js';
import type { ConsumptionLedger } from '../state/consumption-ledger.js';
import type { IdempotencyCache } from '../state/idempotency-cache.js';
import type { LicenseStore } from '../state/license-store.js';
import type { BorrowSigner } from './borrow-signer.js';

/** What an operation handler may read and change. */
export interface OperationContext {
  /** Virtual now, epoch ms, read once per request. */
  readonly now: number;
  /** Region of the caller's SigV4 credential scope. */
  readonly region: string;
  /** The emulator's own AWS account (issuer of CreateLicense licenses). */
  readonly accountId: string;
  readonly createTimeFormat: CreateTimeFormat;
  /** How long a new license stays PENDING_AVAILABLE. */
  readonly propagationDelayMs: number;
  readonly licenses: LicenseStore;
  readonly ledger: ConsumptionLedger;
  readonly idempotency: IdempotencyCache;
  readonly signer: BorrowSigner;
}

/**
 * One emulated operation. `handle` gets input the model validator has accepted, and must check
 * everything else before it changes any state, so that a refused request changes nothing.
 */
export interface OperationDefinition {
  /** Checks made before model validation, where AWS answers with a more specific error. */
  readonly precheck?: (input: Record<string, unknown>) => void;
  /** Does the work; `undefined` means an empty answer body. */
  readonly handle: (input: never, context: OperationContext) => object | undefined;
}
