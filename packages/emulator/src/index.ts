/**
 * @licensegate/emulator — a local AWS License Manager that speaks the real AWS JSON 1.1 wire
 * protocol, for testing License Manager integrations in any language.
 *
 * @packageDocumentation
 */
export { startEmulator, type EmulatorOptions, type RunningEmulator } from './server.js';
export { LicenseManagerEmulator, type EmulatorSettings, type CallCounts, type StateDump } from './emulator.js';
export { EmulatorError, type EmulatorErrorCode } from './emulator-error.js';
export { VirtualClock, EARLIEST_CLOCK_MS, LATEST_CLOCK_MS } from './clock.js';
export type { FaultSpec, Fault, FaultKind, FaultRegistry } from './faults.js';
export type { SeedLicense } from './seed.js';
export type {
  License,
  IssuerDetails,
  LicenseTerms,
  Entitlement,
  DatetimeRange,
  ConsumptionConfiguration,
  Metadata,
} from './protocol/shapes.js';
export type { AccessKey } from './auth/sigv4.js';
export { AwsError } from './protocol/aws-error.js';
export type { StatusMode } from './protocol/status-table.js';
export type { CreateTimeFormat } from './protocol/timestamps.js';
export { MARKETPLACE_ACCOUNT_ID, MARKETPLACE_ISSUER_NAME, fingerprintOf } from './state/license-store.js';
export type { ConsoleOverview, LicenseView, EntitlementView, ConsumptionView } from './console/overview.js';
export type { RequestLog, LoggedCall } from './console/request-log.js';
export type { UsageHistory, UsagePoint } from './console/usage-history.js';
