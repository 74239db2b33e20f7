import type { RequestHandler } from 'express';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';

/** The demo's metrics: an OpenTelemetry meter provider whose reader is a Prometheus exporter. */
export interface DemoMetrics {
  /** Give it to each gate: `createLicenseGate({ ..., metrics: { meterProvider } })`. */
  readonly meterProvider: MeterProvider;
  /** `GET /metrics`: the Prometheus text format, collected when scraped. */
  readonly scrape: RequestHandler;
  /** Stops the provider (after the gates have stopped). */
  shutdown(): Promise<void>;
}

/**
 * OpenTelemetry metrics scraped by Prometheus on the app's own port (`/metrics`), through
 * `@opentelemetry/exporter-prometheus`: the exporter starts no server of its own
 * (`preventServerStart`), the app's route answers with its request handler.
 */
export function createDemoMetrics(): DemoMetrics {
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const meterProvider = new MeterProvider({ readers: [exporter] });
  return {
    meterProvider,
    scrape: (req, res) => exporter.getMetricsRequestHandler(req, res),
    shutdown: () => meterProvider.shutdown(),
  };
}
