import { licenseManagerCalls, type LicenseManagerCallMessage } from './channels.js';
import type { HistogramLike, MetricAttributes } from './otel-types.js';

/** The histogram's bucket bounds, in seconds: a License Manager call takes tens of ms to a few s (timeouts, retries). */
const CALL_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** The outcome attribute of a call that failed: the failure's kind, and its AWS name. */
function failureOf(error: unknown): { kind: string; name: string } {
  const e = error as { kind?: unknown; awsName?: unknown; name?: unknown } | null;
  const kind = typeof e?.kind === 'string' ? e.kind : 'transient';
  const name = typeof e?.awsName === 'string' ? e.awsName : typeof e?.name === 'string' ? e.name : 'Error';
  return { kind, name };
}

/**
 * What is observed of each License Manager call: the tracing channel
 * (`licensegate:license-manager`, when it has subscribers) and the duration histogram (once the
 * gate's metrics started). `LicenseSource` asks {@link active} first: with neither, a call costs
 * nothing more.
 */
export class CallTelemetry {
  readonly #productSku: string;
  #duration: HistogramLike | undefined;
  /** Attributes per operation and outcome, made once. */
  readonly #attributes = new Map<string, MetricAttributes>();

  constructor(productSku: string) {
    this.#productSku = productSku;
  }

  /** Whether a call is observed at all: metrics started, or a subscriber to the tracing channel. */
  get active(): boolean {
    return this.#duration !== undefined || licenseManagerCalls.hasSubscribers;
  }

  /** Records call durations from now on (`undefined`: no more). */
  set duration(histogram: HistogramLike | undefined) {
    this.#duration = histogram;
  }

  /** The bucket bounds the gate's metrics give the duration histogram. */
  static readonly buckets: readonly number[] = CALL_BUCKETS;

  /**
   * Runs one call (its retries included) under the tracing channel and the histogram.
   * @param attempts - how many attempts the call made so far (read when it ends)
   */
  async observe<T>(operation: string, run: () => Promise<T>, attempts: () => number): Promise<T> {
    const started = performance.now();
    try {
      const answer = licenseManagerCalls.hasSubscribers ? await this.#traced(operation, run, attempts) : await run();
      this.#record(operation, started, undefined);
      return answer;
    } catch (error) {
      this.#record(operation, started, error);
      throw error;
    }
  }

  /** The call inside `tracePromise`, so that subscribers' stores bind to it; the answer is kept out of the message. */
  async #traced<T>(operation: string, run: () => Promise<T>, attempts: () => number): Promise<T> {
    const message: LicenseManagerCallMessage = { operation, productSku: this.#productSku };
    let answer!: T;
    await licenseManagerCalls.tracePromise(async () => {
      try {
        answer = await run();
      } finally {
        message.attempts = attempts();
      }
    }, message);
    return answer;
  }

  #record(operation: string, started: number, error: unknown): void {
    const histogram = this.#duration;
    if (histogram === undefined) return;
    const failure = error === undefined ? undefined : failureOf(error);
    const key = failure === undefined ? operation : `${operation}\0${failure.kind}\0${failure.name}`;
    let attributes = this.#attributes.get(key);
    if (attributes === undefined) {
      attributes = Object.freeze({
        'licensegate.product_sku': this.#productSku,
        'rpc.system': 'aws-api',
        'rpc.service': 'LicenseManager',
        'rpc.method': operation,
        'licensegate.outcome': failure === undefined ? 'success' : failure.kind,
        ...(failure === undefined ? {} : { 'error.type': failure.name }),
      });
      if (this.#attributes.size < 256) this.#attributes.set(key, attributes);
    }
    histogram.record((performance.now() - started) / 1000, attributes);
  }
}
