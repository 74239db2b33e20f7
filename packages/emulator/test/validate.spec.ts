import assert from 'node:assert/strict';

import { AwsError } from '../src/protocol/aws-error.js';
import {
  EMULATED_OPERATIONS,
  MODELLED_OPERATIONS,
  SERVICE_METADATA,
  errorsOf,
  inputShapeOf,
  isEmulatedOperation,
  isModelledOperation,
  outputShapeOf,
  shapeOf,
} from '../src/model/service-model.js';
import { isIso8601DateTime, javaPatternToRegExp, validateInput } from '../src/model/validate.js';

type Json = Record<string, unknown>;

const MARKETPLACE_FINGERPRINT = 'aws:294406891311:AWS/Marketplace:issuer-fingerprint';
const SKU = '2205b290-19e6-4c76-9eea-377d6bf7la47';
const LICENSE_ARN = 'arn:aws:license-manager::294406891311:license:l-ecbaa94eb71a4830b6d7e49268fecaa0';
const ARN_PATTERN =
  '^arn:aws[a-zA-Z-]*:[A-Za-z0-9][A-Za-z0-9_/.-]{0,62}:[A-Za-z0-9_/.-]{0,63}:[A-Za-z0-9_/.-]{0,63}:[A-Za-z0-9][A-Za-z0-9:_/+=,@.-]{0,1023}$';
const ISO_PATTERN =
  '^(-?(?:[1-9][0-9]*)?[0-9]{4})-(1[0-2]|0[1-9])-(3[0-1]|0[1-9]|[1-2][0-9])T(2[0-3]|[0-1][0-9]):([0-5][0-9]):([0-5][0-9])(\\.[0-9]+)?(Z|[+-](?:2[ 0-3]|[0-1][0-9]):[0-5][0-9])+$';
const NOT_NULL = 'failed to satisfy constraint: Member must not be null';

/** The Marketplace drawdown example (PERPETUAL, 10 units of DataConsumption). */
const checkoutPerpetual: Json = {
  ProductSKU: SKU,
  CheckoutType: 'PERPETUAL',
  KeyFingerprint: MARKETPLACE_FINGERPRINT,
  Entitlements: [{ Name: 'DataConsumption', Value: '10', Unit: 'Count' }],
  ClientToken: 'AKIAIOSFODNN7EXAMPLE',
};

/** The Marketplace floating example (PROVISIONAL, ReadOnlyUSers). */
const checkoutProvisional: Json = {
  ProductSKU: SKU,
  CheckoutType: 'PROVISIONAL',
  KeyFingerprint: MARKETPLACE_FINGERPRINT,
  Entitlements: [{ Name: 'ReadOnlyUSers', Value: '10', Unit: 'Count' }],
  ClientToken: '5b3f1a4e-8c2d-4f7a-9e61-0d2c3b4a5f6e',
};

/** The Marketplace tiered example: every tier, Unit None. */
const checkoutTiers: Json = {
  ProductSKU: SKU,
  CheckoutType: 'PROVISIONAL',
  KeyFingerprint: MARKETPLACE_FINGERPRINT,
  Entitlements: [
    { Name: 'BasicTier', Unit: 'None' },
    { Name: 'IntermediateTier', Unit: 'None' },
    { Name: 'PremiumTier', Unit: 'None' },
  ],
  ClientToken: '0f8fad5bd9cb469fa16570867728950e',
};

/** A full, Marketplace-like CreateLicense request. */
const createLicense: Json = {
  LicenseName: 'Contract - Example Product',
  ProductName: 'Example Product',
  ProductSKU: SKU,
  Issuer: { Name: 'AWS/Marketplace', SignKey: 'arn:aws:kms:us-east-1:123456789012:key/abcd-1234' },
  HomeRegion: 'us-east-1',
  Validity: { Begin: '2026-01-01T00:00:00Z', End: '2027-01-01T00:00:00.000Z' },
  Entitlements: [
    { Name: 'ReadOnlyUsers', MaxCount: 10, Overage: false, Unit: 'Count', AllowCheckIn: true },
    { Name: 'DataConsumption', MaxCount: 1024, Overage: false, Unit: 'Gigabytes' },
    { Name: 'PremiumTier', Value: 'Enabled', Unit: 'None' },
  ],
  Beneficiary: '123456789012',
  ConsumptionConfiguration: {
    RenewType: 'None',
    ProvisionalConfiguration: { MaxTimeToLiveInMinutes: 60 },
    BorrowConfiguration: { AllowEarlyCheckIn: true, MaxTimeToLiveInMinutes: 1440 },
  },
  LicenseMetadata: [{ Name: 'offerId', Value: 'offer-abc123' }],
  ClientToken: '550e8400-e29b-41d4-a716-446655440000',
  Tags: [{ Key: 'env', Value: 'test' }],
};

/** ListReceivedLicenses with filters, as an entitlement engine sends it. */
const listReceived: Json = {
  Filters: [
    { Name: 'ProductSKU', Values: [SKU] },
    { Name: 'IssuerName', Values: ['AWS/Marketplace'] },
    { Name: 'Status', Values: ['AVAILABLE'] },
  ],
  MaxResults: 100,
  NextToken: 'opaque-token',
};

const createLicenseVersion: Json = {
  ...createLicense,
  LicenseArn: LICENSE_ARN,
  Status: 'AVAILABLE',
  SourceVersion: '1',
};
delete createLicenseVersion['ProductSKU'];
delete createLicenseVersion['Beneficiary'];
delete createLicenseVersion['Tags'];

/** A deep copy of `base` with `change` applied. */
function edit(base: Json, change: (copy: Json) => void): Json {
  const copy = structuredClone(base);
  change(copy);
  return copy;
}

/** The element `index` of the list member `key` of `obj`, as an object. */
function item(obj: Json, key: string, index: number): Json {
  const list = obj[key];
  assert.ok(Array.isArray(list));
  return list[index] as Json;
}

/** The object member `key` of `obj`. */
function child(obj: Json, key: string): Json {
  return obj[key] as Json;
}

/** Runs validateInput and returns the AwsError it throws. */
function errorOf(operation: string, input: unknown): AwsError {
  try {
    validateInput(operation, input);
  } catch (error) {
    assert.ok(error instanceof AwsError, `expected an AwsError, got ${String(error)}`);
    return error;
  }
  assert.fail(`${operation} accepted ${JSON.stringify(input)?.slice(0, 200)}`);
}

/** One malformed request and what the validator must say about it. */
interface BadCase {
  readonly title: string;
  readonly op: string;
  readonly input: unknown;
  readonly name: 'SerializationException' | 'ValidationException';
  /** The exact message, or parts it must contain. */
  readonly message: string | readonly string[];
}

const serialization = 'SerializationException';
const validation = 'ValidationException';

const BAD_CASES: readonly BadCase[] = [
  // --- not a JSON object at the top level
  {
    title: 'an array body',
    op: 'CheckoutLicense',
    input: [checkoutPerpetual],
    name: serialization,
    message: 'Expected a JSON object as the request body, got array',
  },
  {
    title: 'a string body',
    op: 'GetLicense',
    input: LICENSE_ARN,
    name: serialization,
    message: 'Expected a JSON object as the request body, got string',
  },
  {
    title: 'a null body',
    op: 'CheckInLicense',
    input: null,
    name: serialization,
    message: 'Expected a JSON object as the request body, got null',
  },
  {
    title: 'a number body',
    op: 'ListLicenses',
    input: 42,
    name: serialization,
    message: 'Expected a JSON object as the request body, got number 42',
  },
  // --- wrong JSON types
  {
    title: 'a number where a string is modelled (top level)',
    op: 'CheckoutLicense',
    input: edit(checkoutPerpetual, (r) => (r['ProductSKU'] = 42)),
    name: serialization,
    message: "Value at 'productSKU' must be a string, got number 42",
  },
  {
    title: 'a string MaxResults',
    op: 'ListReceivedLicenses',
    input: { MaxResults: '10' },
    name: serialization,
    message: "Value at 'maxResults' must be an integer, got string",
  },
  {
    title: 'a fractional MaxResults',
    op: 'ListLicenses',
    input: { MaxResults: 1.5 },
    name: serialization,
    message: "Value at 'maxResults' must be an integer, got number 1.5",
  },
  {
    title: 'a MaxResults beyond the 32-bit integer range',
    op: 'ListLicenseVersions',
    input: { LicenseArn: LICENSE_ARN, MaxResults: 2 ** 31 },
    name: serialization,
    message: "Value at 'maxResults' must be an integer, got number 2147483648",
  },
  {
    title: 'a string DryRun',
    op: 'ExtendLicenseConsumption',
    input: { LicenseConsumptionToken: 'f1603b3c1f574b7284db84a9e771ee12', DryRun: 'true' },
    name: serialization,
    message: "Value at 'dryRun' must be a boolean, got string",
  },
  {
    title: 'an object where the Entitlements list is modelled',
    op: 'CheckoutLicense',
    input: edit(checkoutPerpetual, (r) => (r['Entitlements'] = { Name: 'seat', Unit: 'Count' })),
    name: serialization,
    message: "Value at 'entitlements' must be a list (JSON array), got object",
  },
  {
    title: 'a string as a list element that should be a structure',
    op: 'CheckoutLicense',
    input: edit(checkoutTiers, (r) => (r['Entitlements'] = ['BasicTier'])),
    name: serialization,
    message: "Value at 'entitlements.1.member' must be a structure (JSON object), got string",
  },
  {
    title: 'a number Value in the second entitlement',
    op: 'CheckoutLicense',
    input: edit(checkoutTiers, (r) => (item(r, 'Entitlements', 1)['Value'] = 10)),
    name: serialization,
    message: "Value at 'entitlements.2.member.value' must be a string, got number 10",
  },
  {
    title: 'a string Validity',
    op: 'CreateLicense',
    input: edit(createLicense, (r) => (r['Validity'] = '2026-01-01T00:00:00Z')),
    name: serialization,
    message: "Value at 'validity' must be a structure (JSON object), got string",
  },
  {
    title: 'a string MaxTimeToLiveInMinutes three levels down',
    op: 'CreateLicense',
    input: edit(createLicense, (r) => {
      child(child(r, 'ConsumptionConfiguration'), 'ProvisionalConfiguration')['MaxTimeToLiveInMinutes'] = '60';
    }),
    name: serialization,
    message:
      "Value at 'consumptionConfiguration.provisionalConfiguration.maxTimeToLiveInMinutes' " +
      'must be an integer, got string',
  },
  {
    title: 'a fractional MaxCount (long)',
    op: 'CreateLicense',
    input: edit(createLicense, (r) => (item(r, 'Entitlements', 0)['MaxCount'] = 1.5)),
    name: serialization,
    message: "Value at 'entitlements.1.member.maxCount' must be an integer (long), got number 1.5",
  },
  {
    title: 'a string Overage',
    op: 'CreateLicenseVersion',
    input: edit(createLicenseVersion, (r) => (item(r, 'Entitlements', 1)['Overage'] = 'false')),
    name: serialization,
    message: "Value at 'entitlements.2.member.overage' must be a boolean, got string",
  },
  {
    title: 'a string where the filter Values list is modelled',
    op: 'ListReceivedLicenses',
    input: { Filters: [{ Name: 'Status', Values: 'AVAILABLE' }] },
    name: serialization,
    message: "Value at 'filters.1.member.values' must be a list (JSON array), got string",
  },
  {
    title: 'a type error wins over constraint violations',
    op: 'CheckoutLicense',
    input: { CheckoutType: 'BOGUS', ClientToken: ['ct'] },
    name: serialization,
    message: "Value at 'clientToken' must be a string, got array",
  },
  // --- required
  {
    title: 'an empty CheckoutLicense',
    op: 'CheckoutLicense',
    input: {},
    name: validation,
    message:
      `5 validation errors detected: Value null at 'productSKU' ${NOT_NULL}; ` +
      `Value null at 'checkoutType' ${NOT_NULL}; Value null at 'keyFingerprint' ${NOT_NULL}; ` +
      `Value null at 'entitlements' ${NOT_NULL}; Value null at 'clientToken' ${NOT_NULL}`,
  },
  {
    title: 'a missing ProductSKU',
    op: 'CheckoutLicense',
    input: edit(checkoutPerpetual, (r) => delete r['ProductSKU']),
    name: validation,
    message: `1 validation error detected: Value null at 'productSKU' ${NOT_NULL}`,
  },
  {
    title: 'a JSON null ClientToken (null counts as missing)',
    op: 'CheckoutLicense',
    input: edit(checkoutPerpetual, (r) => (r['ClientToken'] = null)),
    name: validation,
    message: `1 validation error detected: Value null at 'clientToken' ${NOT_NULL}`,
  },
  {
    title: 'an entitlement without Unit',
    op: 'CheckoutLicense',
    input: edit(checkoutTiers, (r) => delete item(r, 'Entitlements', 2)['Unit']),
    name: validation,
    message: `1 validation error detected: Value null at 'entitlements.3.member.unit' ${NOT_NULL}`,
  },
  {
    title: 'a Validity without Begin',
    op: 'CreateLicense',
    input: edit(createLicense, (r) => (r['Validity'] = { End: '2027-01-01T00:00:00Z' })),
    name: validation,
    message: `1 validation error detected: Value null at 'validity.begin' ${NOT_NULL}`,
  },
  {
    title: 'an Issuer without Name',
    op: 'CreateLicenseVersion',
    input: edit(createLicenseVersion, (r) => (r['Issuer'] = { SignKey: 'key' })),
    name: validation,
    message: `1 validation error detected: Value null at 'issuer.name' ${NOT_NULL}`,
  },
  {
    title: 'a BorrowConfiguration without AllowEarlyCheckIn',
    op: 'CreateLicense',
    input: edit(createLicense, (r) => {
      delete child(child(r, 'ConsumptionConfiguration'), 'BorrowConfiguration')['AllowEarlyCheckIn'];
    }),
    name: validation,
    message:
      '1 validation error detected: Value null at ' +
      `'consumptionConfiguration.borrowConfiguration.allowEarlyCheckIn' ${NOT_NULL}`,
  },
  {
    title: 'an empty CheckInLicense',
    op: 'CheckInLicense',
    input: { Beneficiary: 'user@example.com' },
    name: validation,
    message: `1 validation error detected: Value null at 'licenseConsumptionToken' ${NOT_NULL}`,
  },
  {
    title: 'a DeleteLicense without SourceVersion',
    op: 'DeleteLicense',
    input: { LicenseArn: LICENSE_ARN },
    name: validation,
    message: `1 validation error detected: Value null at 'sourceVersion' ${NOT_NULL}`,
  },
  {
    title: 'a null element in LicenseArns',
    op: 'ListReceivedLicenses',
    input: { LicenseArns: [LICENSE_ARN, null] },
    name: validation,
    message: `1 validation error detected: Value null at 'licenseArns.2.member' ${NOT_NULL}`,
  },
  // --- enums
  {
    title: 'a bogus CheckoutType',
    op: 'CheckoutLicense',
    input: edit(checkoutPerpetual, (r) => (r['CheckoutType'] = 'BOGUS')),
    name: validation,
    message:
      "1 validation error detected: Value 'BOGUS' at 'checkoutType' failed to satisfy " +
      'constraint: Member must satisfy enum value set: [PROVISIONAL, PERPETUAL]',
  },
  {
    title: 'an entitlement Unit in the wrong case',
    op: 'CheckoutLicense',
    input: edit(checkoutProvisional, (r) => (item(r, 'Entitlements', 0)['Unit'] = 'count')),
    name: validation,
    message: [
      "1 validation error detected: Value 'count' at 'entitlements.1.member.unit' failed to ",
      'Member must satisfy enum value set: [Count, None, Seconds, ',
      'Count/Second]',
    ],
  },
  {
    title: 'an unsupported DigitalSignatureMethod',
    op: 'CheckoutBorrowLicense',
    input: {
      LicenseArn: LICENSE_ARN,
      Entitlements: [{ Name: 'seat', Unit: 'Count', Value: '1' }],
      DigitalSignatureMethod: 'RS256',
      ClientToken: 'ct-1',
    },
    name: validation,
    message:
      "1 validation error detected: Value 'RS256' at 'digitalSignatureMethod' failed to " +
      'satisfy constraint: Member must satisfy enum value set: [JWT_PS384]',
  },
  {
    title: 'a license Status that does not exist',
    op: 'CreateLicenseVersion',
    input: edit(createLicenseVersion, (r) => (r['Status'] = 'ACTIVE')),
    name: validation,
    message: [
      "Value 'ACTIVE' at 'status' failed to satisfy constraint: Member must satisfy enum value ",
      'set: [AVAILABLE, PENDING_AVAILABLE, DEACTIVATED, SUSPENDED, EXPIRED, PENDING_DELETE, DELETED]',
    ],
  },
  {
    title: 'a bogus RenewType',
    op: 'CreateLicense',
    input: edit(createLicense, (r) => (child(r, 'ConsumptionConfiguration')['RenewType'] = 'Daily')),
    name: validation,
    message:
      "1 validation error detected: Value 'Daily' at 'consumptionConfiguration.renewType' " +
      'failed to satisfy constraint: Member must satisfy enum value set: [None, Weekly, Monthly]',
  },
  // --- lengths
  {
    title: 'a ClientToken of 2049 characters (elided in the message)',
    op: 'CheckoutLicense',
    input: edit(checkoutPerpetual, (r) => (r['ClientToken'] = 'a'.repeat(2049))),
    name: validation,
    message:
      "1 validation error detected: Value 'aaaaaaaaaaaaaaaaaaaa...' at 'clientToken' failed to " +
      'satisfy constraint: Member must have length less than or equal to 2048',
  },
  {
    title: 'an ARN too long and not matching (two violations on one member)',
    op: 'GetLicense',
    input: { LicenseArn: `${LICENSE_ARN}${'0'.repeat(2000)}` },
    name: validation,
    message:
      "2 validation errors detected: Value 'arn:aws:license-mana...' at 'licenseArn' failed to " +
      'satisfy constraint: Member must have length less than or equal to 2048; ' +
      "Value 'arn:aws:license-mana...' at 'licenseArn' failed to satisfy constraint: " +
      `Member must satisfy regular expression pattern: ${ARN_PATTERN}`,
  },
  // --- patterns
  {
    title: 'a ClientToken with a space',
    op: 'CheckoutLicense',
    input: edit(checkoutPerpetual, (r) => (r['ClientToken'] = 'client token')),
    name: validation,
    message:
      "1 validation error detected: Value 'client token' at 'clientToken' failed to satisfy " +
      'constraint: Member must satisfy regular expression pattern: \\S+',
  },
  {
    title: 'an empty ClientToken',
    op: 'CreateLicense',
    input: edit(createLicense, (r) => (r['ClientToken'] = '')),
    name: validation,
    message:
      "1 validation error detected: Value '' at 'clientToken' failed to satisfy constraint: " +
      'Member must satisfy regular expression pattern: \\S+',
  },
  {
    title: 'a ClientToken ending in a tab',
    op: 'CheckoutBorrowLicense',
    input: {
      LicenseArn: LICENSE_ARN,
      Entitlements: [{ Name: 'seat', Unit: 'Count' }],
      DigitalSignatureMethod: 'JWT_PS384',
      ClientToken: 'ct-1\t',
    },
    name: validation,
    message: ["Value 'ct-1\t' at 'clientToken' failed to satisfy constraint"],
  },
  {
    title: 'a LicenseArn that is a bare license id',
    op: 'GetLicense',
    input: { LicenseArn: 'l-ecbaa94eb71a4830b6d7e49268fecaa0' },
    name: validation,
    message:
      "1 validation error detected: Value 'l-ecbaa94eb71a4830b6d7e49268fecaa0' at 'licenseArn' " +
      `failed to satisfy constraint: Member must satisfy regular expression pattern: ${ARN_PATTERN}`,
  },
  {
    title: 'a LicenseArn with a trailing newline (the whole value must match)',
    op: 'GetLicenseUsage',
    input: { LicenseArn: `${LICENSE_ARN}\n` },
    name: validation,
    message: ["at 'licenseArn' failed to satisfy constraint: Member must satisfy regular expression"],
  },
  {
    title: 'an ARN of another partition prefix',
    op: 'ListLicenses',
    input: { LicenseArns: [LICENSE_ARN, 'arn:azure:license-manager::1:license:l-1'] },
    name: validation,
    message: ["Value 'arn:azure:license-manager::1:license:l-1' at 'licenseArns.2.member' failed"],
  },
  // --- numeric ranges
  {
    title: 'MaxResults 0',
    op: 'ListReceivedLicenses',
    input: { MaxResults: 0 },
    name: validation,
    message:
      "1 validation error detected: Value '0' at 'maxResults' failed to satisfy constraint: " +
      'Member must have value greater than or equal to 1',
  },
  {
    title: 'MaxResults 101',
    op: 'ListLicenseVersions',
    input: { LicenseArn: LICENSE_ARN, MaxResults: 101 },
    name: validation,
    message:
      "1 validation error detected: Value '101' at 'maxResults' failed to satisfy constraint: " +
      'Member must have value less than or equal to 100',
  },
  // --- ISO8601DateTime
  {
    title: "the Marketplace page's typo 2021-04-22Tl9:02:36 as Validity.Begin",
    op: 'CreateLicense',
    input: edit(createLicense, (r) => (child(r, 'Validity')['Begin'] = '2021-04-22Tl9:02:36')),
    name: validation,
    message:
      "1 validation error detected: Value '2021-04-22Tl9:02:36' at 'validity.begin' failed to " +
      `satisfy constraint: Member must satisfy regular expression pattern: ${ISO_PATTERN}`,
  },
  {
    title: 'a Validity.End with month 13',
    op: 'CreateLicense',
    input: edit(createLicense, (r) => (child(r, 'Validity')['End'] = '2027-13-01T00:00:00Z')),
    name: validation,
    message: [
      "Value '2027-13-01T00:00:00Z' at 'validity.end' failed to satisfy constraint",
      'regular expression pattern: ^(-?',
    ],
  },
  {
    title: 'a Validity.Begin at hour 24',
    op: 'CreateLicenseVersion',
    input: edit(createLicenseVersion, (r) => {
      child(r, 'Validity')['Begin'] = '2026-01-01T24:00:00Z';
    }),
    name: validation,
    message: [
      "Value '2026-01-01T24:00:00Z' at 'validity.begin' failed to satisfy constraint",
      'regular expression pattern: ^(-?',
    ],
  },
  {
    title: 'a zone written with a space (accepted by the model regex typo)',
    op: 'CreateLicense',
    input: edit(createLicense, (r) => (child(r, 'Validity')['Begin'] = '2026-01-01T00:00:00+ 3:00')),
    name: validation,
    message: [
      "Value '2026-01-01T00:00:00+ 3:00' at 'validity.begin' failed to satisfy constraint",
      'regular expression pattern: ^(-?',
    ],
  },
  {
    title: 'a doubled zone (accepted by the model regex typo)',
    op: 'CreateLicense',
    input: edit(createLicense, (r) => (child(r, 'Validity')['End'] = '2027-01-01T00:00:00ZZ')),
    name: validation,
    message: [
      "Value '2027-01-01T00:00:00ZZ' at 'validity.end' failed to satisfy constraint",
      'regular expression pattern: ^(-?',
    ],
  },
  {
    title: 'February 30th',
    op: 'CreateLicense',
    input: edit(createLicense, (r) => (child(r, 'Validity')['Begin'] = '2026-02-30T00:00:00Z')),
    name: validation,
    message: [
      "Value '2026-02-30T00:00:00Z' at 'validity.begin' failed to satisfy constraint",
      'regular expression pattern: ^(-?',
    ],
  },
  {
    title: 'a date without a time',
    op: 'CreateLicense',
    input: edit(createLicense, (r) => (child(r, 'Validity')['Begin'] = '2026-01-01')),
    name: validation,
    message: [
      "Value '2026-01-01' at 'validity.begin' failed to satisfy constraint",
      'regular expression pattern: ^(-?',
    ],
  },
  // --- several at once
  {
    title: 'the two errors of the Coral example',
    op: 'CheckoutLicense',
    input: edit(checkoutPerpetual, (r) => {
      delete r['ProductSKU'];
      r['CheckoutType'] = 'BOGUS';
    }),
    name: validation,
    message:
      `2 validation errors detected: Value null at 'productSKU' ${NOT_NULL}; ` +
      "Value 'BOGUS' at 'checkoutType' failed to satisfy constraint: Member must satisfy enum " +
      'value set: [PROVISIONAL, PERPETUAL]',
  },
  {
    title: 'four errors at three levels, in model order',
    op: 'CreateLicense',
    input: edit(createLicense, (r) => {
      delete r['LicenseName'];
      child(r, 'Validity')['Begin'] = 'yesterday';
      item(r, 'Entitlements', 1)['Unit'] = 'GB';
      r['ClientToken'] = 'has space';
    }),
    name: validation,
    message: [
      '4 validation errors detected: ',
      `Value null at 'licenseName' ${NOT_NULL}; `,
      "; Value 'yesterday' at 'validity.begin' failed",
      "; Value 'GB' at 'entitlements.2.member.unit' failed",
      "; Value 'has space' at 'clientToken' failed",
    ],
  },
];

describe('validateInput', () => {
  describe('rejects malformed input', () => {
    for (const bad of BAD_CASES) {
      it(`${bad.op}: ${bad.title} -> ${bad.name}`, () => {
        const error = errorOf(bad.op, bad.input);
        assert.equal(error.name, bad.name);
        if (typeof bad.message === 'string') {
          assert.equal(error.message, bad.message);
        } else {
          for (const part of bad.message) assert.ok(error.message.includes(part), error.message);
        }
      });
    }

    it('has at least 35 distinct malformed cases', () => {
      assert.ok(BAD_CASES.length >= 35);
      assert.equal(new Set(BAD_CASES.map((c) => c.title)).size, BAD_CASES.length);
    });
  });

  describe('accepts valid input', () => {
    const GOOD_CASES: readonly (readonly [string, string, Json])[] = [
      ['Marketplace drawdown checkout (PERPETUAL)', 'CheckoutLicense', checkoutPerpetual],
      ['Marketplace floating checkout (PROVISIONAL)', 'CheckoutLicense', checkoutProvisional],
      ['Marketplace tier checkout', 'CheckoutLicense', checkoutTiers],
      [
        'a checkout with Beneficiary and NodeId, as the JS SDK sends it',
        'CheckoutLicense',
        { ...checkoutProvisional, Beneficiary: 'user@example.com', NodeId: 'node-1' },
      ],
      [
        'an empty Entitlements list (the model sets no minimum)',
        'CheckoutLicense',
        { ...checkoutTiers, Entitlements: [] },
      ],
      ['a full CreateLicense', 'CreateLicense', createLicense],
      ['a full CreateLicenseVersion', 'CreateLicenseVersion', createLicenseVersion],
      ['ListReceivedLicenses with Filters', 'ListReceivedLicenses', listReceived],
      ['an empty ListReceivedLicenses', 'ListReceivedLicenses', {}],
      ['ListLicenses with MaxResults 1', 'ListLicenses', { MaxResults: 1, LicenseArns: [] }],
      ['CheckInLicense', 'CheckInLicense', { LicenseConsumptionToken: 'f1603b3c1f574b7284db84a9' }],
      [
        'ExtendLicenseConsumption with DryRun',
        'ExtendLicenseConsumption',
        { LicenseConsumptionToken: 'f1603b3c1f574b7284db84a9e771ee12', DryRun: true },
      ],
      ['GetLicense with Version', 'GetLicense', { LicenseArn: LICENSE_ARN, Version: '2' }],
      ['GetLicenseUsage', 'GetLicenseUsage', { LicenseArn: LICENSE_ARN }],
      ['ListLicenseVersions', 'ListLicenseVersions', { LicenseArn: LICENSE_ARN, MaxResults: 50 }],
      ['DeleteLicense', 'DeleteLicense', { LicenseArn: LICENSE_ARN, SourceVersion: '1' }],
      [
        'CheckoutBorrowLicense with CheckoutMetadata',
        'CheckoutBorrowLicense',
        {
          LicenseArn: LICENSE_ARN,
          Entitlements: [{ Name: 'seat', Unit: 'Count', Value: '1' }],
          DigitalSignatureMethod: 'JWT_PS384',
          NodeId: 'node-1',
          CheckoutMetadata: [{ Name: 'hostname', Value: 'ip-10-0-0-1' }],
          ClientToken: 'ct-borrow-1',
        },
      ],
      [
        'unknown members, top level and nested (ignored)',
        'CheckoutLicense',
        {
          ...checkoutPerpetual,
          FutureMember: { anything: [1, 2] },
          Entitlements: [{ Name: 'seat', Unit: 'Count', Extra: 1 }],
        },
      ],
      ['JSON null for optional members', 'CheckoutLicense', { ...checkoutPerpetual, Beneficiary: null, NodeId: null }],
      [
        'a ClientToken of exactly 2048 characters',
        'CheckoutLicense',
        { ...checkoutPerpetual, ClientToken: 'x'.repeat(2048) },
      ],
      [
        'a ClientToken with a no-break space (not whitespace for Java)',
        'CheckoutLicense',
        { ...checkoutPerpetual, ClientToken: 'a\u00a0b' },
      ],
      [
        'a MaxCount beyond 32 bits (long)',
        'CreateLicense',
        edit(createLicense, (r) => (item(r, 'Entitlements', 0)['MaxCount'] = 2 ** 40)),
      ],
    ];
    for (const [title, op, input] of GOOD_CASES) {
      it(`${op}: ${title}`, () => {
        assert.doesNotThrow(() => validateInput(op, input));
      });
    }

    it('accepts every Validity form AWS samples use', () => {
      for (const begin of [
        '2026-01-01T00:00:00',
        '2026-01-01T00:00:00Z',
        '2021-04-12T00:00:00+00:00',
        '2026-11-27T21:00:00.000Z',
        '2024-02-29T23:59:59.123456-05:30',
      ]) {
        const input = edit(createLicense, (r) => (child(r, 'Validity')['Begin'] = begin));
        assert.doesNotThrow(() => validateInput('CreateLicense', input), begin);
      }
    });
  });

  describe('state between calls', () => {
    it('reports correct paths after a type error aborted a previous run', () => {
      errorOf(
        'CreateLicense',
        edit(createLicense, (r) => (child(r, 'Validity')['Begin'] = 1)),
      );
      validateInput('CheckoutLicense', checkoutTiers);
      const error = errorOf('ListLicenses', { MaxResults: 0 });
      assert.equal(
        error.message,
        "1 validation error detected: Value '0' at 'maxResults' failed to satisfy constraint: " +
          'Member must have value greater than or equal to 1',
      );
    });

    it('throws a plain Error (a server bug) for an operation it does not emulate', () => {
      assert.throws(
        () => validateInput('CreateGrant', {}),
        (error: unknown) => error instanceof Error && !(error instanceof AwsError),
      );
    });
  });
});

describe('isIso8601DateTime', () => {
  const valid = [
    '2026-01-01T00:00:00',
    '2026-01-01T00:00:00Z',
    '2021-04-12T00:00:00+00:00',
    '2026-11-27T21:00:00.000Z',
    '2000-02-29T12:00:00Z',
    '12026-01-01T00:00:00Z',
  ];
  const invalid = [
    '2021-04-22Tl9:02:36',
    '2021-04-22T19:02: 36',
    '2026-00-10T00:00:00Z',
    '2026-01-32T00:00:00Z',
    '2026-04-31T00:00:00Z',
    '2023-02-29T00:00:00Z',
    '1900-02-29T00:00:00Z',
    '2026-01-01T23:60:00Z',
    '2026-01-01T00:00:00z',
    '2026-01-01T00:00:00+24:00',
    '2026-01-01T00:00:00+0100',
    '2026-01-01T00:00:00.Z',
    '2026-01-01 00:00:00',
    '1767225600',
    '',
  ];
  it('accepts ISO-8601 date-times with optional fraction and zone', () => {
    for (const value of valid) assert.ok(isIso8601DateTime(value), value);
  });
  it('rejects malformed and impossible date-times', () => {
    for (const value of invalid) assert.ok(!isIso8601DateTime(value), value);
  });
});

describe('javaPatternToRegExp', () => {
  it('matches the whole value, as Java matches() does', () => {
    const regex = javaPatternToRegExp('^lct-[a-zA-Z0-9]*');
    assert.ok(regex.test('lct-abc1'));
    assert.ok(!regex.test('lct-abc-1'));
  });
  it('gives \\s and \\S their Java (ASCII) meaning', () => {
    const nonSpace = javaPatternToRegExp('\\S+');
    assert.ok(nonSpace.test('a\u00a0b\u2028c'));
    assert.ok(!nonSpace.test('a b'));
    assert.ok(!nonSpace.test('a\x0Bb'));
    const any = javaPatternToRegExp('[\\s\\S]+');
    assert.ok(any.test(' x\n\u00a0'));
  });
  it('translates Java POSIX classes to ASCII', () => {
    const alpha = javaPatternToRegExp('\\p{Alpha}+');
    assert.ok(alpha.test('abcXYZ'));
    assert.ok(!alpha.test('é'));
    assert.ok(javaPatternToRegExp('\\p{L}+').test('é'));
  });
  it("keeps Java's '.' away from U+0085", () => {
    assert.ok(!javaPatternToRegExp('a.b').test('a\u0085b'));
    assert.ok(javaPatternToRegExp('a[.]b').test('a.b'));
  });
});

describe('service model accessors', () => {
  it('lists the 12 emulated operations and all 62 modelled ones', () => {
    assert.equal(EMULATED_OPERATIONS.length, 12);
    assert.equal(MODELLED_OPERATIONS.length, 62);
    assert.ok(EMULATED_OPERATIONS.every((op) => isModelledOperation(op)));
  });
  it('tells modelled-but-not-emulated from unknown', () => {
    assert.ok(isModelledOperation('CreateGrant'));
    assert.ok(!isEmulatedOperation('CreateGrant'));
    assert.ok(!isModelledOperation('LaunchRocket'));
    assert.ok(!isModelledOperation('toString'));
    assert.ok(isEmulatedOperation('CheckoutLicense'));
  });
  it('gives shapes and errors of an operation', () => {
    assert.equal(inputShapeOf('CheckoutLicense'), 'CheckoutLicenseRequest');
    assert.equal(outputShapeOf('CheckoutLicense'), 'CheckoutLicenseResponse');
    assert.ok(errorsOf('CheckInLicense').includes('ConflictException'));
    assert.ok(!errorsOf('CheckoutLicense').includes('ConflictException'));
    assert.equal(shapeOf('MaxSize100').max, 100);
    assert.throws(() => shapeOf('NoSuchShape'));
    assert.equal(SERVICE_METADATA.targetPrefix, 'AWSLicenseManager');
  });
});
