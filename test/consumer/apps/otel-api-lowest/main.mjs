// Core's optional peer `@opentelemetry/api` at the lowest version its range admits (1.3.0, with an SDK of its day,
// sdk-metrics 1.8.0): the gate's instruments are created and read through a pull reader, both as the global provider
// (the default) and as `metrics: { meterProvider }`, against the emulator.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

import { metrics } from '@opentelemetry/api';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { createLicenseGate } from '@licensegate/core';
import { startEmulator } from '@licensegate/emulator';

process.env.AWS_ACCESS_KEY_ID ??= 'consumer';
process.env.AWS_SECRET_ACCESS_KEY ??= 'consumer';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const require = createRequire(import.meta.url);
const coreRequire = createRequire(require.resolve('@licensegate/core/package.json'));
const api = JSON.parse(
  (await import('node:fs')).readFileSync(coreRequire.resolve('@opentelemetry/api/package.json'), 'utf8'),
).version;
assert.equal(api, '1.3.0', 'core finds the app’s @opentelemetry/api 1.3.0');

class PullReader extends MetricReader {
  async onForceFlush() {}
  async onShutdown() {}
}

/** The value of `licensegate.tier.decisions` for `tier`, as a reader collects it. */
async function decisions(reader, tier) {
  const { resourceMetrics } = await reader.collect();
  const metric = resourceMetrics.scopeMetrics
    .flatMap((scope) => scope.metrics)
    .find((m) => m.descriptor.name === 'licensegate.tier.decisions');
  return metric?.dataPoints.find((p) => p.attributes['licensegate.tier'] === tier)?.value;
}

const licenses = join(dirname(require.resolve('@licensegate/emulator/package.json')), 'licenses', 'demo.json');
const lm = await startEmulator({ licenses, host: '127.0.0.1', port: 0 });
const client = { endpoint: lm.url, region: 'us-east-1' };
const explicitReader = new PullReader();
const explicit = new MeterProvider();
explicit.addMetricReader(explicitReader);
const globalReader = new PullReader();
const global = new MeterProvider();
global.addMetricReader(globalReader);
metrics.setGlobalMeterProvider(global);
const options = { productSku: 'lg-demo-tiered', tiers: ['Basic', 'Intermediate', 'Premium'], client };
const viaOption = createLicenseGate({ ...options, metrics: { meterProvider: explicit } });
const viaGlobal = createLicenseGate(options);
try {
  await Promise.all([viaOption.start(), viaGlobal.start()]);
  viaOption.tierCheck('Basic')();
  viaGlobal.tierCheck('Premium')();
  viaGlobal.tierCheck('Premium')();
  assert.equal(await decisions(explicitReader, 'Basic'), 1);
  assert.equal(await decisions(globalReader, 'Premium'), 2);
  process.stdout.write(
    `@opentelemetry/api ${api}, sdk-metrics 1.8.0: tier decisions read through the option and the global provider\n`,
  );
} finally {
  await Promise.all([viaOption.stop(), viaGlobal.stop()]);
  await lm.close();
}
