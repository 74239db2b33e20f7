import { fail, isObject } from '../validation/option-checks.js';
import { globalMeter, METER_NAME } from './otel-api.js';
import type { MeterLike, MeterProviderLike } from './otel-types.js';

/**
 * The `metrics` option of a gate: where its OpenTelemetry instruments go.
 *
 * - not given (the default): the global meter provider of `@opentelemetry/api`, as OpenTelemetry's
 *   SDK registers it (`NodeSDK`, `metrics.setGlobalMeterProvider`) — looked up at `start()`. When
 *   the package is not installed, or no provider is registered, nothing is created and nothing is
 *   recorded.
 * - `{ meterProvider }`: that provider's meter `@licensegate/core`.
 * - `{ meter }`: that meter.
 * - `false`: no metrics, whatever is registered.
 *
 * The instruments are listed in the core README ("Metrics").
 */
export type MetricsOptions =
  | false
  | {
      /** An OpenTelemetry `MeterProvider` (e.g. the SDK's `new MeterProvider({ readers })`). */
      readonly meterProvider?: MeterProviderLike;
      /** An OpenTelemetry `Meter`, used as it is (takes precedence over `meterProvider`). */
      readonly meter?: MeterLike;
    };

/** The `metrics` option, checked: what finds the meter at start (`undefined`: no metrics). */
export type MeterSource = () => MeterLike | undefined;

function hasMethods(value: unknown, methods: readonly string[]): boolean {
  return isObject(value) && methods.every((m) => typeof (value as Record<string, unknown>)[m] === 'function');
}

const METER_METHODS = [
  'createHistogram',
  'createObservableCounter',
  'createObservableUpDownCounter',
  'createObservableGauge',
  'addBatchObservableCallback',
  'removeBatchObservableCallback',
] as const;

/**
 * Checks the `metrics` option.
 * @throws LicenseGateConfigurationError `ERR_LG_OPTION_METRICS` when it is not `false`, `{ meterProvider }` or `{ meter }`
 */
export function resolveMetricsOption(value: unknown): MeterSource {
  if (value === undefined) return globalMeter;
  if (value === false) return () => undefined;
  const hint =
    "metrics must be false, { meterProvider } (an OpenTelemetry MeterProvider) or { meter } (an OpenTelemetry Meter); leave it out to use the global provider of '@opentelemetry/api'";
  if (!isObject(value)) fail('ERR_LG_OPTION_METRICS', `${hint}; got ${JSON.stringify(value)}.`);
  const unknown = Object.keys(value).filter((k) => k !== 'meterProvider' && k !== 'meter');
  if (unknown.length > 0) fail('ERR_LG_OPTION_METRICS', `${hint}; got the unknown key(s) ${unknown.join(', ')}.`);
  const { meter, meterProvider } = value;
  if (meter !== undefined) {
    if (!hasMethods(meter, METER_METHODS))
      fail('ERR_LG_OPTION_METRICS', `${hint}: metrics.meter lacks ${missing(meter, METER_METHODS)}.`);
    return () => meter as MeterLike;
  }
  if (meterProvider !== undefined) {
    if (!hasMethods(meterProvider, ['getMeter']))
      fail('ERR_LG_OPTION_METRICS', `${hint}: metrics.meterProvider has no getMeter() method.`);
    return () => (meterProvider as MeterProviderLike).getMeter(METER_NAME);
  }
  fail('ERR_LG_OPTION_METRICS', `${hint}; got an object with neither.`);
}

function missing(value: unknown, methods: readonly string[]): string {
  return methods.filter((m) => typeof (value as Record<string, unknown>)[m] !== 'function').join(', ');
}
