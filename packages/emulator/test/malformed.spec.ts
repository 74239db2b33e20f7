/**
 * Malformed requests, sent over HTTP through the SDK (which validates nothing on the client side)
 * and with raw fetch. Each must get the exact AWS error, and none may change the state: the
 * licenses and consumptions of the state dump, and GetLicenseUsage, are the same before and after.
 */
import assert from 'node:assert/strict';

import {
  CheckInLicenseCommand,
  CheckoutBorrowLicenseCommand,
  CheckoutLicenseCommand,
  CreateLicenseCommand,
  CreateLicenseVersionCommand,
  DeleteLicenseCommand,
  ExtendLicenseConsumptionCommand,
  GetLicenseCommand,
  GetLicenseUsageCommand,
  ListLicenseVersionsCommand,
  ListLicensesCommand,
  ListReceivedLicensesCommand,
  type LicenseManagerClient,
} from '@aws-sdk/client-license-manager';

import {
  CONFIGURABLE_ARN,
  CONFIGURABLE_SKU,
  DAY,
  EMULATOR_ACCOUNT,
  MARKETPLACE_FINGERPRINT,
  arnFor,
  assertRawError,
  checkout,
  counted,
  expectAwsError,
  newToken,
  rawCall,
  sellerSeed,
  standardSeeds,
  stateOf,
  usageOf,
  useEmulator,
  type RawAnswer,
} from './support/emulator-fixture.js';

const BORROW_SKU = 'sku-borrowable';
const BORROW_ARN = arnFor(BORROW_SKU, EMULATOR_ACCOUNT);
/** The ClientToken of a checkout made before each case. */
const KNOWN_TOKEN = 'known-client-token';

type Json = Record<string, unknown>;

function checkoutRequest(changes: Json = {}): Json {
  return {
    ProductSKU: CONFIGURABLE_SKU,
    CheckoutType: 'PROVISIONAL',
    KeyFingerprint: MARKETPLACE_FINGERPRINT,
    Entitlements: [{ Name: 'ConcurrentUsers', Unit: 'Count', Value: '1' }],
    ClientToken: newToken(),
    ...changes,
  };
}

function borrowRequest(changes: Json = {}): Json {
  return {
    LicenseArn: BORROW_ARN,
    Entitlements: [{ Name: 'Users', Unit: 'Count', Value: '1' }],
    DigitalSignatureMethod: 'JWT_PS384',
    ClientToken: newToken(),
    ...changes,
  };
}

function createRequest(changes: Json = {}): Json {
  const now = Date.now();
  return {
    LicenseName: 'Malformed',
    ProductName: 'Malformed product',
    ProductSKU: 'sku-malformed',
    Issuer: { Name: 'Malformed Co' },
    HomeRegion: 'us-east-1',
    Validity: { Begin: new Date(now - DAY).toISOString(), End: new Date(now + DAY).toISOString() },
    Entitlements: [{ Name: 'Seats', MaxCount: 3, Unit: 'Count' }],
    Beneficiary: '111122223333',
    ConsumptionConfiguration: { ProvisionalConfiguration: { MaxTimeToLiveInMinutes: 60 } },
    ClientToken: newToken(),
    ...changes,
  };
}

function versionRequest(changes: Json = {}): Json {
  const { ProductSKU: _sku, Beneficiary: _beneficiary, ...terms } = createRequest();
  return { ...terms, LicenseArn: BORROW_ARN, Status: 'AVAILABLE', SourceVersion: '1', ...changes };
}

interface Context {
  client: LicenseManagerClient;
  url: string;
  /** A live PERPETUAL consumption token. */
  perpetualToken: string;
}

interface Case {
  what: string;
  name: string;
  status?: number;
  sdk?: (c: Context) => Promise<unknown>;
  raw?: (c: Context) => Promise<RawAnswer>;
}

const send = (client: LicenseManagerClient, command: { input: unknown }) => client.send(command as never);

const CASES: Case[] = [
  // CheckoutLicense, through the SDK
  {
    what: 'CheckoutLicense with CheckoutType BOGUS',
    name: 'ValidationException',
    sdk: (c) => send(c.client, new CheckoutLicenseCommand(checkoutRequest({ CheckoutType: 'BOGUS' }) as never)),
  },
  {
    what: 'CheckoutLicense with no ProductSKU',
    name: 'ValidationException',
    sdk: (c) => send(c.client, new CheckoutLicenseCommand(checkoutRequest({ ProductSKU: undefined }) as never)),
  },
  {
    what: 'CheckoutLicense with no KeyFingerprint',
    name: 'ValidationException',
    sdk: (c) => send(c.client, new CheckoutLicenseCommand(checkoutRequest({ KeyFingerprint: undefined }) as never)),
  },
  {
    what: 'CheckoutLicense with no Entitlements',
    name: 'ValidationException',
    sdk: (c) => send(c.client, new CheckoutLicenseCommand(checkoutRequest({ Entitlements: undefined }) as never)),
  },
  {
    what: 'CheckoutLicense with no ClientToken',
    name: 'ValidationException',
    sdk: (c) => send(c.client, new CheckoutLicenseCommand(checkoutRequest({ ClientToken: undefined }) as never)),
  },
  {
    what: 'CheckoutLicense with a ClientToken holding a space',
    name: 'ValidationException',
    sdk: (c) => send(c.client, new CheckoutLicenseCommand(checkoutRequest({ ClientToken: 'two words' }) as never)),
  },
  {
    what: 'CheckoutLicense with a ClientToken of 2049 characters',
    name: 'ValidationException',
    sdk: (c) => send(c.client, new CheckoutLicenseCommand(checkoutRequest({ ClientToken: 'x'.repeat(2049) }) as never)),
  },
  {
    what: 'CheckoutLicense with an entitlement Unit that is not in the enum',
    name: 'ValidationException',
    sdk: (c) =>
      send(
        c.client,
        new CheckoutLicenseCommand(
          checkoutRequest({ Entitlements: [{ Name: 'ConcurrentUsers', Unit: 'Nope', Value: '1' }] }) as never,
        ),
      ),
  },
  {
    what: 'CheckoutLicense with an entitlement without Name',
    name: 'ValidationException',
    sdk: (c) =>
      send(
        c.client,
        new CheckoutLicenseCommand(checkoutRequest({ Entitlements: [{ Unit: 'Count', Value: '1' }] }) as never),
      ),
  },
  {
    what: 'CheckoutLicense with a counted Value that is not a number',
    name: 'InvalidParameterValueException',
    sdk: (c) => checkout(c.client, { entitlements: [{ Name: 'ConcurrentUsers', Unit: 'Count', Value: 'ten' }] }),
  },
  {
    what: 'CheckoutLicense with a negative counted Value',
    name: 'InvalidParameterValueException',
    sdk: (c) => checkout(c.client, { entitlements: [{ Name: 'ConcurrentUsers', Unit: 'Count', Value: '-1' }] }),
  },
  {
    what: 'CheckoutLicense with a fractional counted Value',
    name: 'InvalidParameterValueException',
    sdk: (c) =>
      checkout(c.client, {
        type: 'PERPETUAL',
        entitlements: [{ Name: 'DataConsumption', Unit: 'Count', Value: '1.5' }],
      }),
  },
  {
    what: 'CheckoutLicense of a counted entitlement with no Value',
    name: 'InvalidParameterValueException',
    sdk: (c) => checkout(c.client, { entitlements: [{ Name: 'ConcurrentUsers', Unit: 'Count' }] }),
  },
  {
    what: 'CheckoutLicense listing an entitlement twice',
    name: 'InvalidParameterValueException',
    sdk: (c) =>
      checkout(c.client, {
        entitlements: [
          { Name: 'ConcurrentUsers', Unit: 'Count', Value: '1' },
          { Name: 'ConcurrentUsers', Unit: 'Count', Value: '1' },
        ],
      }),
  },
  {
    what: 'CheckoutLicense with an empty Entitlements list',
    name: 'NoEntitlementsAllowedException',
    sdk: (c) => checkout(c.client, { entitlements: [] }),
  },
  {
    what: 'CheckoutLicense reusing a ClientToken with other parameters',
    name: 'ValidationException',
    sdk: (c) =>
      checkout(c.client, {
        clientToken: KNOWN_TOKEN,
        entitlements: [{ Name: 'ConcurrentUsers', Unit: 'Count', Value: '2' }],
      }),
  },
  {
    what: 'CheckoutLicense with ProductSKU as a number',
    name: 'SerializationException',
    sdk: (c) => send(c.client, new CheckoutLicenseCommand(checkoutRequest({ ProductSKU: 42 }) as never)),
  },
  {
    what: 'CheckoutLicense with Entitlements as an object',
    name: 'SerializationException',
    sdk: (c) =>
      send(
        c.client,
        new CheckoutLicenseCommand(
          checkoutRequest({ Entitlements: { Name: 'ConcurrentUsers', Unit: 'Count' } }) as never,
        ),
      ),
  },
  // Consumption operations
  {
    what: 'CheckInLicense with no LicenseConsumptionToken',
    name: 'ValidationException',
    sdk: (c) => send(c.client, new CheckInLicenseCommand({} as never)),
  },
  {
    what: 'CheckInLicense of a PERPETUAL consumption',
    name: 'ConflictException',
    status: 409,
    sdk: (c) => c.client.send(new CheckInLicenseCommand({ LicenseConsumptionToken: c.perpetualToken })),
  },
  {
    what: 'ExtendLicenseConsumption with no LicenseConsumptionToken',
    name: 'ValidationException',
    sdk: (c) => send(c.client, new ExtendLicenseConsumptionCommand({ DryRun: false } as never)),
  },
  {
    what: 'ExtendLicenseConsumption with DryRun as a string',
    name: 'SerializationException',
    sdk: (c) =>
      send(
        c.client,
        new ExtendLicenseConsumptionCommand({ LicenseConsumptionToken: c.perpetualToken, DryRun: 'yes' } as never),
      ),
  },
  // Reads
  {
    what: 'GetLicense with a LicenseArn that is not an ARN',
    name: 'ValidationException',
    sdk: (c) => c.client.send(new GetLicenseCommand({ LicenseArn: 'license-1' })),
  },
  {
    what: 'GetLicense with a LicenseArn over 2048 characters',
    name: 'ValidationException',
    sdk: (c) => c.client.send(new GetLicenseCommand({ LicenseArn: `${CONFIGURABLE_ARN}${'0'.repeat(2048)}` })),
  },
  {
    what: 'GetLicense of a Version that does not exist',
    name: 'InvalidParameterValueException',
    sdk: (c) => c.client.send(new GetLicenseCommand({ LicenseArn: CONFIGURABLE_ARN, Version: 'latest' })),
  },
  {
    what: 'ListReceivedLicenses with MaxResults 0',
    name: 'ValidationException',
    sdk: (c) => c.client.send(new ListReceivedLicensesCommand({ MaxResults: 0 })),
  },
  {
    what: 'ListReceivedLicenses with MaxResults 101',
    name: 'ValidationException',
    sdk: (c) => c.client.send(new ListReceivedLicensesCommand({ MaxResults: 101 })),
  },
  {
    what: 'ListReceivedLicenses with MaxResults as a string',
    name: 'SerializationException',
    sdk: (c) => send(c.client, new ListReceivedLicensesCommand({ MaxResults: '10' } as never)),
  },
  {
    what: 'ListReceivedLicenses with a filter name it does not support',
    name: 'InvalidParameterValueException',
    sdk: (c) => c.client.send(new ListReceivedLicensesCommand({ Filters: [{ Name: 'LicenseName', Values: ['x'] }] })),
  },
  {
    what: 'ListReceivedLicenses with a filter of two values',
    name: 'InvalidParameterValueException',
    sdk: (c) =>
      c.client.send(
        new ListReceivedLicensesCommand({ Filters: [{ Name: 'Status', Values: ['AVAILABLE', 'EXPIRED'] }] }),
      ),
  },
  {
    what: 'ListReceivedLicenses with a filter of no values',
    name: 'InvalidParameterValueException',
    sdk: (c) => c.client.send(new ListReceivedLicensesCommand({ Filters: [{ Name: 'Status' }] })),
  },
  {
    what: 'ListReceivedLicenses with a forged NextToken',
    name: 'InvalidParameterValueException',
    sdk: (c) => c.client.send(new ListReceivedLicensesCommand({ NextToken: 'MTAwLmZvcmdlZGZvcmdlZGZvcmc' })),
  },
  {
    what: 'ListReceivedLicenses with a malformed ARN in LicenseArns',
    name: 'ValidationException',
    sdk: (c) => c.client.send(new ListReceivedLicensesCommand({ LicenseArns: [CONFIGURABLE_ARN, 'nope'] })),
  },
  {
    what: 'ListLicenses with the IssuerName filter (ListReceivedLicenses only)',
    name: 'InvalidParameterValueException',
    sdk: (c) => c.client.send(new ListLicensesCommand({ Filters: [{ Name: 'IssuerName', Values: ['x'] }] })),
  },
  {
    what: 'ListLicenseVersions with MaxResults 1000',
    name: 'ValidationException',
    sdk: (c) => c.client.send(new ListLicenseVersionsCommand({ LicenseArn: CONFIGURABLE_ARN, MaxResults: 1000 })),
  },
  {
    what: 'GetLicenseUsage with no LicenseArn',
    name: 'ValidationException',
    sdk: (c) => send(c.client, new GetLicenseUsageCommand({} as never)),
  },
  // CheckoutBorrowLicense
  {
    what: 'CheckoutBorrowLicense with DigitalSignatureMethod JWT_RS256',
    name: 'UnsupportedDigitalSignatureMethodException',
    sdk: (c) =>
      send(c.client, new CheckoutBorrowLicenseCommand(borrowRequest({ DigitalSignatureMethod: 'JWT_RS256' }) as never)),
  },
  {
    what: 'CheckoutBorrowLicense with no DigitalSignatureMethod',
    name: 'ValidationException',
    sdk: (c) =>
      send(c.client, new CheckoutBorrowLicenseCommand(borrowRequest({ DigitalSignatureMethod: undefined }) as never)),
  },
  {
    what: 'CheckoutBorrowLicense of an entitlement the license lacks',
    name: 'EntitlementNotAllowedException',
    sdk: (c) =>
      send(
        c.client,
        new CheckoutBorrowLicenseCommand(
          borrowRequest({ Entitlements: [{ Name: 'Admins', Unit: 'Count', Value: '1' }] }) as never,
        ),
      ),
  },
  // Seller operations
  {
    what: 'CreateLicense with Validity.Begin "yesterday"',
    name: 'ValidationException',
    sdk: (c) => send(c.client, new CreateLicenseCommand(createRequest({ Validity: { Begin: 'yesterday' } }) as never)),
  },
  {
    what: 'CreateLicense with a Validity on February 30th',
    name: 'ValidationException',
    sdk: (c) =>
      send(c.client, new CreateLicenseCommand(createRequest({ Validity: { Begin: '2026-02-30T00:00:00Z' } }) as never)),
  },
  {
    what: 'CreateLicense with Validity.End before Begin',
    name: 'InvalidParameterValueException',
    sdk: (c) =>
      send(
        c.client,
        new CreateLicenseCommand(
          createRequest({ Validity: { Begin: '2026-06-01T00:00:00Z', End: '2026-05-01T00:00:00Z' } }) as never,
        ),
      ),
  },
  {
    what: 'CreateLicense with two entitlements of the same name',
    name: 'InvalidParameterValueException',
    sdk: (c) =>
      send(
        c.client,
        new CreateLicenseCommand(createRequest({ Entitlements: [counted('Seats', 1), counted('Seats', 2)] }) as never),
      ),
  },
  {
    what: 'CreateLicense with a negative MaxCount',
    name: 'InvalidParameterValueException',
    sdk: (c) =>
      send(c.client, new CreateLicenseCommand(createRequest({ Entitlements: [counted('Seats', -1)] }) as never)),
  },
  {
    what: 'CreateLicense with a provisional TTL of 0 minutes',
    name: 'InvalidParameterValueException',
    sdk: (c) =>
      send(
        c.client,
        new CreateLicenseCommand(
          createRequest({
            ConsumptionConfiguration: { ProvisionalConfiguration: { MaxTimeToLiveInMinutes: 0 } },
          }) as never,
        ),
      ),
  },
  {
    what: 'CreateLicense with no Issuer',
    name: 'ValidationException',
    sdk: (c) => send(c.client, new CreateLicenseCommand(createRequest({ Issuer: undefined }) as never)),
  },
  {
    what: 'CreateLicenseVersion with Status BOGUS',
    name: 'ValidationException',
    sdk: (c) => send(c.client, new CreateLicenseVersionCommand(versionRequest({ Status: 'BOGUS' }) as never)),
  },
  {
    what: 'CreateLicenseVersion with a stale SourceVersion',
    name: 'ConflictException',
    status: 409,
    sdk: (c) => send(c.client, new CreateLicenseVersionCommand(versionRequest({ SourceVersion: '7' }) as never)),
  },
  {
    what: 'CreateLicenseVersion of a license that does not exist',
    name: 'ResourceNotFoundException',
    sdk: (c) =>
      send(c.client, new CreateLicenseVersionCommand(versionRequest({ LicenseArn: arnFor('unknown') }) as never)),
  },
  {
    what: 'DeleteLicense with no SourceVersion',
    name: 'ValidationException',
    sdk: (c) => send(c.client, new DeleteLicenseCommand({ LicenseArn: BORROW_ARN } as never)),
  },
  {
    what: 'DeleteLicense of a license with seats out',
    name: 'ConflictException',
    status: 409,
    sdk: (c) => c.client.send(new DeleteLicenseCommand({ LicenseArn: CONFIGURABLE_ARN, SourceVersion: '1' })),
  },
  // Raw HTTP
  {
    what: 'a body that is not JSON',
    name: 'SerializationException',
    raw: (c) => rawCall(c.url, 'CheckoutLicense', { body: "{'ProductSKU': 'x'}" }),
  },
  {
    what: 'a body that is a JSON list',
    name: 'SerializationException',
    raw: (c) => rawCall(c.url, 'CheckoutLicense', { body: JSON.stringify([checkoutRequest()]) }),
  },
  {
    what: 'a body that is a JSON string',
    name: 'SerializationException',
    raw: (c) => rawCall(c.url, 'CheckInLicense', { body: '"token"' }),
  },
  {
    what: 'a body that is JSON null',
    name: 'SerializationException',
    raw: (c) => rawCall(c.url, 'CheckoutLicense', { body: 'null' }),
  },
  {
    what: 'a Value that is a JSON number',
    name: 'SerializationException',
    raw: (c) =>
      rawCall(c.url, 'CheckoutLicense', {
        body: checkoutRequest({ Entitlements: [{ Name: 'ConcurrentUsers', Unit: 'Count', Value: 1 }] }),
      }),
  },
  {
    what: 'a Content-Type of text/plain',
    name: 'SerializationException',
    raw: (c) =>
      rawCall(c.url, 'CheckoutLicense', { body: checkoutRequest(), headers: { 'Content-Type': 'text/plain' } }),
  },
  {
    what: 'an X-Amz-Target License Manager does not have',
    name: 'UnknownOperationException',
    raw: (c) => rawCall(c.url, 'CheckoutLicenses', { body: checkoutRequest() }),
  },
  {
    what: 'a License Manager operation the emulator does not emulate (CreateGrant)',
    name: 'UnknownOperationException',
    raw: (c) => rawCall(c.url, 'CreateGrant', { body: { LicenseArn: CONFIGURABLE_ARN } }),
  },
  {
    what: 'no X-Amz-Target',
    name: 'UnknownOperationException',
    raw: (c) => rawCall(c.url, undefined, { body: checkoutRequest() }),
  },
  {
    what: 'GET /',
    name: 'UnknownOperationException',
    status: 404,
    raw: (c) => rawCall(c.url, 'CheckoutLicense', { method: 'GET' }),
  },
  {
    what: 'no Authorization header',
    name: 'MissingAuthenticationTokenException',
    raw: (c) => rawCall(c.url, 'CheckoutLicense', { body: checkoutRequest(), auth: false }),
  },
  {
    what: 'an Authorization header of another scheme',
    name: 'IncompleteSignatureException',
    raw: (c) =>
      rawCall(c.url, 'CheckoutLicense', { body: checkoutRequest(), headers: { Authorization: 'Basic dXNlcjpwdw==' } }),
  },
  {
    what: 'an X-Amz-Date that is not a date',
    name: 'IncompleteSignatureException',
    raw: (c) =>
      rawCall(c.url, 'CheckoutLicense', { body: checkoutRequest(), headers: { 'X-Amz-Date': '20261399T250000Z' } }),
  },
];

describe('malformed requests change nothing', () => {
  const lm = useEmulator(
    () => ({
      licenses: [
        ...standardSeeds(),
        sellerSeed(BORROW_SKU, 'Borrow Co', [counted('Users', 5)], {
          ConsumptionConfiguration: { BorrowConfiguration: { AllowEarlyCheckIn: true, MaxTimeToLiveInMinutes: 60 } },
        }),
      ],
    }),
    { each: false },
  );
  let context: Context;

  beforeEach(async () => {
    // Some state for the refused requests to leave alone: seats held, units consumed, a borrow.
    await checkout(lm.client, { clientToken: KNOWN_TOKEN });
    await checkout(lm.client, { entitlements: [{ Name: 'ConcurrentUsers', Unit: 'Count', Value: '2' }] });
    const perpetual = await checkout(lm.client, {
      type: 'PERPETUAL',
      entitlements: [{ Name: 'DataConsumption', Unit: 'Count', Value: '30' }],
    });
    await lm.client.send(new CheckoutBorrowLicenseCommand(borrowRequest() as never));
    context = { client: lm.client, url: lm.running.url, perpetualToken: perpetual.LicenseConsumptionToken ?? '' };
  });

  it('sends at least 30 distinct malformed requests', () => {
    assert.ok(CASES.length >= 30, `${CASES.length} cases`);
    assert.equal(new Set(CASES.map((c) => c.what)).size, CASES.length);
  });

  for (const testCase of CASES) {
    const status = testCase.status ?? 400;
    it(`${testCase.what}: ${testCase.name} (${testCase.sdk !== undefined ? 'SDK' : 'raw HTTP'})`, async () => {
      const state = stateOf(lm.running);
      const usage = [await usageOf(lm.client, CONFIGURABLE_ARN), await usageOf(lm.client, BORROW_ARN)];
      assert.deepEqual(usage, [{ ConcurrentUsers: '3', DataConsumption: '30' }, { Users: '1' }]);
      if (testCase.sdk !== undefined) await expectAwsError(testCase.sdk(context), testCase.name, status);
      if (testCase.raw !== undefined) assertRawError(await testCase.raw(context), testCase.name, status);
      assert.deepEqual(stateOf(lm.running), state, 'licenses and consumptions are unchanged');
      assert.deepEqual([await usageOf(lm.client, CONFIGURABLE_ARN), await usageOf(lm.client, BORROW_ARN)], usage);
    });
  }
});
