/**
 * `@licensegate/core/http` — the adapter kit: what a framework adapter (Express, NestJS, the next
 * one) builds on, so that it only maps its framework's request, response and session onto the
 * engine: a request's charge, its license view, seats per session, the end of a response, and the
 * problem answer of a denial. Apps use `@licensegate/core` and their framework's package instead.
 *
 * One line per source file; add a line when the kit grows, then run `npm run api`.
 *
 * @module @licensegate/core/http
 */
export { RequestCharge, type UnitsOf } from './request-charge.js';
export { RequestLicense } from './request-license.js';
export { watchFinishedResponses, whenResponseDone } from './response-finish.js';
export { endAfterJournal } from './end-after-journal.js';
export {
  ChargeHandle,
  DrawdownStep,
  type DrawdownStepOptions,
  type NodeExchange,
  type OpenedLater,
} from './drawdown-step.js';
export { SeatSteps } from './seat-steps.js';
export {
  answerDenial,
  logDenial,
  problemFor,
  PROBLEM_CONTENT_TYPE,
  PROBLEM_TYPES,
  type Problem,
  type ProblemAnswer,
} from './problem.js';
export {
  HealthCheck,
  type HealthAnswer,
  type HealthCheckOptions,
  type HealthGates,
  type HealthProbe,
  type HealthReport,
} from './health-check.js';
export { SessionSeats, SESSION_SEAT_FIELD, type SessionSeat, type SeatRequest } from '../sessions/session-seats.js';
export {
  assertKnownOptions,
  unknownNames,
  unknownOptionsMessage,
  type UnknownName,
  type UnknownOptionsContext,
} from '../validation/unknown-options.js';
