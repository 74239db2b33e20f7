/**
 * The test world shared by the adapter suites (a private workspace, never published): a License
 * Manager emulator on 127.0.0.1 (a new one per test), a ManualClock that starts at the emulator's
 * time, gates that reach the emulator through the real AWS SDK over HTTP, a capturing logger, seed
 * licenses, problem+json assertions, raw abortable requests, and seller-side reads of what License
 * Manager counted — and the adapter table (`runAdapterTable(driver)`): the scenarios every adapter
 * must pass, written once against an {@link AdapterDriver}.
 *
 * Time never passes by itself: `advance(ms)` moves the emulator's clock, then the gates' clock
 * (running their due timers). Waiting is for I/O only (`until`), never for time.
 */
export { CapturingLogger, type LogEntry, type LogLevel } from '@licensegate/core/testing';
export { SECOND, MINUTE, REGION, TIERS, FAST_RETRY, PAST_REFRESH } from './constants.js';
export { marketplaceLicense, tieredLicense, countedLicense } from './licenses.js';
export { until, deferred } from './waiting.js';
export { recordEvents, type EventLog } from './events.js';
export { assertProblem, assertNoStack, type ExpectedProblem } from './problems.js';
export { rawRequest, rawPost } from './raw-request.js';
export { AdapterWorld, useWorldOf } from './world.js';
export * from './adapter-scenarios/index.js';
export { runHealthTable, type HealthApp, type HealthDriver } from './health-scenarios.js';
