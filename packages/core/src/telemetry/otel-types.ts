/**
 * The few OpenTelemetry metrics API shapes the gate uses, written out structurally so that core's
 * public types never import `@opentelemetry/api` (an optional peer: an app without it must
 * type-check and run). `MeterProvider` and `Meter` of `@opentelemetry/api` (and of the SDK) fit them.
 *
 * @module
 */

/** Attributes of a measurement: low-cardinality names and values. */
export type MetricAttributes = Readonly<Record<string, string | number | boolean>>;

/** What an instrument is created with. */
export interface MetricInstrumentOptions {
  readonly description?: string;
  readonly unit?: string;
  readonly advice?: { readonly explicitBucketBoundaries?: number[] };
}

/** An asynchronous instrument: observed in a batch callback. */
export interface ObservableInstrumentLike {
  addCallback(callback: (result: { observe(value: number, attributes?: MetricAttributes): void }) => void): void;
}

/** A histogram: the one synchronous instrument the gate records to. */
export interface HistogramLike {
  record(value: number, attributes?: MetricAttributes): void;
}

/** What a batch observable callback observes through. */
export interface BatchObserverLike {
  observe(observable: ObservableInstrumentLike, value: number, attributes?: MetricAttributes): void;
}

/** A batch observable callback. */
export type BatchCallbackLike = (observer: BatchObserverLike) => void;

/** An OpenTelemetry `Meter`, as far as the gate uses one. */
export interface MeterLike {
  createHistogram(name: string, options?: MetricInstrumentOptions): HistogramLike;
  createObservableCounter(name: string, options?: MetricInstrumentOptions): ObservableInstrumentLike;
  createObservableUpDownCounter(name: string, options?: MetricInstrumentOptions): ObservableInstrumentLike;
  createObservableGauge(name: string, options?: MetricInstrumentOptions): ObservableInstrumentLike;
  addBatchObservableCallback(callback: BatchCallbackLike, observables: ObservableInstrumentLike[]): void;
  removeBatchObservableCallback(callback: BatchCallbackLike, observables: ObservableInstrumentLike[]): void;
}

/** An OpenTelemetry `MeterProvider`, as far as the gate uses one. */
export interface MeterProviderLike {
  getMeter(name: string, version?: string, options?: { schemaUrl?: string }): MeterLike;
}
