import { subscribe } from 'node:diagnostics_channel';

import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * "Call me when this response is done — finished, or cut off with its connection", for the
 * drawdown charges of the hot path, without a listener on each response.
 *
 * Used by `DrawdownStep`, which the Express middleware and the NestJS guard run. A `close` listener per request cost
 * 2–5% of a bare Express route in `bench/express.mjs`. Node's HTTP server publishes every finished
 * response on the diagnostics channel `http.server.response.finish`, so one subscriber serves them
 * all. A response that never finishes (the client left, the socket was destroyed) is seen through
 * its connection instead: one `close` listener per socket — a keep-alive connection carries many
 * requests — tells the responses still waiting on it that they were cut off.
 *
 * Not every server publishes (HTTP/2, test doubles without a server), so a server is trusted only
 * once a response of its own has come through the channel; until then, and for servers that never
 * publish, the caller uses a `close` listener on the response.
 */

const CHANNEL = 'http.server.response.finish';

/**
 * One response waiting to be done: the response, and what to call then. An object rather than a
 * callback, so that a caller on a request's hot path (`DrawdownStep`) passes the one object it made
 * for the request anyway, with no closure and no wrapper per request.
 */
export interface ResponseWaiter {
  /** The response waited on. */
  readonly res: object;
  /** Called once: `true` when the response finished, `false` when its connection closed first. */
  responseDone(finished: boolean): void;
}

/**
 * On a server: whether its finished responses were seen on the channel. On a socket: what waits on
 * it — `null` once its one `close` listener is on and nothing waits, one response, or several
 * (pipelining, or two drawdown steps). Symbol-keyed properties rather than weak maps: a socket
 * carries many requests, and a property read costs a request far less than a weak-map lookup.
 */
const PUBLISHES = Symbol('licensegate.publishes');
const WAITING = Symbol('licensegate.waiting');

/** A server as this module marks it. */
type MarkedServer = object & { [PUBLISHES]?: true };
/** A socket as this module marks it. */
type MarkedSocket = NonNullable<IncomingMessage['socket']> & {
  server?: MarkedServer;
  [WAITING]?: ResponseWaiter | ResponseWaiter[] | null;
};
let subscribed = false;

function onFinish(message: unknown): void {
  const { response, socket, server } = message as { response?: object; socket?: MarkedSocket; server?: MarkedServer };
  if (server !== undefined && server[PUBLISHES] !== true) server[PUBLISHES] = true;
  if (response === undefined || socket === undefined) return;
  const entry = socket[WAITING];
  if (entry == null) return;
  if (!Array.isArray(entry)) {
    if (entry.res !== response) return;
    socket[WAITING] = null;
    entry.responseDone(true);
    return;
  }
  const rest = entry.filter((waiter) => waiter.res !== response);
  socket[WAITING] = rest.length === 0 ? null : rest.length === 1 ? (rest[0] as ResponseWaiter) : rest;
  for (const waiter of entry) if (waiter.res === response) waiter.responseDone(true);
}

/** A socket closed: the responses still waiting on it were cut off. */
function onSocketClose(this: MarkedSocket): void {
  const entry = this[WAITING];
  if (entry == null) return;
  this[WAITING] = null;
  if (!Array.isArray(entry)) entry.responseDone(false);
  else for (const waiter of entry) waiter.responseDone(false);
}

/** Subscribes to the channel (once per process); idempotent. Call it when a middleware is made, before its first request. */
export function watchFinishedResponses(): void {
  if (subscribed) return;
  subscribe(CHANNEL, onFinish);
  subscribed = true;
}

/**
 * Calls `done(true)` once `res` has finished, or `done(false)` once its connection closed before it
 * did — exactly once — when the server is known to publish its finished responses; answers `false`
 * otherwise, calling nothing: use a `close` listener on the response then.
 */
export function whenResponseDone(
  req: IncomingMessage,
  res: ServerResponse,
  done: (finished: boolean) => void,
): boolean {
  return waitForResponse(req, { res, responseDone: done });
}

/**
 * {@link whenResponseDone} with the waiter as one object (`waiter.res` is the response): calls
 * `waiter.responseDone(finished)` exactly once, or answers `false`, calling nothing, when the
 * server is not known to publish.
 */
export function waitForResponse(req: IncomingMessage, waiter: ResponseWaiter): boolean {
  const socket = req.socket as MarkedSocket | null | undefined;
  if (socket == null || socket.server?.[PUBLISHES] !== true) return false;
  if (socket.destroyed) {
    // Cut off already: its close event has come and gone.
    waiter.responseDone(false);
    return true;
  }
  const before = socket[WAITING];
  if (before === undefined) socket.once('close', onSocketClose); // the socket's first charged response
  socket[WAITING] = before == null ? waiter : Array.isArray(before) ? [...before, waiter] : [before, waiter];
  return true;
}
