/**
 * HTTP load on one app instance with many requests in flight, recording what the CLIENT saw of each
 * request: sent, a complete answer (2xx or not), or no complete answer (the connection died first).
 * Real HTTP through node:http with a keep-alive agent, as a load balancer or a busy client sends it.
 */
import { Agent, request } from 'node:http';

/** What one request is. */
export interface LoadRequest {
  /** The name its outcome is tallied under, e.g. `batch`. */
  readonly route: string;
  readonly method: 'GET' | 'POST';
  readonly path: string;
  /** Drawdown units the request is charged, if any. */
  readonly units: number;
  readonly cookie?: string;
}

/** One request and what the client saw of it. */
export interface LoadOutcome {
  readonly request: LoadRequest;
  /** `sent` until it ends; it stays `sent` when no complete answer came (in flight at the kill). */
  state: 'sent' | 'answered';
  status?: number;
  body?: string;
}

/** Per route: units the client holds a complete 2xx answer for, units in flight, other answers. */
export interface LoadTally {
  readonly served: number;
  readonly servedRequests: number;
  readonly inflight: number;
  readonly inflightRequests: number;
  /** Complete answers that were not 2xx, or a 2xx whose body was not the one expected. */
  readonly failed: LoadOutcome[];
}

/** Drives `concurrency` workers, each sending the next request of `next()` as soon as its last one ended. */
export class HttpLoad {
  readonly outcomes: LoadOutcome[] = [];
  readonly #port: number;
  readonly #agent: Agent;
  readonly #next: () => LoadRequest;
  readonly #workers: Promise<void>[] = [];
  #sending = true;

  /**
   * @param port - the app on 127.0.0.1
   * @param next - the next request to send (called by each worker in turn)
   * @param check - whether a complete 2xx answer's body is the expected one (else it is a failure)
   * @param halt - asked before each request: once it answers `true`, nothing more is sent (e.g. the
   *   app was killed: a request sent after that never reached it)
   */
  constructor(
    port: number,
    concurrency: number,
    next: () => LoadRequest,
    readonly check: (request: LoadRequest, body: string) => boolean = () => true,
    readonly halt: () => boolean = () => false,
  ) {
    this.#port = port;
    this.#next = next;
    this.#agent = new Agent({ keepAlive: true, maxSockets: concurrency });
    for (let i = 0; i < concurrency; i++) this.#workers.push(this.#work());
  }

  /** Complete 2xx answers so far, of one route or all. */
  answered(route?: string): number {
    let n = 0;
    for (const o of this.outcomes)
      if (o.state === 'answered' && (o.status ?? 0) < 300 && (route === undefined || o.request.route === route)) n++;
    return n;
  }

  /** Sends no new request; those in flight go on. */
  stopSending(): void {
    this.#sending = false;
  }

  /** Resolves once every request sent has ended (answered, or its connection gone); closes the agent. */
  async settled(): Promise<void> {
    this.#sending = false;
    await Promise.all(this.#workers);
    this.#agent.destroy();
  }

  /** What the client saw of one route's requests. */
  tally(route: string): LoadTally {
    let served = 0;
    let servedRequests = 0;
    let inflight = 0;
    let inflightRequests = 0;
    const failed: LoadOutcome[] = [];
    for (const outcome of this.outcomes) {
      if (outcome.request.route !== route) continue;
      if (outcome.state === 'sent') {
        inflight += outcome.request.units;
        inflightRequests++;
      } else if (
        outcome.status !== undefined &&
        outcome.status >= 200 &&
        outcome.status < 300 &&
        this.check(outcome.request, outcome.body ?? '')
      ) {
        served += outcome.request.units;
        servedRequests++;
      } else failed.push(outcome);
    }
    return { served, servedRequests, inflight, inflightRequests, failed };
  }

  async #work(): Promise<void> {
    while (this.#sending && !this.halt()) await this.#send(this.#next());
  }

  /** Sends one request; resolves when it ended, however it ended. */
  #send(load: LoadRequest): Promise<void> {
    const outcome: LoadOutcome = { request: load, state: 'sent' };
    this.outcomes.push(outcome);
    return new Promise<void>((resolve) => {
      const req = request({
        host: '127.0.0.1',
        port: this.#port,
        method: load.method,
        path: load.path,
        agent: this.#agent,
        headers: { ...(load.cookie !== undefined ? { cookie: load.cookie } : {}), 'content-length': '0' },
      });
      req.on('error', () => resolve());
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', () => undefined);
        res.on('close', () => {
          // Complete: every byte of the body came (Content-Length, or the last chunk). Else the
          // connection died under it, and the client never saw the answer.
          if (res.complete) {
            outcome.state = 'answered';
            outcome.status = res.statusCode;
            outcome.body = Buffer.concat(chunks).toString('utf8');
          }
          resolve();
        });
      });
      req.end();
    });
  }
}
