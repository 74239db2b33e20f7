import type { ResolvedGateOptions } from '../gate-options.js';
import type { LicenseInfo, LicenseSource } from '../source/license-source.js';
import { SingleTimer } from '../util/single-timer.js';

/** The gate-wide options the poller reads. */
export type LicensePollerOptions = Pick<
  ResolvedGateOptions,
  'clock' | 'logger' | 'refreshIntervalMs' | 'refreshJitter'
>;

/**
 * For a gate without tiers (seats or drawdown only): reads the license every refresh interval —
 * GetLicense once its ARN is known, ListReceivedLicenses by SKU and fingerprint until then — so
 * that renewals, new maximums, cancellations and expiry are seen while the app runs. (A gate with
 * tiers learns the license from its tier refresh instead.)
 */
export class LicensePoller {
  readonly #options: LicensePollerOptions;
  readonly #source: LicenseSource;
  readonly #onLicense: (license: LicenseInfo | undefined) => void;
  #arn: string | undefined;
  readonly #timer: SingleTimer;
  #inFlight: Promise<void> | undefined;
  #running = false;
  #readAt: number | undefined;
  #failure: { since: number; error: unknown } | undefined;

  constructor(
    options: LicensePollerOptions,
    source: LicenseSource,
    onLicense: (license: LicenseInfo | undefined) => void,
  ) {
    this.#options = options;
    this.#source = source;
    this.#onLicense = onLicense;
    this.#timer = new SingleTimer(options.clock, () => void this.refresh());
  }

  /** When a read last succeeded (clock ms), or `undefined` before the first. */
  get readAt(): number | undefined {
    return this.#readAt;
  }

  /** While reads fail: since when, and the last error. */
  get failure(): { readonly since: number; readonly error: unknown } | undefined {
    return this.#failure;
  }

  /** Reads the license now, then on the schedule. */
  async start(): Promise<void> {
    this.#running = true;
    await this.refresh();
  }

  /** Stops the schedule. */
  stop(): void {
    this.#running = false;
    this.#timer.cancel();
  }

  /** Reads the license now (joining a read in flight). Failures are logged, never thrown. */
  refresh(): Promise<void> {
    this.#inFlight ??= this.#read().finally(() => {
      this.#inFlight = undefined;
      this.#schedule();
    });
    return this.#inFlight;
  }

  async #read(): Promise<void> {
    try {
      const license =
        this.#arn !== undefined ? await this.#source.getLicense(this.#arn) : await this.#source.findLicense();
      this.#arn = license?.arn;
      this.#readAt = this.#options.clock.now();
      this.#failure = undefined;
      this.#onLicense(license);
    } catch (error) {
      this.#failure = { since: this.#failure?.since ?? this.#options.clock.now(), error };
      this.#options.logger.warn(
        { event: 'licensegate.license.read_failed', error: (error as Error).message },
        'Could not read the license; keeping what was known',
      );
    }
  }

  #schedule(): void {
    if (!this.#running) return;
    const { refreshIntervalMs, refreshJitter } = this.#options;
    this.#timer.armIn(refreshIntervalMs * (1 - Math.random() * refreshJitter));
  }
}
