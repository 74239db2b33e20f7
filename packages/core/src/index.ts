/**
 * `@licensegate/core` — the entitlement engine: which tier an AWS Marketplace buyer purchased,
 * learnt from AWS License Manager, cached, refreshed, and answered synchronously on the hot path;
 * floating seats; drawdown units.
 *
 * This entry is what an app uses. The kit for HTTP adapters is `@licensegate/core/http`, the kit
 * for store authors `@licensegate/core/store`, and test helpers are `@licensegate/core/testing`.
 * The public face of each entry is locked by its report in `packages/core/api/` (`npm run api`).
 *
 * @module @licensegate/core
 */
export {
  createLicenseGate,
  LicenseGate,
  type LicenseGateEvents,
  type LicenseGateStatus,
  type LicenseGateStopReport,
} from './gate.js';
export { isLicenseGate } from './gate.js';
export type { GateHealth, ModelHealth, HealthCode, HealthModel } from './health/health-types.js';
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
export type { RetryOptions, RetryPolicy } from './source/retry-options.js';
export type { GateOptions, ResolvedGateOptions } from './gate-options.js';
export type { LicenseWatchEvents } from './license/license-watch.js';
export { SeatPool, type AcquireOptions, type SeatStats } from './seats/seat-pool.js';
export type { AdoptHow } from './seats/seat-handover.js';
export type { QuotaExhaustedEvent } from './drawdown/journal/quota-state.js';
export type { UnitsReportedEvent } from './drawdown/journal/send-context.js';
export type { SeatView, SeatEvents, SeatReleaseReason } from './seats/seat-record.js';
export {
  DrawdownMeter,
  type DrawdownStats,
  type DrawdownMeterEvents,
  type DrawdownStopReport,
} from './drawdown/drawdown-meter.js';
export type { Reservation, LateReservation } from './drawdown/reservation.js';
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
  JournalConflictError,
  type LicenseGateErrorCode,
  type StoreErrorCode,
} from './errors.js';
export { LicenseManagerCallError } from './source/license-source.js';
export type { FailureKind, ClassifiedFailure } from './source/failure-kind.js';
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
export {
  stderrLogger,
  silentLogger,
  createStderrLogger,
  type Logger,
  type StderrLogLevel,
  type StderrLoggerOptions,
} from './logger.js';
export { isDurable, type Store } from './store/store.js';
export { MemoryStore, type MemoryStoreOptions } from './store/memory-store.js';
export type { MetricsOptions, MeterSource } from './telemetry/metrics-options.js';
export type {
  MeterLike,
  MeterProviderLike,
  HistogramLike,
  ObservableInstrumentLike,
  BatchObserverLike,
  BatchCallbackLike,
  MetricAttributes,
  MetricInstrumentOptions,
} from './telemetry/otel-types.js';
export {
  LICENSE_MANAGER_CHANNEL,
  DENIAL_CHANNEL,
  type LicenseManagerCallMessage,
  type DenialMessage,
} from './telemetry/channels.js';
