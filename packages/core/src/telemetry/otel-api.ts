import { createRequire } from 'node:module';
import type { MeterLike } from './otel-types.js';

/** What the gate reads of `@opentelemetry/api`, when the app has it installed. */
interface OtelApi {
  readonly metrics: { getMeter(name: string): MeterLike };
  createNoopMeter(): MeterLike;
}

/** The instrumentation scope of the gate's instruments. */
export const METER_NAME = '@licensegate/core';

let api: OtelApi | null | undefined;

/**
 * `@opentelemetry/api`, loaded once, or `null` when the app has not installed it (it is an
 * optional peer of core). The API keeps its global providers on `globalThis`, so the copy loaded
 * here sees the provider an app's SDK registered through any other copy.
 */
function loadApi(): OtelApi | null {
  if (api === undefined) {
    try {
      api = createRequire(import.meta.url)('@opentelemetry/api') as OtelApi;
    } catch {
      api = null;
    }
  }
  return api;
}

/**
 * The meter of the global provider of `@opentelemetry/api`, or `undefined` when the package is
 * not installed or no provider is registered (the API then hands out its no-op meter): the gate
 * then creates no instruments and records nothing.
 */
export function globalMeter(): MeterLike | undefined {
  const otel = loadApi();
  if (otel === null) return undefined;
  const meter = otel.metrics.getMeter(METER_NAME);
  return meter === otel.createNoopMeter() ? undefined : meter;
}
