import type { IncomingMessage, ServerResponse } from 'node:http';

import { LicenseGateConfigurationError } from '../errors.js';
import type { LicenseGate } from '../gate.js';
import type { Logger } from '../logger.js';
import { RequestCharge, type UnitsOf } from './request-charge.js';
import { type ResponseWaiter, waitForResponse, watchFinishedResponses } from './response-finish.js';

/** The Node.js request and response under a framework's own (Express's are the same objects). */
export interface NodeExchange {
  /** Node's request (Fastify: `request.raw`). */
  readonly req: IncomingMessage;
  /** Node's response, whose end and close the step watches (Fastify: `reply.raw`). */
  readonly res: ServerResponse;
}

/** Options of a {@link DrawdownStep}, from the adapter and the app. */
export interface DrawdownStepOptions<Req, Res> {
  /**
   * Whether a finished response is charged. Default: its status is below 400. A throw charges
   * nothing (and is logged): it runs inside a response event, where a throw would end the process.
   */
  chargeWhen?: ((req: Req, res: Res) => boolean) | undefined;
  /**
   * The Node.js request and response under the framework's: `'raw'` for a framework that keeps them
   * as `.raw` (Fastify's `request.raw` and `reply.raw`; nothing is made per request then), or a
   * function that finds them. Default: the framework's objects are Node's (Express, NestJS on Express).
   */
  node?: 'raw' | ((req: Req, res: Res) => NodeExchange) | undefined;
}

/** What {@link DrawdownStep.open} answers for a client that went away before its charge opened. */
const GONE: OpenedLater = Promise.resolve(false);

/**
 * A way to cancel one request's charge from outside its response: for an adapter that learns of a
 * failed handler before the response is written (the deprecated Nest interceptor cancels on the
 * handler's error, whatever status the app's filter answers). A charge settles once, so a cancel
 * makes the response's end charge nothing; a cancel before the charge opened cancels it when it does.
 */
export class ChargeHandle {
  #cancel: (() => void) | undefined;
  #cancelled = false;

  /** Called by the step once the charge is open. */
  attach(cancel: () => void): void {
    if (this.#cancelled) cancel();
    else this.#cancel = cancel;
  }

  /** Cancels the charge (nothing is charged for the request); later calls do nothing. */
  cancel(): void {
    if (this.#cancelled) return;
    this.#cancelled = true;
    this.#cancel?.();
  }
}

/** A framework object that wraps Node's, as `.raw` (Fastify's request and reply). */
interface RawWrapper<N> {
  readonly raw: N;
}

/**
 * One request's charge once open, and the waiter its response's end calls: one object per request
 * holding what settling needs, so the hot path makes no closure and no exchange or waiter object (a
 * closure, an exchange and a waiter per request measured about 1% of a bare Fastify route).
 */
class OpenCharge<Req, Res> implements ResponseWaiter {
  /** Node's response: the one the finish channel names. */
  readonly res: ServerResponse;

  constructor(
    readonly settle: (open: OpenCharge<Req, Res>, finished: boolean) => void,
    readonly charge: RequestCharge<Req, Res>,
    /** The framework's request and response: what the units function and `chargeWhen` are given. */
    readonly req: Req,
    readonly response: Res,
    /** Node's request (its socket, its URL for a log line). */
    readonly nodeReq: IncomingMessage,
    res: ServerResponse,
  ) {
    this.res = res;
  }

  responseDone(finished: boolean): void {
    this.settle(this, finished);
  }
}

/**
 * What {@link DrawdownStep.open} answers when the units could not be held at once: `true` when the
 * handler may run, `false` when the client went away meanwhile (nothing is charged, and there is
 * no one to answer).
 */
export type OpenedLater = Promise<boolean>;

/**
 * The drawdown step of one route, for any HTTP framework: the per-request charge lifecycle that the
 * Express middleware, the NestJS guard and any later adapter run, written once.
 *
 * Made once per route (the dimension and the units are checked then, so a mistake fails at
 * startup), it opens each request's {@link RequestCharge} before the handler and settles it when
 * the response is done:
 * - charged when the response finished and `chargeWhen` says so (default: status below 400);
 * - cancelled when the connection closed before the response finished, or the client went away
 *   while its units were being held;
 * - on a durable store, the response's end waits until the charge is journaled (write-ahead, see
 *   `RequestCharge.journalBeforeEnd`); a charge that fails then destroys the response instead.
 *
 * The hot path (units held at once: batch mode within its bound, units read at the end) makes no
 * promise and adds no listener per request: the settlement comes through Node's
 * `http.server.response.finish` diagnostics channel and one `close` listener per connection
 * (`whenResponseDone`), or a `close` listener on the response where the server does not publish.
 * A failed settlement is logged (`licensegate.drawdown.charge_failed`): nothing was charged for it.
 */
export class DrawdownStep<Req, Res> {
  /** The dimension charged. */
  readonly dimension: string;
  readonly #gate: LicenseGate;
  readonly #units: UnitsOf<Req, Res>;
  readonly #chargeWhen: ((req: Req, res: Res) => boolean) | undefined;
  readonly #node: 'raw' | ((req: Req, res: Res) => NodeExchange) | undefined;
  readonly #logger: Logger;
  /** Whether the gate's store outlives the process, so a charged response's end waits for its journal. */
  readonly #writeAhead: boolean;

  /**
   * @param units - a number, `(req) => units` known before the handler, or `(req, res) => units`
   *   read when the response has finished
   * @throws LicenseGateConfigurationError ERR_LG_UNKNOWN_DIMENSION (a dimension the gate does not
   *   meter), ERR_LG_OPTIONS (units that are neither a number nor a function, or a number that is
   *   not a whole number of units from 0 to MAX_SAFE_INTEGER)
   */
  constructor(
    gate: LicenseGate,
    dimension: string,
    units: UnitsOf<Req, Res>,
    options: DrawdownStepOptions<Req, Res> = {},
  ) {
    gate.drawdown.stats(dimension); // an unknown dimension fails here, at startup
    if (typeof units !== 'number' && typeof units !== 'function') {
      throw new LicenseGateConfigurationError(
        'ERR_LG_OPTIONS',
        `drawdown(${JSON.stringify(dimension)}, units): units must be a number or a function; got ${typeof units}.`,
      );
    }
    if (typeof units === 'number' && (!Number.isSafeInteger(units) || units < 0)) {
      throw new LicenseGateConfigurationError(
        'ERR_LG_OPTIONS',
        `drawdown(${JSON.stringify(dimension)}, units): units must be a whole number from 0 to ${Number.MAX_SAFE_INTEGER}; got ${String(units)}.`,
      );
    }
    this.dimension = dimension;
    this.#gate = gate;
    this.#units = units;
    this.#chargeWhen = options.chargeWhen;
    this.#node = options.node;
    this.#logger = gate.options.logger;
    this.#writeAhead = gate.drawdown.journalsBeforeResponse;
    watchFinishedResponses();
  }

  /**
   * Opens the request's charge before its handler runs, and arranges its settlement.
   *
   * @param before - a wait to finish first (e.g. the gate starting on its first request)
   * @param handle - lets the adapter cancel the charge itself (see {@link ChargeHandle})
   * @returns `undefined` when the handler may run now (the hot path), else a promise: `true` when
   *   the handler may run, `false` when the client went away meanwhile (run nothing, answer nothing)
   * @throws QuotaExhaustedError (402), InvalidUnitsError (500, a bad value from the app's units
   *   function), LicenseUnavailableError (503), ERR_LG_STOPPED, or the units function's own error —
   *   synchronously when known at once, else through the promise; nothing is charged then
   */
  open(req: Req, res: Res, before?: Promise<void>, handle?: ChargeHandle): OpenedLater | undefined {
    const node = this.#node;
    let nodeReq: IncomingMessage;
    let nodeRes: ServerResponse;
    if (node === undefined) {
      nodeReq = req as IncomingMessage;
      nodeRes = res as ServerResponse;
    } else if (node === 'raw') {
      nodeReq = (req as RawWrapper<IncomingMessage>).raw;
      nodeRes = (res as RawWrapper<ServerResponse>).raw;
    } else {
      ({ req: nodeReq, res: nodeRes } = node(req, res));
    }
    // The client went away during an earlier step: no close event will come, and there is no one to
    // do the work for. Nothing is held, and the handler does not run.
    if (nodeRes.destroyed || nodeRes.writableEnded || nodeReq.socket?.destroyed === true) return GONE;
    if (before !== undefined) {
      return this.#openLater(
        req,
        res,
        nodeReq,
        nodeRes,
        before.then(() => this.#begin(req)),
        handle,
      );
    }
    const begun = this.#begin(req);
    if (!(begun instanceof RequestCharge)) return this.#openLater(req, res, nodeReq, nodeRes, begun, handle);
    const open = new OpenCharge(this.#settleOpen, begun, req, res, nodeReq, nodeRes);
    this.#journalFirst(open);
    if (handle !== undefined) handle.attach(() => open.responseDone(false));
    if (!waitForResponse(nodeReq, open)) nodeRes.once('close', () => open.responseDone(nodeRes.writableFinished));
    return undefined;
  }

  /** Whether a finished response is to be charged: `chargeWhen`, never throwing (a throw charges nothing). */
  #shouldCharge(open: OpenCharge<Req, Res>): boolean {
    if (this.#chargeWhen === undefined) return open.res.statusCode < 400;
    try {
      return this.#chargeWhen(open.req, open.response);
    } catch (error) {
      this.#logger.error(
        {
          event: 'licensegate.drawdown.charge_when_failed',
          dimension: this.dimension,
          error: (error as Error).message,
        },
        'chargeWhen threw; the request is not charged',
      );
      return false;
    }
  }

  #begin(req: Req): RequestCharge<Req, Res> | Promise<RequestCharge<Req, Res>> {
    return RequestCharge.begin(this.#gate.drawdown, this.dimension, this.#units, req);
  }

  /**
   * The path that waits: the gate is starting, or the units need a wait, a store call or a License
   * Manager call. The listener goes on before anything is awaited: a response can finish or close
   * at any time.
   */
  #openLater(
    req: Req,
    res: Res,
    nodeReq: IncomingMessage,
    nodeRes: ServerResponse,
    opening: Promise<RequestCharge<Req, Res>>,
    handle: ChargeHandle | undefined,
  ): OpenedLater {
    // open() answered a client gone before this: from here on, its close event is what tells.
    let open: OpenCharge<Req, Res> | undefined;
    let closed = false;
    nodeRes.once('close', () => {
      closed = true;
      open?.responseDone(nodeRes.writableFinished);
    });
    return opening.then((charge) => {
      open = new OpenCharge(this.#settleOpen, charge, req, res, nodeReq, nodeRes);
      if (closed) {
        open.responseDone(false); // the client left while the units were being held
        return false;
      }
      this.#journalFirst(open);
      const opened = open;
      handle?.attach(() => opened.responseDone(false));
      return true;
    });
  }

  /**
   * On a durable store, the charge is journaled before the response's last bytes leave (write-ahead).
   * On other stores nothing is to be done, and the hot path builds none of it (its two closures
   * measured 1.5% of a bare Fastify route in bench/fastify.mjs).
   */
  #journalFirst(open: OpenCharge<Req, Res>): void {
    if (!this.#writeAhead) return;
    open.charge.journalBeforeEnd(
      open.res,
      open.req,
      open.response,
      () => this.#shouldCharge(open),
      (error) => this.#logFailure(open, error),
    );
  }

  /**
   * Settles a charge once its response is done: charged when it finished and `chargeWhen` says so,
   * cancelled when it was cut off. Usually settled at once (batch mode within its bound, on a store
   * of this process alone): no promise per request then. Made once per step, given to each
   * {@link OpenCharge}. A charge settles once, so a second call (a response both finished and
   * closed, or cancelled by its handle) does nothing.
   */
  readonly #settleOpen = (open: OpenCharge<Req, Res>, finished: boolean): void => {
    open.charge
      .settleNow(finished && this.#shouldCharge(open), open.req, open.response)
      ?.then(undefined, (error: unknown) => this.#logFailure(open, error));
  };

  #logFailure(open: OpenCharge<Req, Res>, error: unknown): void {
    this.#logger.error(
      {
        event: 'licensegate.drawdown.charge_failed',
        dimension: this.dimension,
        path: open.nodeReq.url?.split('?')[0],
        code: (error as { code?: string }).code,
        error: (error as Error).message,
      },
      'A drawdown charge failed; nothing was charged for it',
    );
  }
}
