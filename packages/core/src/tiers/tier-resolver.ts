import { LRUCache } from 'lru-cache';
import { LicenseUnavailableError, NoLicenseError, TierRequiredError } from '../errors.js';
import type { TierResolverOptions } from './tier-options.js';
import { OnUnavailable } from '../policy/unavailable-policy.js';
import { classifyFailure, type FailureKind } from '../source/failure-kind.js';
import { LicenseManagerCallError, type LicenseInfo, type LicenseSource } from '../source/license-source.js';
import { SharedTierAnswers } from './shared-answer.js';
import type { TierAnswer } from './tier-answer.js';
import { ALLOWED, ALLOWED_DEGRADED, type TierDecision } from './tier-decision.js';
import type { TierOrder } from './tier-order.js';
import { backoffDelay, TIER_REFRESH_RETRY_BASE_MS, tierRefreshBackoff } from '../util/backoff.js';
import { SingleTimer } from '../util/single-timer.js';

/** An episode of License Manager being unreachable (or refusing the app's setup). */
export interface FailureEpisode {
  readonly since: number;
  readonly kind: Exclude<FailureKind, 'definitive'>;
  readonly error: LicenseManagerCallError;
  readonly failures: number;
}

/** What the resolver reports to the gate. */
export interface TierResolverEvents {
  refreshed(answer: TierAnswer, previous: TierAnswer | undefined): void;
  failed(episode: FailureEpisode, isNewEpisode: boolean): void;
  recovered(episode: FailureEpisode, answer: TierAnswer): void;
}

const CACHE_KEY = 'tier';

/**
 * Learns which tier the license grants — one CheckoutLicense (PROVISIONAL) that lists every tier
 * with `Unit=None` — and answers tier checks from that, synchronously.
 *
 * The answer is cached (lru-cache, whose `fetch` gives one refresh in flight however many callers
 * wait) and refreshed every `refreshIntervalMs` with jitter; checks read the last answer while a
 * refresh runs. A stale answer found by a check starts a refresh in the background. The previous
 * tier checkout is checked in once a new one has succeeded.
 */
export class TierResolver {
  readonly #options: TierResolverOptions;
  readonly #order: TierOrder;
  readonly #source: LicenseSource;
  readonly #events: TierResolverEvents;
  readonly #cache: LRUCache<string, TierAnswer>;
  #answer: TierAnswer | undefined;
  #episode: FailureEpisode | undefined;
  #token: string | undefined;
  #nextRefreshAt = Infinity;
  readonly #timer: SingleTimer;
  /** The `onUnavailable` policy: tiers measure an outage from the last good answer. */
  readonly #onUnavailable: OnUnavailable;
  #running = false;
  #stopped = false;
  #inFlight: Promise<unknown> | undefined;
  /** Denials of the current answer, by rank: built once, so a denied check allocates nothing. */
  #denials: (TierDecision | undefined)[] = [];
  #licenseReadFailing = false;
  readonly #shared: SharedTierAnswers | undefined;
  /**
   * Until when the current answer may be served while License Manager does not answer: under
   * `grace`, the answer's time plus `graceMs`, whatever a refresh is doing (a hung call included);
   * Infinity otherwise. Checked on the hot path, so kept as one number.
   */
  #servableUntil = Infinity;
  /** When the last refresh attempt started (clock ms): requests bring retries forward at most once per `recoveryProbeMs`. */
  #lastAttemptAt = -Infinity;

  /** @param owner - this engine's id, when answers are shared through the store */
  constructor(
    options: TierResolverOptions,
    order: TierOrder,
    source: LicenseSource,
    events: TierResolverEvents,
    owner?: string,
  ) {
    this.#options = options;
    this.#shared = options.shareTierAnswers ? new SharedTierAnswers(options, order, owner ?? 'engine') : undefined;
    this.#order = order;
    this.#source = source;
    this.#events = events;
    this.#onUnavailable = new OnUnavailable(options.onUnavailable, options.graceMs);
    this.#timer = new SingleTimer(options.clock, () => void this.refresh());
    this.#cache = new LRUCache<string, TierAnswer>({
      max: 1,
      fetchMethod: () => this.#fetch(),
    });
  }

  /** The last definitive answer. */
  get answer(): TierAnswer | undefined {
    return this.#answer;
  }

  /** The open failure episode, if License Manager is unreachable now. */
  get episode(): FailureEpisode | undefined {
    return this.#episode;
  }

  /** When the next refresh is due (clock ms). */
  get nextRefreshAt(): number {
    return this.#nextRefreshAt;
  }

  /** Starts refreshing: the first refresh now, then on the schedule. */
  async start(): Promise<void> {
    if (this.#stopped) return;
    this.#running = true;
    await this.refresh();
  }

  /**
   * Stops the schedule, waits for a refresh in flight, and checks the tier checkout in (best
   * effort). Checks made after this are denied as unavailable.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#running = false;
    this.#nextRefreshAt = Infinity;
    this.#timer.cancel();
    await this.#inFlight?.catch(() => undefined);
    const token = this.#token;
    this.#token = undefined;
    if (token !== undefined) await this.#checkIn(token);
  }

  /** Refreshes now (joining a refresh already in flight). Never rejects: failures go to the policy. */
  async refresh(): Promise<void> {
    if (this.#stopped) return;
    if (this.#inFlight === undefined) this.#lastAttemptAt = this.#options.clock.now();
    const work = this.#cache.fetch(CACHE_KEY, { forceRefresh: true });
    this.#inFlight = work;
    try {
      await work;
    } catch {
      // Recorded by #fetch as a failure episode.
    } finally {
      if (this.#inFlight === work) this.#inFlight = undefined;
    }
  }

  /**
   * Decides a check of `rank`, synchronously. No network call and no allocation when the answer is
   * fresh and grants the tier.
   */
  check(rank: number): TierDecision {
    const now = this.#options.clock.now();
    if (now >= this.#nextRefreshAt) this.#refreshInBackground(now);
    const answer = this.#answer;
    if (this.#stopped) return this.#unavailable(now, 'The license gate was stopped.');
    if (this.#episode === undefined && now < this.#servableUntil) {
      if (answer === undefined)
        return this.#probe(
          now,
          this.#unavailable(now, 'licensegate has not learnt the license yet (the gate is starting).'),
        );
      if (answer.rank >= rank && now < answer.validUntil) return ALLOWED;
      return this.#deny(answer, rank, now, false);
    }
    // License Manager failed, or has not answered a refresh within the grace: the policy decides.
    const decision = this.#degraded(rank, now, answer);
    return decision.allowed ? decision : this.#probe(now, decision);
  }

  /**
   * A request that the gate refuses because License Manager cannot be reached brings the next
   * retry forward: one attempt in flight at a time, at most one per `recoveryProbeMs`.
   */
  #probe(now: number, decision: TierDecision): TierDecision {
    if (
      !this.#stopped &&
      this.#running &&
      this.#inFlight === undefined &&
      now - this.#lastAttemptAt >= this.#options.recoveryProbeMs &&
      !decision.allowed &&
      decision.error instanceof LicenseUnavailableError
    ) {
      void this.refresh();
    }
    return decision;
  }

  /** The tier the license grants now, or `null`. */
  currentTier(): string | null {
    const answer = this.#answer;
    if (answer === undefined || this.#options.clock.now() >= answer.validUntil) return null;
    return answer.tier;
  }

  #degraded(rank: number, now: number, answer: TierAnswer | undefined): TierDecision {
    if (answer !== undefined && answer.rank < 0) return this.#deny(answer, rank, now, true);
    // Measured from the last good answer (see OnUnavailable); with none yet, only `allow` serves.
    if (now < this.#onUnavailable.servableUntil(answer?.checkedAt)) {
      if (answer === undefined) return ALLOWED_DEGRADED;
      return answer.rank >= rank && now < answer.validUntil ? ALLOWED_DEGRADED : this.#deny(answer, rank, now, true);
    }
    const { onUnavailable, graceMs } = this.#options;
    const episode = this.#episode;
    const why =
      onUnavailable === 'grace'
        ? `its last good answer is older than the grace of ${Math.round(graceMs / 1000)} s`
        : `the policy is '${onUnavailable}'`;
    return this.#unavailable(
      now,
      episode === undefined
        ? `License Manager has not answered the refresh, and ${why}.`
        : `License Manager cannot be reached (${episode.error.awsName}) and ${why}.`,
      episode?.error,
    );
  }

  /** The denial of `rank` under `answer`, built once per answer and rank (the error is shared). */
  #deny(answer: TierAnswer, rank: number, now: number, degraded: boolean): TierDecision {
    const slot = (now >= answer.validUntil ? -1 : rank) * 2 + (degraded ? 1 : 0) + 2;
    const cached = this.#denials[slot];
    if (cached !== undefined) return cached;
    let decision: TierDecision;
    if (now >= answer.validUntil) {
      decision = {
        allowed: false,
        degraded,
        error: new NoLicenseError('expired', `The license ${answer.license?.arn ?? ''} has expired.`),
      };
    } else if (answer.rank < 0) {
      decision = {
        allowed: false,
        degraded,
        error: new NoLicenseError(
          answer.reason ?? 'no-entitlement',
          noLicenseMessage(answer, this.#options.productSku),
        ),
      };
    } else {
      decision = {
        allowed: false,
        degraded,
        error: new TierRequiredError(this.#order.nameOf(rank) ?? '', answer.tier),
      };
    }
    this.#denials[slot] = Object.freeze(decision);
    return decision;
  }

  #unavailable(now: number, message: string, cause?: unknown): TierDecision {
    const retryAfterMs = Math.max(1_000, Number.isFinite(this.#nextRefreshAt) ? this.#nextRefreshAt - now : 1_000);
    return { allowed: false, degraded: true, error: new LicenseUnavailableError(message, retryAfterMs, { cause }) };
  }

  #refreshInBackground(now: number): void {
    // Push the due time out first, so that the checks that follow do not start refreshes too.
    this.#nextRefreshAt = now + TIER_REFRESH_RETRY_BASE_MS;
    void this.refresh();
  }

  async #fetch(): Promise<TierAnswer> {
    let answer: TierAnswer;
    try {
      answer = await this.#learn();
    } catch (error) {
      if (!this.#stopped) this.#failed(error);
      throw error;
    }
    if (this.#stopped) {
      // Stopped while this refresh ran: return its checkout, report nothing.
      const token = this.#token;
      this.#token = undefined;
      if (token !== undefined) await this.#checkIn(token);
      return answer;
    }
    const previous = this.#answer;
    const episode = this.#episode;
    const { refreshIntervalMs, refreshJitter } = this.#options;
    this.#answer = answer;
    this.#denials = [];
    this.#episode = undefined;
    this.#servableUntil = this.#onUnavailable.answerServableUntil(answer.checkedAt);
    // Under `grace`, a refresh always has time to answer within the grace.
    const interval = this.#onUnavailable.refreshIntervalMs(refreshIntervalMs);
    this.#schedule(interval * (1 - Math.random() * refreshJitter));
    if (episode !== undefined) this.#events.recovered(episode, answer);
    this.#events.refreshed(answer, previous);
    return answer;
  }

  /** One refresh, through the shared answer when instances share one. */
  async #learn(): Promise<TierAnswer> {
    if (this.#shared === undefined) return this.#checkOut();
    const shared = await this.#shared.before();
    if ('answer' in shared) return shared.answer;
    try {
      const answer = await this.#checkOut();
      await this.#shared.publish(answer);
      return answer;
    } finally {
      await shared.release?.();
    }
  }

  /** One checkout, then the license's status; or, on a definitive no, why. */
  async #checkOut(): Promise<TierAnswer> {
    const { clock, tiers } = this.#options;
    try {
      const checkout = await this.#source.checkout({
        checkoutType: 'PROVISIONAL',
        entitlements: tiers.map((name) => ({ name, unit: 'None' })),
      });
      const superseded = this.#token;
      this.#token = checkout.token;
      if (superseded !== undefined) void this.#checkIn(superseded);
      const license =
        checkout.licenseArn !== undefined ? await this.#readLicense(checkout.licenseArn) : this.#answer?.license;
      const rank = this.#order.highestGranted(checkout.entitlements.map((e) => e.name));
      return this.#answerFor(rank, license, clock.now(), rank < 0 ? 'no-entitlement' : undefined);
    } catch (error) {
      if (!(error instanceof LicenseManagerCallError) || error.kind !== 'definitive') throw error;
      const license = await this.#source.findLicense().catch((lookupError: unknown) => {
        if (lookupError instanceof LicenseManagerCallError && lookupError.kind === 'configuration') throw lookupError;
        return undefined;
      });
      return this.#answerFor(
        -1,
        license,
        clock.now(),
        license === undefined
          ? error.awsName === 'ResourceNotFoundException'
            ? 'no-license'
            : 'no-entitlement'
          : 'no-entitlement',
      );
    }
  }

  /** GetLicense; when that fails, what was known of the same license. */
  async #readLicense(arn: string): Promise<LicenseInfo | undefined> {
    try {
      const license = await this.#source.getLicense(arn);
      this.#licenseReadFailing = false;
      return license;
    } catch (error) {
      if (error instanceof LicenseManagerCallError && error.kind === 'configuration') throw error;
      if (!this.#licenseReadFailing) {
        this.#options.logger.warn(
          { event: 'licensegate.license.read_failed', licenseArn: arn, error: (error as Error).message },
          'Could not read the license status; keeping what was known until a read succeeds',
        );
      }
      this.#licenseReadFailing = true;
      const known = this.#answer?.license;
      return known?.arn === arn ? known : undefined;
    }
  }

  #answerFor(rank: number, license: LicenseInfo | undefined, now: number, reason: string | undefined): TierAnswer {
    const validUntil = license?.validUntil ?? Infinity;
    let why = reason;
    let granted = rank;
    if (license !== undefined && license.status !== 'AVAILABLE') {
      granted = -1;
      why = license.status.toLowerCase();
    } else if (now >= validUntil) {
      granted = -1;
      why = 'expired';
    }
    return {
      rank: granted,
      tier: this.#order.nameOf(granted),
      checkedAt: now,
      license,
      validUntil,
      reason: granted < 0 ? why : undefined,
    };
  }

  #failed(error: unknown): void {
    const callError =
      error instanceof LicenseManagerCallError
        ? error
        : new LicenseManagerCallError('refresh', classifyFailure(error), error);
    const kind = callError.kind === 'configuration' ? 'configuration' : 'transient';
    const previous = this.#episode;
    const isNew = previous === undefined;
    this.#episode = {
      since: previous?.since ?? this.#options.clock.now(),
      kind,
      error: callError,
      failures: (previous?.failures ?? 0) + 1,
    };
    const delay = backoffDelay(tierRefreshBackoff(this.#options.refreshIntervalMs), this.#episode.failures);
    this.#schedule(delay);
    this.#events.failed(this.#episode, isNew);
  }

  #schedule(delayMs: number): void {
    if (!this.#running) return;
    this.#nextRefreshAt = this.#options.clock.now() + delayMs;
    this.#timer.armIn(delayMs);
  }

  async #checkIn(token: string): Promise<void> {
    try {
      await this.#source.checkIn(token);
    } catch (error) {
      this.#options.logger.debug(
        { event: 'licensegate.tier.checkin_failed', error: (error as Error).message },
        'Could not check in a superseded tier checkout; it expires by itself',
      );
    }
  }
}

function noLicenseMessage(answer: TierAnswer, productSku: string): string {
  switch (answer.reason) {
    case 'no-license':
      return `No license for product ${productSku} was found for this account and issuer.`;
    case 'no-entitlement':
      return `The license for product ${productSku} grants none of this gate's tiers.`;
    case 'expired':
      return `The license ${answer.license?.arn ?? ''} has expired.`;
    default:
      return `The license ${answer.license?.arn ?? ''} is ${answer.reason ?? 'not usable'}.`;
  }
}
