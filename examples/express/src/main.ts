import { fileURLToPath } from 'node:url';
import { createLicenseGate } from '@licensegate/core';
import { startEmulator } from '@licensegate/emulator';
import { createDemoApp } from './app.js';
import { createDemoMetrics } from './metrics.js';

/**
 * `npm start`: the License Manager emulator in-process with the demo licenses (issued as AWS
 * Marketplace, so the app uses the real Marketplace fingerprint), the demo app on it, and a few
 * commands that show each gate answering.
 */
async function main(): Promise<void> {
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  // The emulator accepts any signed request; the SDK only needs some credentials to sign with.
  process.env['AWS_ACCESS_KEY_ID'] ??= 'demo';
  process.env['AWS_SECRET_ACCESS_KEY'] ??= 'demo';
  const licenses = fileURLToPath(import.meta.resolve('@licensegate/emulator/licenses/demo.json'));
  const lm = await startEmulator({ licenses, console: true });
  const client = { endpoint: lm.url, region: 'us-east-1' };
  // OpenTelemetry metrics, scraped by Prometheus at GET /metrics.
  const metrics = createDemoMetrics();
  const tiers = createLicenseGate({
    productSku: 'lg-demo-tiered',
    tiers: ['Basic', 'Intermediate', 'Premium'],
    client,
    metrics: { meterProvider: metrics.meterProvider },
  });
  const usage = createLicenseGate({
    productSku: 'lg-demo-configurable',
    seats: { entitlement: 'ConcurrentUsers', idleTimeoutMs: 30 * 60_000 },
    drawdown: { DataConsumption: { mode: 'reserve', blockUnits: 50 } },
    client,
    metrics: { meterProvider: metrics.meterProvider },
  });
  await Promise.all([tiers.start(), usage.start()]);

  const port = Number(process.env['PORT'] ?? 3000);
  const app = createDemoApp({ tiers, usage }, { consoleUrl: lm.consoleUrl, metrics: metrics.scrape });
  const server = app.listen(port, '127.0.0.1', () => {
    const url = `http://127.0.0.1:${port}`;
    process.stdout.write(
      [
        `licensegate demo listening on ${url}`,
        `License Manager emulator on ${lm.url} (licenses: ${licenses})`,
        `Emulator console: ${lm.consoleUrl}`,
        `The app's side: ${url}/_status`,
        '',
        'Try:',
        `  curl ${url}/reports/basic                     # 200: the demo license grants Intermediate`,
        `  curl ${url}/reports/premium                   # 403 problem+json: Premium needed`,
        `  curl -c jar -H 'content-type: application/json' -d '{"user":"ann"}' ${url}/login   # takes 1 of 5 seats`,
        `  curl -b jar ${url}/app                        # 200 with a seat`,
        `  curl -b jar -X POST '${url}/backup?gb=25'     # 200: 25 units spent from a block of 50 checked out ahead`,
        `  curl -b jar -X POST '${url}/backup?gb=5000'   # 402: more than the pool has left, refused before any work`,
        `  curl -b jar -X POST ${url}/logout             # returns the seat`,
        `  curl ${url}/status                            # both gates' status`,
        `  curl ${url}/healthz                           # liveness: 503 only when a gate is stopped`,
        `  curl ${url}/readyz                            # readiness: 503 when the licensed routes would refuse everyone`,
        `  curl ${url}/metrics                           # Prometheus: licensegate_* metrics of both gates`,
        '',
        'Ctrl-C stops: units are flushed and seats returned.',
        '',
      ].join('\n'),
    );
  });
  const stop = (): void => {
    server.close();
    Promise.all([tiers.stop(), usage.stop()])
      .then(() => metrics.shutdown())
      .then(() => lm.close())
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`licensegate demo: ${(error as Error).message}\n`);
  process.exit(1);
});
