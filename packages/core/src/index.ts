/**
 * @licensegate/core — the entitlement engine: which tier an AWS Marketplace buyer purchased,
 * learnt from AWS License Manager, cached, refreshed, and answered synchronously on the hot path.
 *
 * @packageDocumentation
 */
export {
  createLicenseGate,
  LicenseGate,
  type LicenseGateEvents,
  type LicenseGateStatus,
  type LicenseGateStopReport,
} from './gate.js';
export type {
  LicenseGateOptions,
  UnavailablePolicy,
  ResolvedOptions,
  SeatOptions,
  DrawdownDimensionOptions,
  DrawdownMode,
  ResolvedSeatOptions,
  ResolvedDrawdownDimension,
} from './options.js';
export { SeatPool, type AcquireOptions } from './seats/seat-pool.js';
export {
  DrawdownMeter,
  type DrawdownStats,
  type DrawdownMeterEvents,
  type DrawdownStopReport,
} from './drawdown/drawdown-meter.js';
export type { Reservation, LateReservation } from './drawdown/reservation.js';
export { SessionSeats, SESSION_SEAT_FIELD, type SessionSeat, type SeatRequest } from './sessions/session-seats.js';
export { RequestCharge, type UnitsOf } from './http/request-charge.js';
export { RequestLicense } from './http/request-license.js';
export { watchFinishedResponses, whenResponseDone } from './http/response-finish.js';
export { endAfterJournal } from './http/end-after-journal.js';
export {
  logDenial,
  problemFor,
  PROBLEM_CONTENT_TYPE,
  PROBLEM_TYPES,
  type Problem,
  type ProblemAnswer,
} from './http/problem.js';
export type { SeatView, SeatEvents, SeatReleaseReason } from './seats/seat-record.js';
export {
  LicenseGateError,
  LicenseGateConfigurationError,
  TierRequiredError,
  NoLicenseError,
  LicenseUnavailableError,
  SeatsExhaustedError,
  SeatContentionError,
  QuotaExhaustedError,
  InvalidUnitsError,
  type LicenseGateErrorCode,
} from './errors.js';
export {
  AWS_MARKETPLACE_KEY_FINGERPRINT,
  DEFAULT_REFRESH_INTERVAL_MS,
  DEFAULT_GRACE_MS,
  DEFAULT_EXPIRY_WARNING_MS,
  DEFAULT_DRAIN_TIMEOUT_MS,
  LEASE_TTL_MS,
} from './constants.js';
export type { TierDecision } from './tiers/tier-decision.js';
export { TierOrder } from './tiers/tier-order.js';
export { systemClock, type Clock, type ClockTimer } from './clock.js';
export { stderrLogger, silentLogger, type Logger } from './logger.js';
export {
  isDurable,
  type Store,
  type StoreRecord,
  type ListedRecord,
  type PutOptions,
  type StoreContext,
} from './store/store.js';
export { MemoryStore, serializeStoreValue, type MemoryStoreOptions } from './store/memory-store.js';
export {
  assertBy,
  assertName,
  assertStoreContext,
  describe as describeStoreArgument,
  readDeleteOptions,
  readIncrementOptions,
  readPutOptions,
  type WriteConditions,
} from './store/store-arguments.js';
export { LicenseManagerCallError, type LicenseInfo, type CheckoutResult } from './source/license-source.js';
export { classifyFailure, type FailureKind, type ClassifiedFailure } from './source/failure-kind.js';
export { parseLicenseTime } from './source/license-time.js';
export type { RetryOptions } from './source/retry-options.js';
