/** Seed licenses for the emulator, shaped like AWS Marketplace licenses. */
import type { SeedLicense } from '@licensegate/emulator';

import { REGION } from './constants.js';

/** An AWS Marketplace license (the shape of packages/emulator/licenses/demo.json), valid -1d..+365d. */
export function marketplaceLicense(
  sku: string,
  entitlements: SeedLicense['Entitlements'],
  overrides: Partial<SeedLicense> = {},
): SeedLicense {
  return {
    AwsMarketplace: true,
    LicenseName: `${sku} contract`,
    ProductName: `${sku} product`,
    ProductSKU: sku,
    Issuer: { Name: 'AWS/Marketplace' },
    HomeRegion: REGION,
    Validity: { Begin: '-1d', End: '+365d' },
    Entitlements: entitlements,
    Beneficiary: '123456789012',
    ConsumptionConfiguration: { RenewType: 'None', ProvisionalConfiguration: { MaxTimeToLiveInMinutes: 60 } },
    ...overrides,
  };
}

/** A tiered license granting `tier`. */
export function tieredLicense(sku: string, tier: string): SeedLicense {
  return marketplaceLicense(sku, [{ Name: tier, Value: 'Enabled', Unit: 'None' }]);
}

/** A configurable license: `ConcurrentUsers` seats and/or `DataConsumption` units, without overage. */
export function countedLicense(sku: string, counts: { seats?: number; units?: number }): SeedLicense {
  const entitlements: SeedLicense['Entitlements'] = [];
  if (counts.seats !== undefined) {
    entitlements.push({
      Name: 'ConcurrentUsers',
      MaxCount: counts.seats,
      Overage: false,
      Unit: 'Count',
      AllowCheckIn: true,
    });
  }
  if (counts.units !== undefined) {
    entitlements.push({
      Name: 'DataConsumption',
      MaxCount: counts.units,
      Overage: false,
      Unit: 'Count',
      AllowCheckIn: true,
    });
  }
  return marketplaceLicense(sku, entitlements);
}
