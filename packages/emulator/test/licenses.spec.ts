import assert from 'node:assert/strict';

import {
  CheckInLicenseCommand,
  CreateLicenseCommand,
  CreateLicenseVersionCommand,
  DeleteLicenseCommand,
  ExtendLicenseConsumptionCommand,
  GetLicenseCommand,
  GetLicenseUsageCommand,
  ListLicenseVersionsCommand,
  ListLicensesCommand,
  ListReceivedLicensesCommand,
  type CreateLicenseCommandInput,
  type CreateLicenseVersionCommandInput,
  type Filter,
  type License,
  type LicenseManagerClient,
} from '@aws-sdk/client-license-manager';

import {
  ALL_TIERS,
  CONFIGURABLE_ARN,
  CONFIGURABLE_SKU,
  DAY,
  EMULATOR_ACCOUNT,
  HOUR,
  MARKETPLACE_FINGERPRINT,
  MINUTE,
  TIERED_ARN,
  TIERED_SKU,
  arnFor,
  checkout,
  counted,
  expectAwsError,
  marketplaceSeed,
  newToken,
  sellerFingerprint,
  sellerSeed,
  standardSeeds,
  tier,
  usageOf,
  useEmulator,
} from './support/emulator-fixture.js';

const EXPIRED_SKU = 'sku-expired';
const SELLER_SKU = 'sku-seller';
const OTHER_SELLER_SKU = 'sku-other-seller';
const SELLER_ARN = arnFor(SELLER_SKU, EMULATOR_ACCOUNT);
const OTHER_SELLER_ARN = arnFor(OTHER_SELLER_SKU, EMULATOR_ACCOUNT);
const EXPIRED_ARN = arnFor(EXPIRED_SKU);

function seeds() {
  return [
    ...standardSeeds(),
    marketplaceSeed(EXPIRED_SKU, [tier('Basic')], { Validity: { Begin: '-30d', End: '-1d' } }),
    sellerSeed(SELLER_SKU, 'Acme Corp', [counted('Users', 10), tier('Pro')], {
      Beneficiary: 'customer@example.com',
      LicenseMetadata: [{ Name: 'plan', Value: 'annual' }],
    }),
    sellerSeed(OTHER_SELLER_SKU, 'Globex', [counted('Users', 3)]),
  ];
}

/** Every ARN, in the order the emulator lists licenses (oldest first). */
const ALL_ARNS = [TIERED_ARN, CONFIGURABLE_ARN, EXPIRED_ARN, SELLER_ARN, OTHER_SELLER_ARN];

async function getLicense(client: LicenseManagerClient, arn: string, version?: string): Promise<License> {
  const answer = await client.send(
    new GetLicenseCommand({ LicenseArn: arn, ...(version !== undefined ? { Version: version } : {}) }),
  );
  assert.ok(answer.License !== undefined);
  return answer.License;
}

async function received(client: LicenseManagerClient, filters?: Filter[], arns?: string[]): Promise<string[]> {
  const answer = await client.send(
    new ListReceivedLicensesCommand({
      ...(filters !== undefined ? { Filters: filters } : {}),
      ...(arns !== undefined ? { LicenseArns: arns } : {}),
    }),
  );
  return (answer.Licenses ?? []).map((l) => l.LicenseArn ?? '');
}

/** A CreateLicenseVersion request that restates `license` with `changes`, as a seller would. */
function restate(
  license: License,
  changes: Partial<CreateLicenseVersionCommandInput> = {},
): CreateLicenseVersionCommandInput {
  return {
    LicenseArn: license.LicenseArn,
    LicenseName: license.LicenseName,
    ProductName: license.ProductName,
    Issuer: { Name: license.Issuer?.Name },
    HomeRegion: license.HomeRegion,
    Validity: license.Validity,
    Entitlements: license.Entitlements,
    ConsumptionConfiguration: license.ConsumptionConfiguration,
    Status: 'AVAILABLE',
    ClientToken: newToken(),
    SourceVersion: license.Version,
    ...changes,
  };
}

function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function createInput(now: number, changes: Partial<CreateLicenseCommandInput> = {}): CreateLicenseCommandInput {
  return {
    LicenseName: 'Created license',
    ProductName: 'Created product',
    ProductSKU: 'sku-created',
    Issuer: { Name: 'Initech' },
    HomeRegion: 'us-east-1',
    Validity: { Begin: isoSeconds(now - DAY), End: isoSeconds(now + 365 * DAY) },
    Entitlements: [{ Name: 'Seats', MaxCount: 4, Overage: false, Unit: 'Count', AllowCheckIn: true }],
    Beneficiary: '111122223333',
    ConsumptionConfiguration: { RenewType: 'None', ProvisionalConfiguration: { MaxTimeToLiveInMinutes: 60 } },
    ClientToken: newToken(),
    ...changes,
  };
}

describe('license reads through the AWS SDK', () => {
  const lm = useEmulator(() => ({ licenses: seeds() }), { each: false });

  describe('GetLicense', () => {
    it('answers the License of an AWS Marketplace seed', async () => {
      const license = await getLicense(lm.client, CONFIGURABLE_ARN);
      assert.equal(license.LicenseArn, CONFIGURABLE_ARN);
      assert.equal(license.ProductSKU, CONFIGURABLE_SKU);
      assert.equal(license.LicenseName, `${CONFIGURABLE_SKU} license`);
      assert.equal(license.ProductName, `${CONFIGURABLE_SKU} product`);
      assert.deepEqual(license.Issuer, { Name: 'AWS/Marketplace', KeyFingerprint: MARKETPLACE_FINGERPRINT });
      assert.equal(license.HomeRegion, 'us-east-1');
      assert.equal(license.Status, 'AVAILABLE');
      assert.equal(license.Beneficiary, EMULATOR_ACCOUNT);
      assert.equal(license.Version, '1');
      const now = lm.running.clock.now();
      assert.ok(Math.abs(Date.parse(license.Validity?.Begin ?? '') - (now - DAY)) < 5_000, 'Begin = load time - 1 day');
      assert.ok(
        Math.abs(Date.parse(license.Validity?.End ?? '') - (now + 365 * DAY)) < 5_000,
        'End = load time + 365 days',
      );
      assert.match(license.CreateTime ?? '', /^\d{10}$/, 'CreateTime is epoch seconds text by default');
      assert.ok(Math.abs(Number(license.CreateTime) * 1000 - now) < 5_000);
      assert.deepEqual(license.Entitlements, [
        { Name: 'ConcurrentUsers', MaxCount: 5, Overage: false, Unit: 'Count', AllowCheckIn: true },
        { Name: 'DataConsumption', MaxCount: 1000, Overage: false, Unit: 'Count', AllowCheckIn: true },
      ]);
      assert.deepEqual(license.ConsumptionConfiguration, {
        RenewType: 'None',
        ProvisionalConfiguration: { MaxTimeToLiveInMinutes: 60 },
      });
    });

    it('answers a seller license with its issuer, fingerprint and metadata', async () => {
      const license = await getLicense(lm.client, SELLER_ARN);
      assert.deepEqual(license.Issuer, { Name: 'Acme Corp', KeyFingerprint: sellerFingerprint('Acme Corp') });
      assert.deepEqual(license.LicenseMetadata, [{ Name: 'plan', Value: 'annual' }]);
      assert.equal(license.Beneficiary, 'customer@example.com');
    });

    it('reports EXPIRED for a license whose Validity.End has passed', async () => {
      assert.equal((await getLicense(lm.client, EXPIRED_ARN)).Status, 'EXPIRED');
    });

    it('answers InvalidParameterValueException for an unknown ARN and ValidationException for a malformed one', async () => {
      await expectAwsError(
        lm.client.send(new GetLicenseCommand({ LicenseArn: arnFor('unknown') })),
        'InvalidParameterValueException',
        400,
      );
      await expectAwsError(
        lm.client.send(new GetLicenseCommand({ LicenseArn: 'not-an-arn' })),
        'ValidationException',
        400,
      );
    });
  });

  describe('ListReceivedLicenses', () => {
    it('lists every license, each ACTIVE with the operations a buyer may call', async () => {
      const answer = await lm.client.send(new ListReceivedLicensesCommand({}));
      assert.deepEqual(
        answer.Licenses?.map((l) => l.LicenseArn),
        ALL_ARNS,
      );
      assert.equal(answer.NextToken, undefined);
      for (const license of answer.Licenses ?? []) {
        assert.equal(license.ReceivedMetadata?.ReceivedStatus, 'ACTIVE');
        assert.ok(license.ReceivedMetadata?.AllowedOperations?.includes('CheckoutLicense'));
        assert.ok(license.ReceivedMetadata?.AllowedOperations?.includes('ExtendConsumptionLicense'));
      }
      const expired = answer.Licenses?.find((l) => l.LicenseArn === EXPIRED_ARN);
      assert.equal(expired?.Status, 'EXPIRED');
    });

    it('filters by ProductSKU, Status, Fingerprint, IssuerName and Beneficiary', async () => {
      assert.deepEqual(await received(lm.client, [{ Name: 'ProductSKU', Values: [TIERED_SKU] }]), [TIERED_ARN]);
      assert.deepEqual(await received(lm.client, [{ Name: 'Status', Values: ['EXPIRED'] }]), [EXPIRED_ARN]);
      assert.deepEqual(await received(lm.client, [{ Name: 'Fingerprint', Values: [MARKETPLACE_FINGERPRINT] }]), [
        TIERED_ARN,
        CONFIGURABLE_ARN,
        EXPIRED_ARN,
      ]);
      assert.deepEqual(await received(lm.client, [{ Name: 'IssuerName', Values: ['Globex'] }]), [OTHER_SELLER_ARN]);
      assert.deepEqual(await received(lm.client, [{ Name: 'Beneficiary', Values: ['customer@example.com'] }]), [
        SELLER_ARN,
      ]);
    });

    it('combines filters (all must match) and matches names and values case-sensitively', async () => {
      assert.deepEqual(
        await received(lm.client, [
          { Name: 'IssuerName', Values: ['AWS/Marketplace'] },
          { Name: 'Status', Values: ['AVAILABLE'] },
        ]),
        [TIERED_ARN, CONFIGURABLE_ARN],
      );
      assert.deepEqual(await received(lm.client, [{ Name: 'IssuerName', Values: ['aws/marketplace'] }]), []);
      await expectAwsError(
        lm.client.send(new ListReceivedLicensesCommand({ Filters: [{ Name: 'productSKU', Values: [TIERED_SKU] }] })),
        'InvalidParameterValueException',
        400,
      );
    });

    it('keeps to the LicenseArns asked for', async () => {
      assert.deepEqual(await received(lm.client, undefined, [SELLER_ARN, TIERED_ARN, arnFor('unknown')]), [
        TIERED_ARN,
        SELLER_ARN,
      ]);
    });

    it('pages with MaxResults and NextToken until every license is listed', async () => {
      const pages: string[][] = [];
      let NextToken: string | undefined;
      do {
        const answer = await lm.client.send(new ListReceivedLicensesCommand({ MaxResults: 2, NextToken }));
        pages.push((answer.Licenses ?? []).map((l) => l.LicenseArn ?? ''));
        NextToken = answer.NextToken;
      } while (NextToken !== undefined);
      assert.deepEqual(
        pages.map((p) => p.length),
        [2, 2, 1],
      );
      assert.deepEqual(pages.flat(), ALL_ARNS);
    });

    it('refuses a NextToken reused with other filters, or forged, with InvalidParameterValueException', async () => {
      const first = await lm.client.send(new ListReceivedLicensesCommand({ MaxResults: 1 }));
      assert.ok(first.NextToken !== undefined);
      await expectAwsError(
        lm.client.send(
          new ListReceivedLicensesCommand({
            MaxResults: 1,
            NextToken: first.NextToken,
            Filters: [{ Name: 'Status', Values: ['AVAILABLE'] }],
          }),
        ),
        'InvalidParameterValueException',
        400,
      );
      await expectAwsError(
        lm.client.send(new ListReceivedLicensesCommand({ NextToken: 'forged-token' })),
        'InvalidParameterValueException',
        400,
      );
    });
  });

  describe('ListLicenses', () => {
    it('lists the licenses the emulator account issued, not the AWS Marketplace ones', async () => {
      const answer = await lm.client.send(new ListLicensesCommand({}));
      assert.deepEqual(
        answer.Licenses?.map((l) => l.LicenseArn),
        [SELLER_ARN, OTHER_SELLER_ARN],
      );
      assert.equal(answer.Licenses?.[0]?.Issuer?.KeyFingerprint, sellerFingerprint('Acme Corp'));
    });

    it('filters by Fingerprint, ProductSKU, Status and Beneficiary, and pages', async () => {
      const list = async (filters: Filter[]) =>
        ((await lm.client.send(new ListLicensesCommand({ Filters: filters }))).Licenses ?? []).map((l) => l.LicenseArn);
      assert.deepEqual(await list([{ Name: 'Fingerprint', Values: [sellerFingerprint('Globex')] }]), [
        OTHER_SELLER_ARN,
      ]);
      assert.deepEqual(await list([{ Name: 'ProductSKU', Values: [SELLER_SKU] }]), [SELLER_ARN]);
      assert.deepEqual(await list([{ Name: 'Status', Values: ['EXPIRED'] }]), []);
      assert.deepEqual(await list([{ Name: 'Beneficiary', Values: ['customer@example.com'] }]), [SELLER_ARN]);
      await expectAwsError(
        lm.client.send(new ListLicensesCommand({ Filters: [{ Name: 'IssuerName', Values: ['Globex'] }] })),
        'InvalidParameterValueException',
        400,
      );
      const first = await lm.client.send(new ListLicensesCommand({ MaxResults: 1 }));
      const second = await lm.client.send(new ListLicensesCommand({ MaxResults: 1, NextToken: first.NextToken }));
      assert.deepEqual(
        [...(first.Licenses ?? []), ...(second.Licenses ?? [])].map((l) => l.LicenseArn),
        [SELLER_ARN, OTHER_SELLER_ARN],
      );
      assert.equal(second.NextToken, undefined);
    });
  });

  describe('GetLicenseUsage', () => {
    it('answers ConsumedValue and MaxCount as strings for each counted entitlement, tiers left out', async () => {
      await checkout(lm.client, { entitlements: [{ Name: 'ConcurrentUsers', Unit: 'Count', Value: '3' }] });
      await checkout(lm.client, {
        type: 'PERPETUAL',
        entitlements: [{ Name: 'DataConsumption', Unit: 'Count', Value: '40' }],
      });
      const answer = await lm.client.send(new GetLicenseUsageCommand({ LicenseArn: CONFIGURABLE_ARN }));
      assert.deepEqual(answer.LicenseUsage?.EntitlementUsages, [
        { Name: 'ConcurrentUsers', ConsumedValue: '3', MaxCount: '5', Unit: 'Count' },
        { Name: 'DataConsumption', ConsumedValue: '40', MaxCount: '1000', Unit: 'Count' },
      ]);
      const seller = await lm.client.send(new GetLicenseUsageCommand({ LicenseArn: SELLER_ARN }));
      assert.deepEqual(seller.LicenseUsage?.EntitlementUsages, [
        { Name: 'Users', ConsumedValue: '0', MaxCount: '10', Unit: 'Count' },
      ]);
      const tiered = await lm.client.send(new GetLicenseUsageCommand({ LicenseArn: TIERED_ARN }));
      assert.deepEqual(tiered.LicenseUsage?.EntitlementUsages, []);
    });

    it('answers InvalidParameterValueException for an unknown ARN', async () => {
      await expectAwsError(
        lm.client.send(new GetLicenseUsageCommand({ LicenseArn: arnFor('unknown') })),
        'InvalidParameterValueException',
        400,
      );
    });
  });
});

describe('license writes through the AWS SDK', () => {
  const lm = useEmulator(() => ({ licenses: seeds() }), { each: false });

  describe('CreateLicense', () => {
    it('issues an AVAILABLE version 1 under the emulator account, ready to check out', async () => {
      const created = await lm.client.send(new CreateLicenseCommand(createInput(lm.running.clock.now())));
      assert.match(created.LicenseArn ?? '', /^arn:aws:license-manager::123456789012:license:l-[0-9a-f]{32}$/);
      assert.equal(created.Status, 'AVAILABLE');
      assert.equal(created.Version, '1');
      const license = await getLicense(lm.client, created.LicenseArn ?? '');
      assert.equal(license.Issuer?.KeyFingerprint, sellerFingerprint('Initech'));
      assert.equal(license.ProductSKU, 'sku-created');
      const answer = await checkout(lm.client, {
        sku: 'sku-created',
        fingerprint: sellerFingerprint('Initech'),
        entitlements: [{ Name: 'Seats', Unit: 'Count', Value: '4' }],
      });
      assert.equal(answer.LicenseArn, created.LicenseArn);
      const listed = (await lm.client.send(new ListLicensesCommand({}))).Licenses?.map((l) => l.LicenseArn);
      assert.ok(listed?.includes(created.LicenseArn));
    });

    it('replays the same ClientToken with the same request, and refuses it with another request', async () => {
      const input = createInput(lm.running.clock.now());
      const first = await lm.client.send(new CreateLicenseCommand(input));
      const again = await lm.client.send(new CreateLicenseCommand(input));
      assert.equal(again.LicenseArn, first.LicenseArn);
      await expectAwsError(
        lm.client.send(new CreateLicenseCommand({ ...input, LicenseName: 'Another name' })),
        'ValidationException',
        400,
      );
      const listed = (await lm.client.send(new ListLicensesCommand({}))).Licenses ?? [];
      assert.equal(listed.filter((l) => l.ProductSKU === 'sku-created').length, 1);
    });

    it('refuses a Validity that ends before it begins with InvalidParameterValueException', async () => {
      const now = lm.running.clock.now();
      await expectAwsError(
        lm.client.send(
          new CreateLicenseCommand(
            createInput(now, { Validity: { Begin: isoSeconds(now), End: isoSeconds(now - DAY) } }),
          ),
        ),
        'InvalidParameterValueException',
        400,
      );
    });
  });

  describe('CreateLicenseVersion', () => {
    it('upgrades a tier, and the next checkout sees it at once', async () => {
      const before = await checkout(lm.client, { sku: TIERED_SKU, entitlements: ALL_TIERS });
      assert.deepEqual(before.EntitlementsAllowed, [{ Name: 'Intermediate', Unit: 'None', Value: 'Enabled' }]);
      const license = await getLicense(lm.client, TIERED_ARN);
      const answer = await lm.client.send(
        new CreateLicenseVersionCommand(restate(license, { Entitlements: [tier('Premium')] })),
      );
      assert.deepEqual(
        { arn: answer.LicenseArn, version: answer.Version, status: answer.Status },
        {
          arn: TIERED_ARN,
          version: '2',
          status: 'AVAILABLE',
        },
      );
      const after = await checkout(lm.client, { sku: TIERED_SKU, entitlements: ALL_TIERS });
      assert.deepEqual(after.EntitlementsAllowed, [{ Name: 'Premium', Unit: 'None', Value: 'Enabled' }]);
      assert.equal((await getLicense(lm.client, TIERED_ARN)).Version, '2');
      assert.deepEqual((await getLicense(lm.client, TIERED_ARN, '1')).Entitlements, [tier('Intermediate')]);
    });

    it('downgrades seats: the units in use carry over and the next checkout is refused', async () => {
      for (let i = 0; i < 3; i++) await checkout(lm.client);
      const license = await getLicense(lm.client, CONFIGURABLE_ARN);
      await lm.client.send(
        new CreateLicenseVersionCommand(
          restate(license, { Entitlements: [counted('ConcurrentUsers', 2), counted('DataConsumption', 1000)] }),
        ),
      );
      const usage = await lm.client.send(new GetLicenseUsageCommand({ LicenseArn: CONFIGURABLE_ARN }));
      assert.deepEqual(usage.LicenseUsage?.EntitlementUsages?.[0], {
        Name: 'ConcurrentUsers',
        ConsumedValue: '3',
        MaxCount: '2',
        Unit: 'Count',
      });
      await expectAwsError(checkout(lm.client), 'NoEntitlementsAllowedException', 400);
    });

    it('cancels (DEACTIVATED): checkouts and extensions stop at once, check-in still works', async () => {
      const held = await checkout(lm.client);
      const license = await getLicense(lm.client, CONFIGURABLE_ARN);
      const answer = await lm.client.send(new CreateLicenseVersionCommand(restate(license, { Status: 'DEACTIVATED' })));
      assert.equal(answer.Status, 'DEACTIVATED');
      assert.equal((await getLicense(lm.client, CONFIGURABLE_ARN)).Status, 'DEACTIVATED');
      await expectAwsError(checkout(lm.client), 'NoEntitlementsAllowedException', 400);
      await expectAwsError(
        lm.client.send(new ExtendLicenseConsumptionCommand({ LicenseConsumptionToken: held.LicenseConsumptionToken })),
        'ResourceNotFoundException',
        400,
      );
      await lm.client.send(new CheckInLicenseCommand({ LicenseConsumptionToken: held.LicenseConsumptionToken }));
      assert.equal((await usageOf(lm.client, CONFIGURABLE_ARN))['ConcurrentUsers'], '0');
    });

    it('renews an expired license by moving Validity.End', async () => {
      await expectAwsError(
        checkout(lm.client, { sku: EXPIRED_SKU, entitlements: ALL_TIERS }),
        'NoEntitlementsAllowedException',
        400,
      );
      const license = await getLicense(lm.client, EXPIRED_ARN);
      const end = isoSeconds(lm.running.clock.now() + 30 * DAY);
      await lm.client.send(
        new CreateLicenseVersionCommand(restate(license, { Validity: { Begin: license.Validity?.Begin, End: end } })),
      );
      assert.equal((await getLicense(lm.client, EXPIRED_ARN)).Status, 'AVAILABLE');
      const answer = await checkout(lm.client, { sku: EXPIRED_SKU, entitlements: ALL_TIERS });
      assert.equal(answer.LicenseArn, EXPIRED_ARN);
    });

    it('applies a new provisional TTL to the next extension', async () => {
      const held = await checkout(lm.client);
      const license = await getLicense(lm.client, CONFIGURABLE_ARN);
      await lm.client.send(
        new CreateLicenseVersionCommand(
          restate(license, {
            ConsumptionConfiguration: { RenewType: 'None', ProvisionalConfiguration: { MaxTimeToLiveInMinutes: 120 } },
          }),
        ),
      );
      const extended = await lm.client.send(
        new ExtendLicenseConsumptionCommand({ LicenseConsumptionToken: held.LicenseConsumptionToken }),
      );
      const expiry = Date.parse(`${extended.Expiration}Z`);
      assert.ok(Math.abs(expiry - (lm.running.clock.now() + 2 * HOUR)) < 2_000);
      lm.running.clock.advance(90 * MINUTE);
      assert.equal((await usageOf(lm.client, CONFIGURABLE_ARN))['ConcurrentUsers'], '1');
    });

    it('keeps the AWS Marketplace issuer of a Marketplace license, whatever the request names', async () => {
      const license = await getLicense(lm.client, CONFIGURABLE_ARN);
      await lm.client.send(new CreateLicenseVersionCommand(restate(license, { Issuer: { Name: 'Somebody Else' } })));
      const after = await getLicense(lm.client, CONFIGURABLE_ARN);
      assert.deepEqual(after.Issuer, { Name: 'AWS/Marketplace', KeyFingerprint: MARKETPLACE_FINGERPRINT });
      await checkout(lm.client);
    });

    it('replays a ClientToken without making another version', async () => {
      const license = await getLicense(lm.client, SELLER_ARN);
      const input = restate(license, { LicenseName: 'Renamed' });
      const first = await lm.client.send(new CreateLicenseVersionCommand(input));
      const again = await lm.client.send(new CreateLicenseVersionCommand(input));
      assert.equal(first.Version, '2');
      assert.equal(again.Version, '2');
      const versions = await lm.client.send(new ListLicenseVersionsCommand({ LicenseArn: SELLER_ARN }));
      assert.equal(versions.Licenses?.length, 2);
    });

    it('refuses a stale SourceVersion with ConflictException and an unknown ARN with ResourceNotFoundException', async () => {
      const license = await getLicense(lm.client, SELLER_ARN);
      await lm.client.send(new CreateLicenseVersionCommand(restate(license)));
      await expectAwsError(
        lm.client.send(new CreateLicenseVersionCommand(restate(license, { LicenseName: 'Stale' }))),
        'ConflictException',
        409,
      );
      await expectAwsError(
        lm.client.send(new CreateLicenseVersionCommand(restate(license, { LicenseArn: arnFor('unknown') }))),
        'ResourceNotFoundException',
        400,
      );
      assert.equal((await getLicense(lm.client, SELLER_ARN)).Version, '2');
    });

    it('answers RedirectException with the home Region in Location outside the home Region', async () => {
      const license = await getLicense(lm.client, SELLER_ARN);
      const west = lm.clientFor({ region: 'us-west-2' });
      const error = await expectAwsError(
        west.send(new CreateLicenseVersionCommand(restate(license))),
        'RedirectException',
        308,
      );
      assert.equal(error.Location, 'https://license-manager.us-east-1.amazonaws.com');
      assert.equal((await getLicense(lm.client, SELLER_ARN)).Version, '1');
    });
  });

  describe('ListLicenseVersions', () => {
    it('lists every version oldest first, and pages', async () => {
      let license = await getLicense(lm.client, SELLER_ARN);
      await lm.client.send(new CreateLicenseVersionCommand(restate(license, { LicenseName: 'second' })));
      license = await getLicense(lm.client, SELLER_ARN);
      await lm.client.send(new CreateLicenseVersionCommand(restate(license, { LicenseName: 'third' })));
      const all = await lm.client.send(new ListLicenseVersionsCommand({ LicenseArn: SELLER_ARN }));
      assert.deepEqual(
        all.Licenses?.map((l) => [l.Version, l.LicenseName]),
        [
          ['1', `${SELLER_SKU} license`],
          ['2', 'second'],
          ['3', 'third'],
        ],
      );
      const pages: string[] = [];
      let NextToken: string | undefined;
      do {
        const page = await lm.client.send(
          new ListLicenseVersionsCommand({ LicenseArn: SELLER_ARN, MaxResults: 1, NextToken }),
        );
        pages.push(...(page.Licenses ?? []).map((l) => l.Version ?? ''));
        NextToken = page.NextToken;
      } while (NextToken !== undefined);
      assert.deepEqual(pages, ['1', '2', '3']);
      assert.equal((await getLicense(lm.client, SELLER_ARN, '2')).LicenseName, 'second');
      await expectAwsError(
        lm.client.send(new GetLicenseCommand({ LicenseArn: SELLER_ARN, Version: '4' })),
        'InvalidParameterValueException',
        400,
      );
    });

    it('answers InvalidParameterValueException for an unknown ARN', async () => {
      await expectAwsError(
        lm.client.send(new ListLicenseVersionsCommand({ LicenseArn: arnFor('unknown') })),
        'InvalidParameterValueException',
        400,
      );
    });
  });

  describe('DeleteLicense', () => {
    it('refuses with ConflictException while a seat is out, then deletes; the license stays readable', async () => {
      const held = await checkout(lm.client);
      const error = await expectAwsError(
        lm.client.send(new DeleteLicenseCommand({ LicenseArn: CONFIGURABLE_ARN, SourceVersion: '1' })),
        'ConflictException',
        409,
      );
      assert.match(error.message, /1 checkout/);
      await lm.client.send(new CheckInLicenseCommand({ LicenseConsumptionToken: held.LicenseConsumptionToken }));
      const deleted = await lm.client.send(
        new DeleteLicenseCommand({ LicenseArn: CONFIGURABLE_ARN, SourceVersion: '1' }),
      );
      assert.equal(deleted.Status, 'DELETED');
      assert.ok(Math.abs(Date.parse(deleted.DeletionDate ?? '') - lm.running.clock.now()) < 5_000);
      assert.equal((await getLicense(lm.client, CONFIGURABLE_ARN)).Status, 'DELETED');
      const listed = await lm.client.send(new ListReceivedLicensesCommand({ LicenseArns: [CONFIGURABLE_ARN] }));
      assert.equal(listed.Licenses?.[0]?.ReceivedMetadata?.ReceivedStatus, 'DELETED');
      await expectAwsError(checkout(lm.client), 'NoEntitlementsAllowedException', 400);
    });

    it('refuses a second delete and a new version of a deleted license with ConflictException', async () => {
      const license = await getLicense(lm.client, SELLER_ARN);
      await lm.client.send(new DeleteLicenseCommand({ LicenseArn: SELLER_ARN, SourceVersion: '1' }));
      await expectAwsError(
        lm.client.send(new DeleteLicenseCommand({ LicenseArn: SELLER_ARN, SourceVersion: '1' })),
        'ConflictException',
        409,
      );
      await expectAwsError(lm.client.send(new CreateLicenseVersionCommand(restate(license))), 'ConflictException', 409);
    });

    it('deletes once the last seat has expired, and does not wait for PERPETUAL units', async () => {
      await checkout(lm.client);
      await checkout(lm.client, {
        type: 'PERPETUAL',
        entitlements: [{ Name: 'DataConsumption', Unit: 'Count', Value: '9' }],
      });
      await expectAwsError(
        lm.client.send(new DeleteLicenseCommand({ LicenseArn: CONFIGURABLE_ARN, SourceVersion: '1' })),
        'ConflictException',
        409,
      );
      lm.running.clock.advance(61 * MINUTE);
      const deleted = await lm.client.send(
        new DeleteLicenseCommand({ LicenseArn: CONFIGURABLE_ARN, SourceVersion: '1' }),
      );
      assert.equal(deleted.Status, 'DELETED');
    });

    it('refuses a stale SourceVersion with ConflictException and another Region with RedirectException', async () => {
      await expectAwsError(
        lm.client.send(new DeleteLicenseCommand({ LicenseArn: OTHER_SELLER_ARN, SourceVersion: '2' })),
        'ConflictException',
        409,
      );
      const west = lm.clientFor({ region: 'eu-west-1' });
      const error = await expectAwsError(
        west.send(new DeleteLicenseCommand({ LicenseArn: OTHER_SELLER_ARN, SourceVersion: '1' })),
        'RedirectException',
        308,
      );
      assert.equal(error.Location, 'https://license-manager.us-east-1.amazonaws.com');
      assert.equal((await getLicense(lm.client, OTHER_SELLER_ARN)).Status, 'AVAILABLE');
    });

    it('answers InvalidParameterValueException for an unknown ARN', async () => {
      await expectAwsError(
        lm.client.send(new DeleteLicenseCommand({ LicenseArn: arnFor('unknown'), SourceVersion: '1' })),
        'InvalidParameterValueException',
        400,
      );
    });
  });
});

describe('license options', () => {
  describe('createTimeFormat: iso', () => {
    const lm = useEmulator(() => ({ licenses: seeds(), createTimeFormat: 'iso' }));

    it('answers CreateTime as an ISO 8601 date-time', async () => {
      const license = await getLicense(lm.client, TIERED_ARN);
      assert.match(license.CreateTime ?? '', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      assert.ok(Math.abs(Date.parse(license.CreateTime ?? '') - lm.running.clock.now()) < 5_000);
    });
  });

  describe('propagationDelayMs', () => {
    const lm = useEmulator(() => ({ licenses: seeds(), propagationDelayMs: 2 * MINUTE }));

    it('keeps a new license PENDING_AVAILABLE (no checkouts) until the delay has passed on the virtual clock', async () => {
      const created = await lm.client.send(new CreateLicenseCommand(createInput(lm.running.clock.now())));
      assert.equal(created.Status, 'PENDING_AVAILABLE');
      assert.equal((await getLicense(lm.client, created.LicenseArn ?? '')).Status, 'PENDING_AVAILABLE');
      const seats = {
        sku: 'sku-created',
        fingerprint: sellerFingerprint('Initech'),
        entitlements: [{ Name: 'Seats', Unit: 'Count' as const, Value: '1' }],
      };
      await expectAwsError(checkout(lm.client, seats), 'NoEntitlementsAllowedException', 400);
      lm.running.clock.advance(2 * MINUTE + 1_000);
      assert.equal((await getLicense(lm.client, created.LicenseArn ?? '')).Status, 'AVAILABLE');
      assert.equal((await checkout(lm.client, seats)).LicenseArn, created.LicenseArn);
      // Seed licenses are available at once.
      assert.equal((await getLicense(lm.client, TIERED_ARN)).Status, 'AVAILABLE');
    });
  });
});
