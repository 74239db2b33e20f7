import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { GATE_BRAND } from './brand.js';
import { gateHealth } from './health/gate-health.js';
import type { GateHealth } from './health/health-types.js';

import { GateReport } from './gate-report.js';
import { LicenseGateConfigurationError } from './errors.js';
import { InstanceRegistry } from './instances/instance-registry.js';
import { maxCountOf } from './license/known-license.js';
import { LicensePoller } from './license/license-poller.js';
import { LicenseWatch, type LicenseWatchEvents } from './license/license-watch.js';
import { resolveOptions, type LicenseGateOptions, type ResolvedOptions } from './options.js';
import { OnUnavailable, type UnavailablePolicy } from './policy/unavailable-policy.js';
import { DrawdownMeter, type DrawdownMeterEvents } from './drawdown/drawdown-meter.js';
import { SeatPool } from './seats/seat-pool.js';
import type { SeatEvents } from './seats/seat-record.js';
import { LicenseSource, type LicenseInfo } from './source/license-source.js';
import { probePermissions, type ProbeOutcome } from './source/permission-probe.js';
import { isDurable } from './store/store.js';
import { CallTelemetry } from './telemetry/call-telemetry.js';
import { GateMetrics } from './telemetry/gate-metrics.js';
import { TierDecisionCounts } from './telemetry/tier-decision-counts.js';
import type { TierDecision } from './tiers/tier-decision.js';
import { TierOrder } from './tiers/tier-order.js';
import type { TierAnswer } from './tiers/tier-answer.js';
import { TierResolver, type FailureEpisode } from './tiers/tier-resolver.js';

/** Events of a {@link LicenseGate}, with their payloads. */
export interface LicenseGateEvents {
  /** The tier granted changed: an upgrade, a downgrade, or a cancellation (`current: null`). */
  tierChanged: [
    {
      previous: string | null;
      current: string | null;
      licenseArn: string | undefined;
      licenseVersion: string | undefined;
    },
  ];
  /** The license ends within `expiryWarningMs`. Once per license and end date. */
  licenseExpiring: [LicenseWatchEvents['licenseExpiring']];
  /** The license has ended (`Validity.End` passed, or status EXPIRED). Once per license and end date. */
  licenseExpired: [LicenseWatchEvents['licenseExpired']];
  /** The license's status changed (e.g. AVAILABLE to DEACTIVATED). */
  licenseStatusChanged: [LicenseWatchEvents['licenseStatusChanged']];
  /** License Manager could not be reached (or refused the setup); the failure policy now applies. Once per episode. */
  degraded: [
    {
      reason: 'transient' | 'configuration';
      code: string;
      error: string;
      policy: UnavailablePolicy;
      graceEndsAt: Date | null;
    },
  ];
  /** License Manager answers again after an episode. */
  recovered: [{ downtimeMs: number; failures: number }];
  /** A refresh brought a definitive answer (the same tier or another). */
  refreshed: [{ tier: string | null; checkedAt: Date }];
  /** A new version of the license was seen (renewal, upgrade, new maximum). */
  licenseVersionChanged: [{ licenseArn: string; previous: string | undefined; current: string | undefined }];
  seatAcquired: [SeatEvents['seatAcquired']];
  seatReleased: [SeatEvents['seatReleased']];
  seatExtended: [SeatEvents['seatExtended']];
  /** A seat could not be kept alive; the next acquire for its key takes a new one. */
  seatLost: [SeatEvents['seatLost']];
  seatDenied: [SeatEvents['seatDenied']];
  /** License Manager acknowledged drawdown units (one checkout, identified by its ClientToken). */
  unitsReported: [DrawdownMeterEvents['unitsReported']];
  /** A drawdown pool is used up; once until a new license version. */
  quotaExhausted: [DrawdownMeterEvents['quotaExhausted']];
}

import type { LicenseGateStatus, LicenseGateStopReport } from './gate-status.js';

export type { LicenseGateStatus, LicenseGateStopReport } from './gate-status.js';

function iso(ms: number | undefined): string | null {
  return ms === undefined || !Number.isFinite(ms) ? null : new Date(ms).toISOString();
}

/**
 * One product's entitlement gate. Make it with {@link createLicenseGate}, `await start()` before
 * serving, `await stop()` at shutdown.
 */
export class LicenseGate extends EventEmitter<LicenseGateEvents> {
  /** The options, with defaults applied. */
  readonly options: ResolvedOptions;
  /** The tier order. */
  readonly tierOrder: TierOrder;
  readonly #source: LicenseSource;
  readonly #tiers: TierResolver | undefined;
  readonly #poller: LicensePoller | undefined;
  readonly #watch: LicenseWatch;
  readonly #instances: InstanceRegistry | undefined;
  readonly #seats: SeatPool | undefined;
  readonly #drawdown: DrawdownMeter | undefined;
  /** The `onUnavailable` policy, for the grace the gate reports (the tier answer's; see OnUnavailable). */
  readonly #onUnavailable: OnUnavailable;
  /** Tier decisions counted by tier and outcome (read by the metrics). */
  readonly #tierCounts: TierDecisionCounts;
  /** The tracing channel and duration histogram of License Manager calls. */
  readonly #calls: CallTelemetry;
  /** The OpenTelemetry instruments, from start() to stop(), when the `metrics` option finds a meter. */
  #metrics: GateMetrics | undefined;
  #state: LicenseGateStatus['state'] = 'idle';
  #starting: Promise<void> | undefined;
  #stopping: Promise<LicenseGateStopReport> | undefined;
  /** The start, wait, permission and stop lines (gate-report.ts). */
  readonly #report: GateReport;
  /** Whether License Manager has answered about the license (a license, or none) since the gate was made. */
  #licenseAnswered = false;

  static {
    // The brand isLicenseGate() checks (a gate of any copy of core); on the prototype, not in the type.
    Object.defineProperty(this.prototype, GATE_BRAND, { value: true });
  }

  /** @internal Use {@link createLicenseGate}. */
  constructor(options: ResolvedOptions) {
    super();
    this.options = options;
    this.#onUnavailable = new OnUnavailable(options.onUnavailable, options.graceMs);
    this.#report = new GateReport(options);
    this.tierOrder = new TierOrder(options.tiers);
    this.#tierCounts = new TierDecisionCounts(options.tiers.length);
    this.#calls = new CallTelemetry(options.productSku);
    this.#source = new LicenseSource({
      telemetry: this.#calls,
      client: options.client,
      productSku: options.productSku,
      keyFingerprint: options.keyFingerprint,
      retry: options.retry,
      callTimeoutMs: options.callTimeoutMs,
      logger: options.logger,
      onRetry: (operation, failure, attempt) => this.#report.retrying(operation, failure, attempt),
    });
    this.#watch = new LicenseWatch(options.clock, options.expiryWarningMs, (event, payload) => {
      this.#log(event === 'licenseExpiring' ? 'warn' : 'info', event, payload);
      (this.emit as (e: string, p: unknown) => boolean)(event, payload);
    });
    const emit = (event: string, payload: unknown): boolean =>
      (this.emit as (e: string, p: unknown) => boolean)(event, payload);
    const counted = options.seats !== undefined || options.drawdown.size > 0;
    this.#instances = counted
      ? new InstanceRegistry(
          options.store,
          options.productSku,
          options.clock,
          options.instanceLeaseMs,
          options.logger,
          () => this.#adoptOrphans(),
        )
      : undefined;
    this.#tiers =
      options.tiers.length === 0
        ? undefined
        : new TierResolver(
            options,
            this.tierOrder,
            this.#source,
            {
              refreshed: (answer, previous) => this.#onRefreshed(answer, previous),
              failed: (episode, isNew) => this.#onFailed(episode, isNew),
              recovered: (episode) => this.#onRecovered(episode),
            },
            this.#instances?.id ?? randomUUID(),
          );
    this.#poller =
      this.#tiers === undefined
        ? new LicensePoller(options, this.#source, (license) => this.#onLicense(license))
        : undefined;
    this.#seats =
      options.seats === undefined || this.#instances === undefined
        ? undefined
        : new SeatPool({
            options,
            seats: options.seats,
            source: this.#source,
            instanceId: this.#instances.id,
            license: this.#watch,
            emit: (event, payload) => emit(event, payload),
          });
    this.#drawdown =
      options.drawdown.size === 0 || this.#instances === undefined
        ? undefined
        : new DrawdownMeter({
            options,
            source: this.#source,
            instanceId: this.#instances.id,
            emit: (event, payload) => emit(event, payload),
          });
  }

  /**
   * Emits an event to each listener in turn. A listener that throws cannot break the engine or
   * the request that caused the event (a seat taken stays accounted for, a report goes on): its
   * error is logged (`licensegate.gate.listener_failed`, with the event and the error's code), and the
   * other listeners still run.
   */
  override emit<K extends keyof LicenseGateEvents>(event: K, ...args: LicenseGateEvents[K]): boolean;
  override emit(event: string | symbol, ...args: unknown[]): boolean {
    const listeners = this.rawListeners(event);
    if (listeners.length === 0) return false;
    for (const listener of listeners) {
      try {
        (listener as (...a: unknown[]) => unknown).apply(this, args);
      } catch (error) {
        this.options.logger.error(
          {
            event: 'licensegate.gate.listener_failed',
            on: String(event),
            code: (error as { code?: unknown }).code,
            error: (error as Error)?.message ?? String(error),
          },
          `A ${String(event)} listener threw; the gate goes on (fix the listener)`,
        );
      }
    }
    return true;
  }

  /**
   * Drawdown units: `debit(dimension, units)`, `reserve(dimension, units)` -> `{ commit(), cancel() }`.
   * @throws LicenseGateConfigurationError ERR_LG_UNKNOWN_DIMENSION when the gate has no `drawdown` option
   */
  get drawdown(): DrawdownMeter {
    if (this.#drawdown === undefined) {
      throw new LicenseGateConfigurationError(
        'ERR_LG_UNKNOWN_DIMENSION',
        "This gate has no drawdown dimensions: give it drawdown: { DataConsumption: { mode: 'batch' } }.",
      );
    }
    return this.#drawdown;
  }

  /**
   * Floating seats: `acquire(key)`, `release(key)`, `touch(key)`, `held()`.
   * @throws LicenseGateConfigurationError ERR_LG_NO_SEATS when the gate has no `seats` option
   */
  get seats(): SeatPool {
    if (this.#seats === undefined) {
      throw new LicenseGateConfigurationError(
        'ERR_LG_NO_SEATS',
        "This gate has no seats: give it seats: { entitlement: 'ConcurrentUsers' }.",
      );
    }
    return this.#seats;
  }

  /** Seats, drawdown and shared tier answers keep state in the store; a tiers-only gate on its own leaves it alone. */
  get #usesStore(): boolean {
    return this.#instances !== undefined || this.options.shareTierAnswers;
  }

  /** This engine's id in the store (a new one per gate). */
  get instanceId(): string | undefined {
    return this.#instances?.id;
  }

  /**
   * Learns the license (one refresh) and starts the refresh schedule. Resolves once the first
   * answer is in, or once the first attempt failed for a transient reason (then the failure policy
   * serves requests and the gate keeps trying). Rejects when License Manager refuses the app's
   * setup (permissions, credentials, Region): such an app should fail at boot, not at request time.
   */
  start(): Promise<void> {
    if (this.#state === 'stopped')
      return Promise.reject(
        new LicenseGateConfigurationError('ERR_LG_STOPPED', 'This gate was stopped; create a new one to start again.'),
      );
    this.#starting ??= this.#start();
    return this.#starting;
  }

  async #start(): Promise<void> {
    this.#state = 'starting';
    this.#startMetrics();
    this.#report.beginStart();
    // Seats need CheckInLicense and ExtendLicenseConsumption, which start() itself never calls: probed alongside.
    const probing: Promise<ProbeOutcome[]> =
      this.#seats === undefined
        ? Promise.resolve([])
        : probePermissions(
            this.options.client,
            ['CheckInLicense', 'ExtendLicenseConsumption'],
            this.options.callTimeoutMs,
          );
    const steps: (() => Promise<void> | void)[] = [
      () => (this.#usesStore ? this.options.store.init?.({ clock: this.options.clock }) : undefined),
      () => this.#instances?.start(),
      () => this.#tiers?.start(),
      () => this.#poller?.start(),
      () => this.#drawdown?.start(),
      () => this.#adoptOrphans(),
      async () => this.#report.permissions(await probing),
      () => this.#report.ready(),
    ];
    for (const step of steps) {
      await step();
      if ((this.#state as LicenseGateStatus['state']) === 'stopped') {
        throw new LicenseGateConfigurationError('ERR_LG_STOPPED', 'The gate was stopped while it was starting.');
      }
    }
    const episode = this.#tiers?.episode;
    if (episode?.kind === 'configuration') {
      await this.stop();
      throw episode.error;
    }
    this.#state = 'running';
    this.#report.started({
      status: this.status(),
      license: this.#watch.license ?? this.#tiers?.answer?.license,
      answered: this.#licenseAnswered,
      drawdown: this.#drawdown,
    });
  }

  /**
   * Stops gracefully. New requests are refused at once (`ERR_LG_STOPPED`); drawdown charges of
   * requests in flight are waited for, up to `drainTimeoutMs`, then everything pending is sealed
   * and reported; the tier checkout is checked in; seats are checked in — or, on a shared store
   * with other live instances (a rolling restart), the seats in use are left for them to keep
   * alive; then the store is released. Idempotent: every call resolves with the same report of
   * what is left. Call it after the HTTP server has stopped taking connections (`server.close()`).
   */
  stop(): Promise<LicenseGateStopReport> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<LicenseGateStopReport> {
    const wasRunning = this.#state === 'running' || this.#state === 'starting';
    this.#state = 'stopped';
    this.#watch.stop();
    this.#poller?.stop();
    // Requests in flight settle their drawdown charges (up to drainTimeoutMs) while seats go back.
    const handOver = this.#seats === undefined ? false : await this.#handsOver();
    if (this.#seats !== undefined && !handOver && this.options.store.shared === true) {
      // The last live instance: it also returns what stopped instances handed over and nobody adopted yet.
      await this.#instances
        ?.live()
        .then((live) => this.#seats?.adopt(live))
        .catch(() => undefined);
    }
    const [drawdown, seats] = await Promise.all([
      this.#drawdown?.stop() ?? { drained: true, unreported: {}, open: {} },
      this.#seats?.stop({ handOver }),
      this.#tiers?.stop(),
    ]);
    await this.#instances?.stop();
    if (this.#usesStore) await this.options.store.shutdown?.();
    if (this.options.ownsClient) this.options.client.destroy();
    const report: LicenseGateStopReport = {
      drained: drawdown.drained,
      unreportedUnits: drawdown.unreported,
      openUnits: drawdown.open,
      seatsHandedOver: seats?.handedOver ?? 0,
      seatsLeft: seats?.left ?? 0,
      seatsReturned: seats?.returned ?? 0,
      unitsReported: Object.fromEntries(
        [...this.options.drawdown.keys()].map((name) => [name, this.#drawdown?.stats(name).reported ?? 0]),
      ),
    };
    if (wasRunning) this.#report.stopped(report);
    this.#metrics?.stop();
    return report;
  }

  /**
   * Whether stop() hands the seats in use over to other live instances instead of checking them in:
   * on a shared store, unless this is the last live instance. A store that cannot be read says no.
   */
  async #handsOver(): Promise<boolean> {
    if (this.options.store.shared !== true || this.#instances === undefined) return false;
    try {
      const live = await this.#instances.live();
      live.delete(this.#instances.id);
      return live.size > 0;
    } catch {
      return false;
    }
  }

  /** Checks the license again now (joins a refresh in flight). */
  refresh(): Promise<void> {
    return this.#tiers?.refresh() ?? this.#poller?.refresh() ?? Promise.resolve();
  }

  /** The resolver, or ERR_LG_UNKNOWN_TIER for a gate without tiers. */
  #tierResolver(tier: string): { resolver: TierResolver; rank: number } {
    const rank = this.tierOrder.rankOf(tier);
    return { resolver: this.#tiers as TierResolver, rank };
  }

  /**
   * Whether the license grants `tier` or a higher one, now. Synchronous and cheap: no network call
   * and no promise while the cached answer is fresh.
   * @throws LicenseGateConfigurationError ERR_LG_UNKNOWN_TIER when `tier` is not one of the gate's tiers
   */
  hasTier(tier: string): boolean {
    const { resolver, rank } = this.#tierResolver(tier);
    return this.#tierCounts.count(rank, resolver.check(rank)).allowed;
  }

  /** Like {@link hasTier}, with the reason of a denial (the error an adapter answers with). */
  checkTier(tier: string): TierDecision {
    const { resolver, rank } = this.#tierResolver(tier);
    return this.#tierCounts.count(rank, resolver.check(rank));
  }

  /**
   * A check of one tier, with the name looked up once: what an adapter builds when a route is
   * declared, so that an unknown tier fails at startup and each request only runs the check.
   * @throws LicenseGateConfigurationError ERR_LG_UNKNOWN_TIER
   */
  tierCheck(tier: string): () => TierDecision {
    const { resolver, rank } = this.#tierResolver(tier);
    const counts = this.#tierCounts;
    return () => counts.count(rank, resolver.check(rank));
  }

  /**
   * Throws unless the license grants `tier` or higher.
   * @throws TierRequiredError, NoLicenseError or LicenseUnavailableError
   */
  assertTier(tier: string): void {
    const decision = this.checkTier(tier);
    if (!decision.allowed) throw decision.error;
  }

  /** The tier the license grants now, or `null`. */
  get tier(): string | null {
    return this.#tiers?.currentTier() ?? null;
  }

  /** A plain object for a health or readiness endpoint; it holds no tokens. */
  status(): LicenseGateStatus {
    const answer = this.#tiers?.answer;
    const episode = this.#tiers?.episode;
    const license = this.#watch.license ?? answer?.license;
    const { onUnavailable } = this.options;
    const tier = this.tier;
    return {
      productSku: this.options.productSku,
      state: this.#state,
      tier,
      tiers: this.tierOrder.names,
      reason:
        this.#tiers === undefined
          ? null
          : tier === null
            ? answer === undefined
              ? 'unknown'
              : this.options.clock.now() >= answer.validUntil
                ? 'expired'
                : (answer.reason ?? null)
            : null,
      license:
        license === undefined
          ? null
          : {
              arn: license.arn,
              status: license.status,
              version: license.version ?? null,
              expiresAt: iso(license.validUntil),
            },
      lastCheckedAt: iso(answer?.checkedAt),
      nextRefreshAt: iso(this.#tiers?.nextRefreshAt),
      degraded: episode !== undefined,
      degradedSince: iso(episode?.since),
      graceEndsAt:
        episode !== undefined && answer !== undefined && answer.rank >= 0
          ? iso(this.#onUnavailable.graceEndsAt(answer.checkedAt))
          : null,
      policy: onUnavailable,
      lastError:
        episode === undefined
          ? null
          : { code: episode.error.code, name: episode.error.awsName, message: episode.error.message },
      calls: this.#source.calls,
      seats:
        this.#seats === undefined
          ? null
          : {
              entitlement: this.#seats.entitlement,
              heldHere: this.#seats.size,
              limit: this.#limitOf(this.#seats.entitlement) ?? null,
            },
    };
  }

  /** Creates the OpenTelemetry instruments, once, when the `metrics` option finds a meter (see telemetry/). */
  #startMetrics(): void {
    const { productSku, clock, graceMs, drawdown, logger } = this.options;
    try {
      const meter = this.options.metrics();
      if (meter === undefined) return;
      this.#metrics = new GateMetrics(meter, {
        productSku,
        clock,
        graceMs,
        status: () => this.status(),
        tiers: this.tierOrder.names,
        tierCounts: this.#tierCounts,
        seats: this.#seats,
        drawdown:
          this.#drawdown === undefined ? undefined : { meter: this.#drawdown, dimensions: [...drawdown.keys()] },
        calls: this.#calls,
        attempts: () => this.#source.calls,
      });
    } catch (error) {
      // Metrics never stop a gate: a meter that fails is logged, and the gate goes on without metrics.
      logger.warn(
        { event: 'licensegate.gate.metrics_unavailable', error: (error as Error)?.message ?? String(error) },
        'The OpenTelemetry meter failed; the gate runs without metrics',
      );
    }
  }

  /**
   * Whether the gate is live and ready, and each model's health (tiers answerable, seats grantable,
   * each drawdown dimension admitting), with a stable code and a message: what the gated routes
   * would answer now, from what the gate knows (no call is made here). The tier answer is read with
   * the check a request runs, so, like a request, a probe may start a refresh that is due (or bring a
   * retry forward during an outage). The HTTP adapters serve it as liveness and readiness probes
   * (`lg.health()` in Express); see `GateHealth` and the codes in `HealthCode`.
   */
  health(): GateHealth {
    const tiers = this.#tiers;
    const drawdown = this.#drawdown;
    return gateHealth({
      productSku: this.options.productSku,
      state: this.#state,
      policy: this.#onUnavailable,
      now: this.options.clock.now(),
      license: this.#watch.license ?? tiers?.answer?.license,
      // License Manager said there is none (a tier answer's reason; for a gate without tiers, a read that found none).
      noLicense:
        tiers !== undefined
          ? tiers.answer?.reason === 'no-license'
          : this.#poller?.readAt !== undefined && this.#watch.license === undefined,
      outage: tiers?.episode ?? this.#poller?.failure,
      tiers: tiers && { decision: tiers.check(0), answer: tiers.answer },
      seats: this.#seats && { entitlement: this.#seats.entitlement, ...this.#seats.healthView },
      drawdown: drawdown && [...this.options.drawdown.keys()].map((name) => [name, drawdown.admission(name)] as const),
    });
  }

  /** The license's maximum for an entitlement, where known. */
  #limitOf(entitlement: string | undefined): number | undefined {
    return maxCountOf(this.#watch.license, entitlement);
  }

  /**
   * Adopts what engines that are no longer alive left in the store. On a shared store their seats
   * are kept alive (their sessions live on elsewhere); on a durable store of this process alone
   * (the file store), what is left is an earlier run's, whose sessions died with it: its seats are
   * checked in at once.
   */
  async #adoptOrphans(): Promise<void> {
    if (this.#instances === undefined || this.#state === 'stopped') return;
    const live = await this.#instances.live();
    const store = this.options.store;
    await this.#seats?.adopt(live, store.shared !== true && isDurable(store) ? 'checkIn' : 'keep');
    await this.#drawdown?.adopt(live);
  }

  /** A fresh read of the license (from the tier refresh or the poller). */
  #onLicense(license: LicenseInfo | undefined): void {
    if (this.#state === 'stopped') return;
    this.#licenseAnswered = true;
    const previous = this.#watch.license;
    this.#watch.update(license);
    if (
      license !== undefined &&
      previous !== undefined &&
      (previous.arn !== license.arn || previous.version !== license.version)
    ) {
      const payload = { licenseArn: license.arn, previous: previous.version, current: license.version };
      this.#log('info', 'licenseVersionChanged', payload);
      this.emit('licenseVersionChanged', payload);
    }
    // The meter lifts an exhausted dimension when the license it is told of is another version.
    if (license !== undefined) this.#drawdown?.licenseChanged({ arn: license.arn, version: license.version });
  }

  #onRefreshed(answer: TierAnswer, previous: TierAnswer | undefined): void {
    if (this.#state === 'stopped') return;
    this.#onLicense(answer.license);
    if (previous !== undefined && previous.tier !== answer.tier) {
      const payload = {
        previous: previous.tier,
        current: answer.tier,
        licenseArn: answer.license?.arn,
        licenseVersion: answer.license?.version,
      };
      this.#log('info', 'tierChanged', payload);
      this.emit('tierChanged', payload);
    }
    if (previous === undefined && answer.tier === null) {
      this.#log('warn', 'noTier', {
        reason: answer.reason,
        productSku: this.options.productSku,
        keyFingerprint: this.options.keyFingerprint,
      });
    }
    this.emit('refreshed', { tier: answer.tier, checkedAt: new Date(answer.checkedAt) });
  }

  #onFailed(episode: FailureEpisode, isNew: boolean): void {
    const level = episode.kind === 'configuration' ? 'error' : 'warn';
    if (!isNew && episode.kind !== 'configuration') return; // once per episode; configuration trouble stays loud
    const answer = this.#tiers?.answer;
    const graceEnd = answer === undefined ? undefined : this.#onUnavailable.graceEndsAt(answer.checkedAt);
    const graceEndsAt = graceEnd === undefined ? null : new Date(graceEnd);
    const payload = {
      reason: episode.kind,
      code: episode.error.code,
      error: episode.error.message,
      policy: this.options.onUnavailable,
      graceEndsAt,
    };
    this.#log(level, 'degraded', payload);
    if (isNew) this.emit('degraded', payload);
  }

  #onRecovered(episode: FailureEpisode): void {
    const payload = { downtimeMs: this.options.clock.now() - episode.since, failures: episode.failures };
    this.#log('info', 'recovered', payload);
    this.emit('recovered', payload);
  }

  #log(level: 'info' | 'warn' | 'error', event: keyof typeof LOGGED, fields: object): void {
    const { name, message } = LOGGED[event];
    this.options.logger[level]({ event: name, productSku: this.options.productSku, ...fields }, message);
  }
}

/** The log event (see the README's table of log events) and message of each gate event the gate logs. */
const LOGGED = {
  tierChanged: { name: 'licensegate.tier.changed', message: 'The license now grants another tier' },
  noTier: {
    name: 'licensegate.tier.none_granted',
    message: "The license grants none of the gate's tiers: check productSku, keyFingerprint and the tier names",
  },
  degraded: {
    name: 'licensegate.gate.degraded',
    message: 'License Manager cannot be reached; the failure policy applies',
  },
  recovered: { name: 'licensegate.gate.recovered', message: 'License Manager answers again' },
  licenseExpiring: { name: 'licensegate.license.expiring', message: 'The license ends soon' },
  licenseExpired: { name: 'licensegate.license.expired', message: 'The license has ended' },
  licenseStatusChanged: { name: 'licensegate.license.status_changed', message: 'The license status changed' },
  licenseVersionChanged: {
    name: 'licensegate.license.version_changed',
    message: 'A new version of the license was seen',
  },
} as const;

/**
 * Makes a gate for one product. The options are checked at once: each mistake throws a
 * {@link LicenseGateConfigurationError} with a stable code and a message that says how to fix it.
 *
 * @example
 * ```ts
 * const gate = createLicenseGate({ productSku: 'prod-abc123', tiers: ['Basic', 'Intermediate', 'Premium'] });
 * await gate.start();
 * if (gate.hasTier('Premium')) { ... }
 * await gate.stop();
 * ```
 */
export function createLicenseGate(options: LicenseGateOptions): LicenseGate {
  return new LicenseGate(resolveOptions(options));
}

/** A gate, as far as the brand can tell. */
interface BrandedGate {
  readonly [GATE_BRAND]: true;
}

/**
 * Whether `value` is a `LicenseGate` made by any copy of `@licensegate/core` — what an adapter
 * uses to tell a gate from gate options (never `instanceof`, which a second copy defeats).
 */
export function isLicenseGate(value: unknown): value is LicenseGate {
  return typeof value === 'object' && value !== null && (value as Partial<BrandedGate>)[GATE_BRAND] === true;
}
