import type { Clock } from '../clock.js';
import type { DrawdownMeter } from '../drawdown/drawdown-meter.js';
import type { LicenseGateStatus } from '../gate-status.js';
import type { SeatPool } from '../seats/seat-pool.js';
import { CallTelemetry } from './call-telemetry.js';
import type { BatchCallbackLike, BatchObserverLike, MeterLike, ObservableInstrumentLike } from './otel-types.js';
import { TIER_OUTCOMES, type TierDecisionCounts } from './tier-decision-counts.js';

/** What the gate's metrics read: counters the engine keeps anyway, and `status()`. */
export interface GateMetricSources {
  readonly productSku: string;
  readonly clock: Clock;
  readonly graceMs: number;
  /** The gate's `status()`: read once per collection. */
  status(): LicenseGateStatus;
  /** The tier names, lowest first (rank = index). */
  readonly tiers: readonly string[];
  readonly tierCounts: TierDecisionCounts;
  readonly seats: SeatPool | undefined;
  readonly drawdown: { readonly meter: DrawdownMeter; readonly dimensions: readonly string[] } | undefined;
  /** Where License Manager call durations are recorded. */
  readonly calls: CallTelemetry;
  /** License Manager attempts made so far (retries included). */
  attempts(): number;
}

/** What a gate is doing, as `licensegate.gate.state` reports it (one of them is 1, the others 0). */
export type GateState = 'starting' | 'running' | 'degraded' | 'grace' | 'refusing' | 'stopped';

const STATES: readonly GateState[] = ['starting', 'running', 'degraded', 'grace', 'refusing', 'stopped'];

/**
 * The state of a gate from its status at `now`: `running` (answers as the license says), `grace`
 * (License Manager unreachable, the last answer served until `graceEndsAt`), `degraded` (unreachable,
 * served anyway under `allow`), `refusing` (its licensed routes refuse everyone: unreachable past the
 * grace or under `deny`, or the license grants none of its tiers), `starting`, `stopped`.
 */
export function gateStateOf(status: LicenseGateStatus, now: number): GateState {
  if (status.state === 'idle' || status.state === 'starting') return 'starting';
  if (status.state === 'stopped') return 'stopped';
  if (status.degraded) {
    if (status.policy === 'allow') return 'degraded';
    if (status.graceEndsAt !== null && Date.parse(status.graceEndsAt) > now) return 'grace';
    return 'refusing';
  }
  if (status.tiers.length > 0 && status.tier === null) return 'refusing';
  return 'running';
}

/**
 * The gate's OpenTelemetry instruments, created once at `start()` on the meter the `metrics`
 * option found; every instrument but the call-duration histogram is asynchronous, observed in one
 * batch callback from counters the engine keeps anyway — so the request path does no work for
 * them. `stop()` removes the callback (the gate's series end with it). The instruments are listed
 * in the core README ("Metrics").
 */
export class GateMetrics {
  readonly #meter: MeterLike;
  readonly #sources: GateMetricSources;
  readonly #observables: ObservableInstrumentLike[] = [];
  readonly #callback: BatchCallbackLike;
  #stopped = false;

  constructor(meter: MeterLike, sources: GateMetricSources) {
    this.#meter = meter;
    this.#sources = sources;
    const sku = { 'licensegate.product_sku': sources.productSku };
    const observe: ((observer: BatchObserverLike) => void)[] = [];
    const counter = (name: string, unit: string, description: string): ObservableInstrumentLike =>
      this.#add(meter.createObservableCounter(name, { unit, description }));
    const upDown = (name: string, unit: string, description: string): ObservableInstrumentLike =>
      this.#add(meter.createObservableUpDownCounter(name, { unit, description }));
    const gauge = (name: string, unit: string, description: string): ObservableInstrumentLike =>
      this.#add(meter.createObservableGauge(name, { unit, description }));

    sources.calls.duration = meter.createHistogram('licensegate.license_manager.call.duration', {
      unit: 's',
      description: 'Duration of License Manager calls (retries included), by operation and outcome.',
      advice: { explicitBucketBoundaries: [...CallTelemetry.buckets] },
    });
    const attempts = counter(
      'licensegate.license_manager.attempts',
      '{attempt}',
      'License Manager requests sent, retries included.',
    );
    const state = upDown(
      'licensegate.gate.state',
      '{gate}',
      'The gate state: 1 for the current licensegate.state (starting, running, degraded, grace, refusing, stopped), 0 for the others.',
    );
    const grace = gauge(
      'licensegate.grace.remaining',
      's',
      'Under the grace policy: how long the last good tier answer may still be served if License Manager stays (or becomes) unreachable.',
    );
    observe.push((observer) => {
      const now = sources.clock.now();
      const status = sources.status();
      observer.observe(attempts, sources.attempts(), sku);
      const current = gateStateOf(status, now);
      for (const name of STATES)
        observer.observe(state, name === current ? 1 : 0, { ...sku, 'licensegate.state': name });
      if (status.policy === 'grace' && status.lastCheckedAt !== null && status.tier !== null) {
        const left = Date.parse(status.lastCheckedAt) + sources.graceMs - now;
        observer.observe(grace, Math.max(0, left) / 1000, sku);
      }
    });

    if (sources.tiers.length > 0) {
      const decisions = counter(
        'licensegate.tier.decisions',
        '{decision}',
        'Tier checks, by the tier asked for, outcome (allowed, denied) and reason.',
      );
      observe.push((observer) =>
        sources.tierCounts.forEach((rank, outcome, count) => {
          const [result, reason] = TIER_OUTCOMES[outcome] as readonly [string, string];
          observer.observe(decisions, count, {
            ...sku,
            'licensegate.tier': sources.tiers[rank] ?? String(rank),
            'licensegate.outcome': result,
            'licensegate.reason': reason,
          });
        }),
      );
    }

    const seats = sources.seats;
    if (seats !== undefined) {
      const held = upDown('licensegate.seats.held', '{seat}', 'Floating seats this engine keeps checked out.');
      const waiting = upDown('licensegate.seats.waiting', '{request}', 'Acquisitions waiting in the queue for a seat.');
      const refused = counter(
        'licensegate.seats.refused',
        '{request}',
        'Seat acquisitions refused: no seat free (seats-exhausted) or no usable license (no-license).',
      );
      const limit = gauge('licensegate.seats.limit', '{seat}', "The license's maximum of the seat entitlement.");
      observe.push((observer) => {
        const attributes = { ...sku, 'licensegate.entitlement': seats.entitlement };
        const stats = seats.stats();
        observer.observe(held, stats.held, attributes);
        observer.observe(waiting, stats.waiting, attributes);
        observer.observe(refused, stats.refused.exhausted, { ...attributes, 'licensegate.reason': 'seats-exhausted' });
        observer.observe(refused, stats.refused.noLicense, { ...attributes, 'licensegate.reason': 'no-license' });
        const max = sources.status().seats?.limit;
        if (typeof max === 'number') observer.observe(limit, max, attributes);
      });
    }

    const drawdown = sources.drawdown;
    if (drawdown !== undefined) {
      const debited = counter(
        'licensegate.drawdown.debited',
        '{unit}',
        'Drawdown units charged: reservations committed and debits that succeeded.',
      );
      const pending = upDown(
        'licensegate.drawdown.pending',
        '{unit}',
        'Drawdown units not reported to License Manager yet.',
      );
      const reported = counter(
        'licensegate.drawdown.reported',
        '{unit}',
        'Drawdown units License Manager acknowledged.',
      );
      const unbillable = counter(
        'licensegate.drawdown.unbillable',
        '{unit}',
        'Drawdown units served that License Manager refused because the pool ran out.',
      );
      const exhausted = upDown(
        'licensegate.drawdown.exhausted',
        '{dimension}',
        'Whether the dimension is known to be used up (1) or not (0).',
      );
      observe.push((observer) => {
        for (const dimension of drawdown.dimensions) {
          const attributes = { ...sku, 'licensegate.dimension': dimension };
          const stats = drawdown.meter.stats(dimension);
          observer.observe(debited, stats.debited, attributes);
          observer.observe(pending, stats.pending, attributes);
          observer.observe(reported, stats.reported, attributes);
          observer.observe(unbillable, stats.unbillable, attributes);
          observer.observe(exhausted, stats.exhausted ? 1 : 0, attributes);
        }
      });
    }

    this.#callback = (observer) => {
      if (this.#stopped) return;
      for (const each of observe) each(observer);
    };
    meter.addBatchObservableCallback(this.#callback, this.#observables);
  }

  #add(instrument: ObservableInstrumentLike): ObservableInstrumentLike {
    this.#observables.push(instrument);
    return instrument;
  }

  /** Stops observing and recording: the callback is removed, call durations are no longer recorded. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#sources.calls.duration = undefined;
    this.#meter.removeBatchObservableCallback(this.#callback, this.#observables);
  }
}
