import 'reflect-metadata';
import { fileURLToPath } from 'node:url';
import { startEmulator } from '@licensegate/emulator';

import { createDemoApp } from './app.module.js';

/**
 * `node examples/nestjs/dist/main.js`: the License Manager emulator in-process with the demo
 * licenses (issued as AWS Marketplace, so the app uses the real Marketplace fingerprint), the demo
 * Nest app on it, and a few commands that show each gate answering.
 */
async function main(): Promise<void> {
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  // The emulator accepts any signed request; the SDK only needs some credentials to sign with.
  process.env['AWS_ACCESS_KEY_ID'] ??= 'demo';
  process.env['AWS_SECRET_ACCESS_KEY'] ??= 'demo';
  process.env['AWS_REGION'] ??= 'us-east-1';
  const licenses = fileURLToPath(import.meta.resolve('@licensegate/emulator/licenses/demo.json'));
  const lm = await startEmulator({ licenses, console: true });
  // The standard AWS way to point the SDK at another endpoint: the app itself does not change.
  process.env['AWS_ENDPOINT_URL_LICENSE_MANAGER'] = lm.url;

  const app = await createDemoApp(undefined, { consoleUrl: lm.consoleUrl });
  const port = Number(process.env['PORT'] ?? 3000);
  await app.listen(port, '127.0.0.1');
  const url = `http://127.0.0.1:${port}`;
  process.stdout.write(
    [
      `licensegate NestJS demo listening on ${url}`,
      `License Manager emulator on ${lm.url} (licenses: ${licenses})`,
      `Emulator console: ${lm.consoleUrl}`,
      `The app's side: ${url}/_status (readiness, the counters its metrics read, status())`,
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
      '',
      'Ctrl-C stops: Nest shuts down, units are flushed and seats returned.',
      '',
    ].join('\n'),
  );
  // Closing the app stops the gates (units flushed, seats returned); then the emulator.
  const stop = (): void => {
    void app
      .close()
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
  process.stderr.write(`licensegate NestJS demo: ${(error as Error).message}\n`);
  process.exit(1);
});
