import { AwsError } from '../protocol/aws-error.js';

interface Entry {
  readonly request: string;
  readonly response: unknown;
  readonly at: number;
}

/** Default window in which a ClientToken replays its first answer: 24 hours. */
export const DEFAULT_IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60_000;

/**
 * ClientToken idempotency. AWS documents only that the token makes a request idempotent; the
 * emulator's rule (a choice; ARCHITECTURE.md U-1): within the window, the same token with the same
 * parameters replays the first answer without doing the work again; the same token with other
 * parameters is refused with a ValidationException. A request that failed leaves no record, so
 * its retry is done afresh.
 */
export class IdempotencyCache {
  readonly #entries = new Map<string, Entry>();
  readonly #windowMs: number;

  /** @param windowMs - how long a token is remembered (virtual clock) */
  constructor(windowMs: number = DEFAULT_IDEMPOTENCY_WINDOW_MS) {
    this.#windowMs = windowMs;
  }

  /**
   * Runs `work` once per (operation, token) within the window.
   *
   * @param request - the request's parameters; compared as canonical JSON
   * @returns the first answer for this token, or `work()`'s answer
   */
  run<T>(operation: string, clientToken: string, request: unknown, now: number, work: () => T): T {
    this.#prune(now);
    const key = `${operation}\u0000${clientToken}`;
    // Stored as plain JSON (cheap); compared canonically (keys sorted) only on a replay, so that
    // two clients that order members differently still replay.
    const plain = JSON.stringify(request);
    let previous = this.#entries.get(key);
    if (previous !== undefined && now - previous.at >= this.#windowMs) {
      this.#entries.delete(key);
      previous = undefined;
    }
    if (previous !== undefined) {
      if (previous.request === plain || canonicalJson(JSON.parse(previous.request)) === canonicalJson(request))
        return previous.response as T;
      throw new AwsError(
        'ValidationException',
        `ClientToken '${clientToken}' was already used for a different ${operation} request. ` +
          'Use a new ClientToken for new parameters, or resend the same parameters to retry.',
      );
    }
    const response = work();
    this.#entries.set(key, { request: plain, response, at: now });
    return response;
  }

  /** Forgets every token. */
  clear(): void {
    this.#entries.clear();
  }

  #prune(now: number): void {
    // Entries are in insertion order, which is time order while the clock only moves forward.
    for (const [key, entry] of this.#entries) {
      if (now - entry.at < this.#windowMs) return;
      this.#entries.delete(key);
    }
  }
}

/**
 * JSON with object keys sorted, so that member order does not make two requests differ. The sorted
 * copy has no prototype, so that a member named `__proto__` is copied like any other member.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  });
}
