import { subscribe } from 'node:diagnostics_channel';

import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * "Call me when this response has finished", for the drawdown charges of the hot path, without a
 * listener on each response.
 *
 * Used by the Express middleware and the NestJS interceptor. A `close` listener per request cost
 * 2–5% of a bare Express route in `bench/express.mjs`. Node's
 * HTTP server publishes every finished response on the diagnostics channel
 * `http.server.response.finish`, so one subscriber serves them all: a response waiting for its
 * charge is found in a WeakMap. Not every server publishes (HTTP/2, test doubles without a
 * server), so a server is trusted only once a response of its own has come through the channel;
 * until then, and for servers that never publish, the caller uses a `close` listener.
 *
 * Only for charges that hold nothing: an aborted response never finishes, so its callback is
 * never called, and nothing is charged for it.
 */

const CHANNEL = 'http.server.response.finish';

/** Servers whose finished responses were seen on the channel. */
const publishing = new WeakSet<object>();
/** What each response waits for (one callback, or several when two drawdown middlewares ran). */
const waiting = new WeakMap<object, (() => void) | (() => void)[]>();
let subscribed = false;

function onFinish(message: unknown): void {
  const { response, server } = message as { response?: object; server?: object };
  if (server !== undefined && !publishing.has(server)) publishing.add(server);
  if (response === undefined) return;
  const then = waiting.get(response);
  if (then === undefined) return;
  waiting.delete(response);
  if (typeof then === 'function') then();
  else for (const each of then) each();
}

/** Subscribes to the channel (once per process); idempotent. Call it when a middleware is made, before its first request. */
export function watchFinishedResponses(): void {
  if (subscribed) return;
  subscribe(CHANNEL, onFinish);
  subscribed = true;
}

/**
 * Calls `then` once `res` has finished (never when it is aborted), when the server is known to
 * publish its finished responses; answers `false` otherwise, calling nothing: use a `close`
 * listener then.
 */
export function whenFinished(req: IncomingMessage, res: ServerResponse, then: () => void): boolean {
  const server = (req.socket as { server?: object } | null | undefined)?.server;
  if (server === undefined || !publishing.has(server)) return false;
  const before = waiting.get(res);
  waiting.set(res, before === undefined ? then : typeof before === 'function' ? [before, then] : [...before, then]);
  return true;
}
