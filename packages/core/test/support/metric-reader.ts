/**
 * Reads a gate's metrics the way an OpenTelemetry SDK exports them: a real `MeterProvider` of
 * `@opentelemetry/sdk-metrics` with a pull `MetricReader`, collected on demand.
 */
import assert from 'node:assert/strict';

import {
  MeterProvider,
  MetricReader,
  type DataPoint,
  type Histogram,
  type MetricData,
} from '@opentelemetry/sdk-metrics';

/** A pull reader: `collect()` when the test says so. */
export class TestMetricReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/** One collection: every metric by name. */
export class Collected {
  readonly #metrics: Map<string, MetricData>;

  constructor(metrics: Map<string, MetricData>) {
    this.#metrics = metrics;
  }

  /** Whether an instrument of that name reported anything. */
  has(name: string): boolean {
    return this.#metrics.has(name);
  }

  /** The instrument's descriptor and points; fails when it reported nothing. */
  metric(name: string): MetricData {
    const metric = this.#metrics.get(name);
    assert.ok(metric !== undefined, `no metric ${name} (have: ${[...this.#metrics.keys()].join(', ')})`);
    return metric;
  }

  /** The points of `name` whose attributes include every one of `attributes`. */
  points(name: string, attributes: Readonly<Record<string, unknown>> = {}): DataPoint<unknown>[] {
    return (this.metric(name).dataPoints as DataPoint<unknown>[]).filter((point) =>
      Object.entries(attributes).every(([key, value]) => point.attributes[key] === value),
    );
  }

  /** The value of the one point of `name` with `attributes`; `undefined` when there is none. */
  value(name: string, attributes: Readonly<Record<string, unknown>> = {}): number | undefined {
    const points = this.points(name, attributes);
    assert.ok(points.length <= 1, `${points.length} points of ${name} match ${JSON.stringify(attributes)}`);
    return points[0]?.value as number | undefined;
  }

  /** The histogram point of `name` with `attributes`. */
  histogram(name: string, attributes: Readonly<Record<string, unknown>> = {}): Histogram | undefined {
    const points = this.points(name, attributes);
    assert.ok(points.length <= 1, `${points.length} points of ${name} match ${JSON.stringify(attributes)}`);
    return points[0]?.value as Histogram | undefined;
  }
}

/** A provider with a pull reader. */
export class MetricsWorld {
  readonly reader = new TestMetricReader();
  readonly provider = new MeterProvider({ readers: [this.reader] });

  async collect(): Promise<Collected> {
    const { resourceMetrics, errors } = await this.reader.collect();
    assert.deepEqual(errors, []);
    const metrics = new Map<string, MetricData>();
    for (const scope of resourceMetrics.scopeMetrics) {
      for (const metric of scope.metrics) metrics.set(metric.descriptor.name, metric);
    }
    return new Collected(metrics);
  }

  async close(): Promise<void> {
    await this.provider.shutdown();
  }
}
