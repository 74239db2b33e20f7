import { AwsError } from '../protocol/aws-error.js';
import type { License } from '../protocol/shapes.js';
import type { LicenseRecord } from '../state/license-store.js';
import type { OperationContext, OperationDefinition } from './context.js';
import { filterPredicate, type Filter, type SupportedFilters } from './filters.js';
import { page } from './paging.js';

/** Operations a received license allows (the model's `AllowedOperation` enum spelling). */
const RECEIVED_ALLOWED_OPERATIONS = [
  'CheckoutLicense',
  'CheckoutBorrowLicense',
  'CheckInLicense',
  'ExtendConsumptionLicense',
  'ListPurchasedLicenses',
];

/**
 * The license with this ARN. GetLicense and the seller-side reads model no ResourceNotFound, so an
 * unknown ARN is InvalidParameterValueException (an emulator choice within the modelled errors).
 */
export function existingLicense(arn: string, ctx: OperationContext): LicenseRecord {
  const license = ctx.licenses.get(arn);
  if (license === undefined) {
    throw new AwsError('InvalidParameterValueException', `License ${arn} does not exist.`);
  }
  return license;
}

/** GetLicense: the current version, or the version asked for. */
export const getLicense: OperationDefinition = {
  handle: (input: { LicenseArn: string; Version?: string }, ctx: OperationContext) => {
    const license = existingLicense(input.LicenseArn, ctx);
    const version =
      input.Version === undefined ? license.current : license.versions.find((v) => String(v.number) === input.Version);
    if (version === undefined) {
      throw new AwsError(
        'InvalidParameterValueException',
        `License ${license.arn} has no version '${input.Version}'; its versions are 1 to ${license.current.number}.`,
      );
    }
    return { License: license.toLicense(ctx.now, ctx.createTimeFormat, version) };
  },
};

/** The filters ListLicenses takes. */
const LICENSE_FILTERS: SupportedFilters<License> = new Map([
  ['ProductSKU', (l: License) => l.ProductSKU],
  ['Status', (l: License) => l.Status],
  ['Fingerprint', (l: License) => l.Issuer.KeyFingerprint],
  ['Beneficiary', (l: License) => l.Beneficiary],
]);

/** The filters ListReceivedLicenses takes: ListLicenses's and the issuer's name. */
const RECEIVED_LICENSE_FILTERS: SupportedFilters<License> = new Map([
  ...LICENSE_FILTERS,
  ['IssuerName', (l: License) => l.Issuer.Name],
]);

interface ListInput {
  LicenseArns?: string[];
  Filters?: Filter[];
  NextToken?: string;
  MaxResults?: number;
}

function listed(
  ctx: OperationContext,
  input: ListInput,
  only: (r: LicenseRecord) => boolean,
  filters: SupportedFilters<License>,
): { items: License[]; nextToken: string | undefined } {
  const keep = filterPredicate(input.Filters, filters);
  const arns = input.LicenseArns !== undefined ? new Set(input.LicenseArns) : undefined;
  const all: License[] = [];
  for (const record of ctx.licenses.all()) {
    if (!only(record) || (arns !== undefined && !arns.has(record.arn))) continue;
    const license = record.toLicense(ctx.now, ctx.createTimeFormat);
    if (keep(license)) all.push(license);
  }
  return page(all, { a: input.LicenseArns, f: input.Filters }, input.NextToken, input.MaxResults);
}

/**
 * ListReceivedLicenses: every license granted to the caller's account. In the emulator the caller
 * has received every license it knows (Marketplace ones and the ones it issued), each ACTIVE.
 */
export const listReceivedLicenses: OperationDefinition = {
  handle: (input: ListInput, ctx: OperationContext) => {
    const result = listed(ctx, input, () => true, RECEIVED_LICENSE_FILTERS);
    return {
      Licenses: result.items.map((license) => ({
        ...license,
        ReceivedMetadata: {
          ReceivedStatus: license.Status === 'DELETED' ? 'DELETED' : 'ACTIVE',
          AllowedOperations: RECEIVED_ALLOWED_OPERATIONS,
        },
      })),
      ...(result.nextToken !== undefined ? { NextToken: result.nextToken } : {}),
    };
  },
};

/** ListLicenses: the licenses the caller's account issued (not AWS Marketplace's). */
export const listLicenses: OperationDefinition = {
  handle: (input: ListInput, ctx: OperationContext) => {
    const result = listed(ctx, input, (r) => r.issuerAccountId === ctx.accountId, LICENSE_FILTERS);
    return { Licenses: result.items, ...(result.nextToken !== undefined ? { NextToken: result.nextToken } : {}) };
  },
};

/** ListLicenseVersions: every version of a license, oldest first. */
export const listLicenseVersions: OperationDefinition = {
  handle: (input: { LicenseArn: string; NextToken?: string; MaxResults?: number }, ctx: OperationContext) => {
    const license = existingLicense(input.LicenseArn, ctx);
    const all = license.versions.map((v) => license.toLicense(ctx.now, ctx.createTimeFormat, v));
    const result = page(all, { arn: license.arn }, input.NextToken, input.MaxResults);
    return { Licenses: result.items, ...(result.nextToken !== undefined ? { NextToken: result.nextToken } : {}) };
  },
};

/**
 * GetLicenseUsage: units in use against the maximum, per counted entitlement. `ConsumedValue`
 * counts live PROVISIONAL and BORROW checkouts plus every PERPETUAL unit.
 */
export const getLicenseUsage: OperationDefinition = {
  handle: (input: { LicenseArn: string }, ctx: OperationContext) => {
    const license = existingLicense(input.LicenseArn, ctx);
    ctx.ledger.expire(ctx.now);
    const EntitlementUsages = license.current.terms.Entitlements.filter((e) => e.Unit !== 'None').map((e) => {
      const usage = ctx.ledger.usageOf(license.arn, e.Name);
      return {
        Name: e.Name,
        ConsumedValue: String(usage.held + usage.consumed),
        ...(e.MaxCount !== undefined ? { MaxCount: String(e.MaxCount) } : {}),
        Unit: e.Unit,
      };
    });
    return { LicenseUsage: { EntitlementUsages } };
  },
};
