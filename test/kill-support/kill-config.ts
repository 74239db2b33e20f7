/**
 * What the kill suite's app and its test share: the license's entitlement names and the gate's
 * settings. The child app builds its gate from these; the test bounds its waits with them.
 */

/** The floating-seat entitlement. */
export const SEATS = 'ConcurrentUsers';
/** The drawdown entitlement charged in `batch` mode (route `POST /batch?units=N`). */
export const BATCH_UNITS = 'DataConsumption';
/** The drawdown entitlement charged in `reserve` mode (route `POST /reserve?units=N`). */
export const RESERVE_UNITS = 'ComputeMinutes';

/**
 * A batch is reported when this many units are pending (or every interval): about a tenth of a
 * second of the test's traffic, so that each kill's traffic seals and reports several batches and
 * the kill may find one under way — and yet sized for the traffic, as an app's would be: with
 * smaller batches the bound (an engine holds at most this many units unreported; more wait for the
 * report) holds the app to License Manager's pace, and it idles between reports.
 */
export const BATCH_SIZE = 500;
/** …or this often. */
export const BATCH_INTERVAL_MS = 200;
/** Reserve mode checks out blocks of this many units ahead (a few per kill's traffic). */
export const BLOCK_UNITS = 200;
/**
 * An instance's heartbeat lease: what a killed instance left is adopted this long after its last
 * heartbeat. Real time (the apps run on the system clock), so it is kept short.
 */
export const INSTANCE_LEASE_MS = 1_000;
/** A seat unused this long is checked in by the idle reaper. Real time, so short. */
export const IDLE_TIMEOUT_MS = 1_000;
/** The session cookie's lifetime (no shorter than the idle timeout, as the Express README asks). */
export const SESSION_MAX_AGE_MS = 60_000;

/** The store kinds the kill suite knows. */
export type KillStoreKind = 'redis' | 'file';
