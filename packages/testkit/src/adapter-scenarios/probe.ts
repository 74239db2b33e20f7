import { deferred } from '../waiting.js';

/** What a work app saw, and the switches that make its requests wait. See `WorkApp`. */
export class Probe {
  /** Requests that reached the app. */
  arrived = 0;
  /** Responses closed (finished or aborted). */
  closed = 0;
  /** Handler runs (after the drawdown step let the request through). */
  handled = 0;
  /** Released by the test: requests with `?hold=1` wait for it in the handler. */
  readonly hold = deferred();
  /** When set, requests wait for it in an app step before the drawdown step (an app's slow auth step). */
  before: Promise<void> | undefined;
}
