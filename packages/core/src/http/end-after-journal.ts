import type { ServerResponse } from 'node:http';

/**
 * Holds a response's end until its drawdown charge is journaled: the write-ahead of a durable store
 * (Redis, the file store). When the handler ends the response, `settle()` runs first — it commits
 * the charge (or cancels it, when the response is not to be charged) — and the response's last
 * bytes leave the process only once that has settled. So a client that receives a success has its
 * units journaled in a store that outlives the process: after a kill -9, License Manager's count
 * covers every request a client saw succeed (and at most the requests in flight besides).
 *
 * When the charge fails (the store is unreachable, the pool is used up for late units), the
 * response is destroyed instead of ended: the client never receives a success that was not
 * journaled. `failed` is told why.
 *
 * Only the first `end()` is held; the response's own `end` is put back when it is called.
 */
export function endAfterJournal(
  res: ServerResponse,
  settle: () => Promise<void> | undefined,
  failed: (error: unknown) => void,
): void {
  const end = res.end;
  // An own property shadows the prototype's end for this response only.
  res.end = function heldEnd(this: ServerResponse, ...args: unknown[]): ServerResponse {
    res.end = end;
    let pending: Promise<void> | undefined;
    try {
      pending = settle();
    } catch (error) {
      pending = Promise.reject(error);
    }
    if (pending === undefined) return (end as (...a: unknown[]) => ServerResponse).apply(this, args);
    pending.then(
      () => (end as (...a: unknown[]) => ServerResponse).apply(this, args),
      (error: unknown) => {
        failed(error);
        this.destroy();
      },
    );
    return this;
  } as ServerResponse['end'];
}
