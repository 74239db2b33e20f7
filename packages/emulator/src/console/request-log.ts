/** One AWS call as the console's request log shows it. */
export interface LoggedCall {
  /** Increasing number of the call (from 1, again after a reset). */
  readonly id: number;
  /** Real time the call came in (ISO 8601). */
  readonly at: string;
  /** The virtual clock when it came in (ISO 8601). */
  readonly virtualAt: string;
  /** The operation (`X-Amz-Target`), or `(none)` when the request named none that is emulated. */
  readonly operation: string;
  /** `ok`, `error` (an AWS error answer) or `dropped` (the connection was closed unanswered). */
  readonly outcome: 'ok' | 'error' | 'dropped';
  /** HTTP status answered (0 when dropped). */
  readonly status: number;
  /** Milliseconds from the request to the answer (real time, injected latency included). */
  readonly latencyMs: number;
  /** The AWS error's name, when it failed. */
  readonly error?: string;
  /** The AWS error's message, when it failed. */
  readonly message?: string;
  /** Whether an injected fault struck it. */
  readonly fault: boolean;
}

/** Calls the request log keeps: the oldest are dropped past this. */
export const REQUEST_LOG_SIZE = 200;

/** The last 200 (`REQUEST_LOG_SIZE`) AWS calls, oldest first (a ring: bounded memory). */
export class RequestLog {
  readonly #ring: (LoggedCall | undefined)[] = new Array<LoggedCall | undefined>(REQUEST_LOG_SIZE);
  #next = 1;

  /** Adds a call; answers its id. */
  add(call: Omit<LoggedCall, 'id'>): number {
    const id = this.#next++;
    this.#ring[id % REQUEST_LOG_SIZE] = { id, ...call };
    return id;
  }

  /** The calls kept, oldest first. */
  list(): LoggedCall[] {
    const calls: LoggedCall[] = [];
    for (let id = Math.max(1, this.#next - REQUEST_LOG_SIZE); id < this.#next; id++) {
      const call = this.#ring[id % REQUEST_LOG_SIZE];
      if (call !== undefined && call.id === id) calls.push(call);
    }
    return calls;
  }

  /** Forgets every call (at reset); ids start from 1 again. */
  clear(): void {
    this.#ring.fill(undefined);
    this.#next = 1;
  }
}
