import { fileURLToPath } from 'node:url';
import { createLicenseGate } from '@licensegate/core';
import { startEmulator } from '@licensegate/emulator';

import { createDemoApp } from './app.js';

/**
 * `npm run start:fastify`: the License Manager emulator in-process with the demo licenses (issued
 * as AWS Marketplace, so the app uses the real Marketplace fingerprint), the Fastify demo app on
 * it, and a few commands that show each gate answering.
 */
async function main(): Promise<void> {
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  // The emulator accepts any signed request; the SDK only needs some credentials to sign with.
  process.env['AWS_ACCESS_KEY_ID'] ??= 'demo';
  process.env['AWS_SECRET_ACCESS_KEY'] ??= 'demo';
  const licenses = fileURLToPath(import.meta.resolve('@licensegate/emulator/licenses/demo.json'));
  const lm = await startEmulator({ licenses, console: true });
  const client = { endpoint: lm.url, region: 'us-east-1' };
  const tiers = createLicenseGate({
    productSku: 'lg-demo-tiered',
    tiers: ['Basic', 'Intermediate', 'Premium'],
    client,
  });
  const usage = createLicenseGate({
    productSku: 'lg-demo-configurable',
    seats: { entitlement: 'ConcurrentUsers', idleTimeoutMs: 30 * 60_000 },
    drawdown: { DataConsumption: { mode: 'reserve', blockUnits: 50 } },
    client,
  });
  await Promise.all([tiers.start(), usage.start()]);

  const app = await createDemoApp({ tiers, usage }, { consoleUrl: lm.consoleUrl });
  const port = Number(process.env['PORT'] ?? 3000);
  await app.listen({ host: '127.0.0.1', port });
  const url = `http://127.0.0.1:${port}`;
  process.stdout.write(
    [
      `licensegate Fastify demo listening on ${url}`,
      `License Manager emulator on ${lm.url} (licenses: ${licenses})`,
      `Emulator console: ${lm.consoleUrl}`,
      `The app's side: ${url}/_status (readiness, the counters its metrics read, status())`,
      '',
      'Try:',
      `  curl ${url}/reports/basic                     # 200: the demo license grants Intermediate`,
      `  curl ${url}/reports/premium                   # 403 problem+json: Premium needed`,
      `  curl -c jar -H 'content-type: application/json' -d '{"user":"ann"}' ${url}/login   # a session for ann, and one of the 5 seats`,
      `  curl -b jar ${url}/app                        # 200: the logged-in area`,
      `  curl -b jar -X POST '${url}/backup?gb=25'     # 200: 25 units spent from a block of 50 checked out ahead`,
      `  curl -b jar -X POST '${url}/backup?gb=5000'   # 402: more than the pool has left, refused before any work`,
      `  curl -b jar -X POST ${url}/logout             # returns the seat, ends the session`,
      `  curl ${url}/status                            # both gates' status`,
      `  curl ${url}/healthz                           # liveness: 503 only when a gate is stopped`,
      `  curl ${url}/readyz                            # readiness: 503 when the licensed routes would refuse everyone`,
      '',
      'Ctrl-C stops: requests in flight finish, units are flushed, seats are returned.',
      '',
    ].join('\n'),
  );
  // app.close() stops taking connections and waits for the requests in flight; then the gates
  // stop (units reported), then the emulator.
  const stop = (): void => {
    app
      .close()
      .then(() => Promise.all([tiers.stop(), usage.stop()]))
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
  process.stderr.write(`licensegate Fastify demo: ${(error as Error).message}\n`);
  process.exit(1);
});
