/**
 * `@licensegate/core/testing`: what tests of an app that uses licensegate — and tests of a store
 * written for it — need: a clock that moves only when told, a logger that records what it is told,
 * and the store conformance suite.
 *
 * @module @licensegate/core/testing
 */
export { ManualClock, ClockAdvanceError } from './manual-clock.js';
export { CapturingLogger, type LogEntry, type LogLevel } from './capturing-logger.js';
export { storeConformanceCases } from './store-conformance.js';
export type { StoreConformanceCase, StoreConformanceContext } from './store-conformance.js';
