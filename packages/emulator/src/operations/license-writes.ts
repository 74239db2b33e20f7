import { AwsError } from '../protocol/aws-error.js';
import type { LicenseTerms } from '../protocol/shapes.js';
import { LicenseStore, type LicenseRecord } from '../state/license-store.js';
import type { OperationContext, OperationDefinition } from './context.js';
import { checkTerms } from './license-terms.js';
import { existingLicense } from './license-reads.js';

type CreateLicenseInput = LicenseTerms & {
  ProductSKU: string;
  Beneficiary: string;
  ClientToken: string;
  Tags?: unknown;
};

/** CreateLicense: a new license issued by the emulator's account, version 1. */
export const createLicense: OperationDefinition = {
  handle: (input: CreateLicenseInput, ctx: OperationContext) =>
    ctx.idempotency.run('CreateLicense', input.ClientToken, input, ctx.now, () => {
      const terms = termsOf(input);
      checkTerms(terms);
      const record = ctx.licenses.create({
        arn: LicenseStore.newArn(ctx.accountId),
        issuerAccountId: ctx.accountId,
        marketplace: false,
        terms: { ...terms, ProductSKU: input.ProductSKU, Beneficiary: input.Beneficiary },
        status: 'AVAILABLE',
        now: ctx.now,
        availableAt: ctx.now + ctx.propagationDelayMs,
      });
      return { LicenseArn: record.arn, Status: record.statusAt(ctx.now), Version: '1' };
    }),
};

/** The license terms a CreateLicense or CreateLicenseVersion request states (a deep copy). */
export function termsOf(input: LicenseTerms): LicenseTerms {
  const terms: LicenseTerms = {
    LicenseName: input.LicenseName,
    ProductName: input.ProductName,
    Issuer: { ...input.Issuer },
    HomeRegion: input.HomeRegion,
    Validity: { ...input.Validity },
    Entitlements: input.Entitlements.map((e) => ({ ...e })),
    ConsumptionConfiguration: structuredClone(input.ConsumptionConfiguration),
  };
  if (input.LicenseMetadata !== undefined) terms.LicenseMetadata = input.LicenseMetadata.map((m) => ({ ...m }));
  return terms;
}

/**
 * Changes to a license are made in its home Region only: elsewhere AWS answers RedirectException
 * with the home Region's endpoint in `Location`.
 */
function inHomeRegion(license: LicenseRecord, ctx: OperationContext): void {
  const home = license.current.terms.HomeRegion;
  if (ctx.region !== home) {
    throw new AwsError('RedirectException', `License ${license.arn} can be changed only in its home Region, ${home}.`, {
      extra: { Location: `https://license-manager.${home}.amazonaws.com` },
    });
  }
}

function atSourceVersion(license: LicenseRecord, sourceVersion: string | undefined): void {
  if (sourceVersion !== undefined && sourceVersion !== String(license.current.number)) {
    throw new AwsError(
      'ConflictException',
      `SourceVersion ${sourceVersion} is not the current version of ${license.arn} (${license.current.number}); read the license again and retry.`,
    );
  }
}

type CreateLicenseVersionInput = LicenseTerms & {
  LicenseArn: string;
  Status: string;
  ClientToken: string;
  SourceVersion?: string;
};

/**
 * CreateLicenseVersion: restates the whole license (renewal, upgrade, downgrade, cancellation).
 * Checkouts see the new version at once; units in use carry over. An AWS Marketplace license keeps
 * its issuer (`AWS/Marketplace`) whatever the request says, so its fingerprint never changes.
 */
export const createLicenseVersion: OperationDefinition = {
  handle: (input: CreateLicenseVersionInput, ctx: OperationContext) =>
    ctx.idempotency.run('CreateLicenseVersion', input.ClientToken, input, ctx.now, () => {
      const license = ctx.licenses.get(input.LicenseArn);
      if (license === undefined) {
        throw new AwsError('ResourceNotFoundException', `License ${input.LicenseArn} does not exist.`);
      }
      inHomeRegion(license, ctx);
      if (license.deletedAt !== undefined) {
        throw new AwsError('ConflictException', `License ${license.arn} was deleted; it can have no new version.`);
      }
      atSourceVersion(license, input.SourceVersion);
      const terms = termsOf(input);
      if (license.marketplace) terms.Issuer = { ...license.current.terms.Issuer };
      checkTerms(terms);
      const version = ctx.licenses.addVersion(license, terms, input.Status, ctx.now);
      return { LicenseArn: license.arn, Version: String(version.number), Status: license.statusAt(ctx.now) };
    }),
};

/**
 * DeleteLicense: marks the license DELETED (it stays readable). Refused with ConflictException
 * while PROVISIONAL or borrowed units are checked out, or when SourceVersion is not current.
 */
export const deleteLicense: OperationDefinition = {
  handle: (input: { LicenseArn: string; SourceVersion: string }, ctx: OperationContext) => {
    const license = existingLicense(input.LicenseArn, ctx);
    inHomeRegion(license, ctx);
    if (license.deletedAt !== undefined) {
      throw new AwsError('ConflictException', `License ${license.arn} is already deleted.`);
    }
    atSourceVersion(license, input.SourceVersion);
    ctx.ledger.expire(ctx.now);
    const live = ctx.ledger.liveCheckouts(license.arn);
    if (live > 0) {
      throw new AwsError(
        'ConflictException',
        `License ${license.arn} has ${live} checkout(s) in use; check them in (or let them expire) first.`,
      );
    }
    license.deletedAt = ctx.now;
    return { Status: 'DELETED', DeletionDate: new Date(ctx.now).toISOString() };
  },
};
