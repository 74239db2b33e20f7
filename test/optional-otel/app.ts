/**
 * Run by optional-otel.spec.ts under `--require hide-otel-api.cjs`: core without
 * `@opentelemetry/api`. A gate with the default `metrics` starts against the emulator, answers a
 * tier check and stops; the tracing channel still works. Prints one JSON line.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import { createRequire } from 'node:module';

import { createLicenseGate, LICENSE_MANAGER_CHANNEL, silentLogger } from '@licensegate/core';
import { startEmulator } from '@licensegate/emulator';

const require = createRequire(import.meta.url);
let apiFound = true;
try {
  require('@opentelemetry/api');
} catch {
  apiFound = false;
}
const lm = await startEmulator({ host: '127.0.0.1', port: 0 });
lm.addLicenses([
  {
    AwsMarketplace: true,
    ProductSKU: 'lg-no-otel',
    LicenseName: 'lg-no-otel license',
    ProductName: 'lg-no-otel product',
    Issuer: { Name: 'AWS/Marketplace' },
    HomeRegion: 'us-east-1',
    Validity: { Begin: '-1d', End: '+365d' },
    Beneficiary: '123456789012',
    Entitlements: [{ Name: 'Premium', Value: 'Enabled', Unit: 'None' }],
    ConsumptionConfiguration: { RenewType: 'None', ProvisionalConfiguration: { MaxTimeToLiveInMinutes: 60 } },
  },
]);
const operations: string[] = [];
const onStart = (message: unknown): void => {
  operations.push((message as { operation: string }).operation);
};
diagnosticsChannel.subscribe(`tracing:${LICENSE_MANAGER_CHANNEL}:start`, onStart);
const gate = createLicenseGate({
  productSku: 'lg-no-otel',
  tiers: ['Basic', 'Premium'],
  client: { endpoint: lm.url, region: 'us-east-1' },
  logger: silentLogger,
});
await gate.start();
const premium = gate.hasTier('Premium');
await gate.stop();
await lm.close();
process.stdout.write(`${JSON.stringify({ apiFound, premium, operations })}\n`);
