import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { GetLicenseUsageCommand, LicenseManagerClient } from '@aws-sdk/client-license-manager';
import { createLicenseGate, silentLogger } from '@licensegate/core';
import { startEmulator, type RunningEmulator } from '@licensegate/emulator';

import { FileStore } from '../src/index.js';
import { useTempDirectories } from './support/temp-directories.js';

const REGION = 'us-east-1';
const SEATS = 'ConcurrentUsers';
const UNITS = 'DataConsumption';

/** An AWS Marketplace license with floating seats and drawdown units. */
function license(sku: string): object {
  return {
    AwsMarketplace: true,
    LicenseName: `${sku} license`,
    ProductName: 'licensegate file-store test',
    ProductSKU: sku,
    Issuer: { Name: 'AWS/Marketplace' },
    HomeRegion: REGION,
    Validity: { Begin: '-1d', End: '+365d' },
    Entitlements: [
      { Name: SEATS, MaxCount: 10, Overage: false, Unit: 'Count', AllowCheckIn: true },
      { Name: UNITS, MaxCount: 1_000_000, Overage: true, Unit: 'Count' },
    ],
    Beneficiary: '123456789012',
    ConsumptionConfiguration: { RenewType: 'None', ProvisionalConfiguration: { MaxTimeToLiveInMinutes: 60 } },
  };
}

describe('FileStore under a gate (the engine, the AWS SDK and the License Manager emulator)', () => {
  const directories = useTempDirectories();
  let lm: RunningEmulator;
  before(async () => {
    lm = await startEmulator({ host: '127.0.0.1', port: 0 });
  });
  after(() => lm?.close());

  it("keeps the gate's seats on disk, reports each drawdown unit once, and is closed by gate.stop()", async () => {
    const sku = `lg-file-store-${randomUUID()}`;
    const [arn] = lm.addLicenses([license(sku)]);
    const directory = directories.make();
    const gate = createLicenseGate({
      productSku: sku,
      seats: { entitlement: SEATS },
      drawdown: { [UNITS]: { mode: 'batch', batchUnits: 1_000, batchIntervalMs: 3_600_000 } },
      client: { endpoint: lm.url, region: REGION, maxAttempts: 1 },
      store: new FileStore({ directory, logger: silentLogger }),
      logger: silentLogger,
    });
    await gate.start();
    await gate.seats.acquire('alice@example.com');
    await gate.seats.acquire('bob@example.com');
    for (let i = 0; i < 25; i += 1) await gate.drawdown.debit(UNITS, 2);
    const log = readFileSync(join(directory, 'store.log'), 'utf8');
    assert.match(log, /alice@example\.com/, 'the seat records are on disk while the gate runs');
    assert.match(log, /bob@example\.com/);
    await gate.stop();

    assert.deepEqual(readdirSync(directory), ['store.log'], 'stop() closed the store and released its lock');
    const client = new LicenseManagerClient({ endpoint: lm.url, region: REGION, maxAttempts: 1 });
    const usage = await client.send(new GetLicenseUsageCommand({ LicenseArn: arn }));
    const consumed = usage.LicenseUsage?.EntitlementUsages?.find((entry) => entry.Name === UNITS)?.ConsumedValue;
    assert.equal(Number(consumed), 50);
    client.destroy();
  });
});
