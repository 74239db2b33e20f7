import { AwsError } from '../protocol/aws-error.js';
import type { EntitlementData, Metadata } from '../protocol/shapes.js';
import { formatCheckoutTime } from '../protocol/timestamps.js';
import { ConsumptionLedger } from '../state/consumption-ledger.js';
import type { LicenseRecord } from '../state/license-store.js';
import type { OperationContext, OperationDefinition } from './context.js';
import { planEntitlements } from './entitlement-plan.js';

/** NoEntitlementsAllowedException for a license that grants nothing now, saying why. */
function notUsable(license: LicenseRecord, now: number): AwsError {
  const status = license.statusAt(now);
  const why = status === 'AVAILABLE' ? `not valid before ${license.current.terms.Validity.Begin}` : status;
  return new AwsError('NoEntitlementsAllowedException', `No Entitlements Allowed: license ${license.arn} is ${why}.`);
}

interface CheckoutLicenseInput {
  ProductSKU: string;
  CheckoutType: 'PROVISIONAL' | 'PERPETUAL';
  KeyFingerprint: string;
  Entitlements: EntitlementData[];
  ClientToken: string;
  Beneficiary?: string;
  NodeId?: string;
}

/**
 * CheckoutLicense: finds the newest usable license with this SKU and issuer fingerprint, and takes
 * the entitlements asked for. PROVISIONAL units come back at CheckInLicense or when the license's
 * provisional TTL runs out; PERPETUAL units are consumed for good.
 */
export const checkoutLicense: OperationDefinition = {
  handle: (input: CheckoutLicenseInput, ctx: OperationContext) =>
    ctx.idempotency.run('CheckoutLicense', input.ClientToken, input, ctx.now, () => {
      ctx.ledger.expire(ctx.now);
      const { usable, matched } = ctx.licenses.findForCheckout(
        input.ProductSKU,
        input.KeyFingerprint,
        input.Beneficiary,
        ctx.now,
      );
      if (matched === undefined) {
        throw new AwsError(
          'ResourceNotFoundException',
          `No license for product SKU '${input.ProductSKU}' issued with key fingerprint ` +
            `'${input.KeyFingerprint}'${input.Beneficiary !== undefined ? ` and beneficiary '${input.Beneficiary}'` : ''}. ` +
            'Check the SKU and the fingerprint (GetLicense reports Issuer.KeyFingerprint).',
        );
      }
      if (usable === undefined) throw notUsable(matched, ctx.now);
      const plan = planEntitlements(usable, input.Entitlements, ctx.ledger, false);
      const token = ConsumptionLedger.newToken();
      const expiresAt = ctx.now + usable.provisionalTtlMs();
      ctx.ledger.add({
        token,
        licenseArn: usable.arn,
        kind: input.CheckoutType,
        allowed: plan.allowed,
        counted: plan.counted,
        issuedAt: ctx.now,
        expiresAt,
        nodeId: input.NodeId,
        allowEarlyCheckIn: true,
      });
      return {
        CheckoutType: input.CheckoutType,
        LicenseConsumptionToken: token,
        EntitlementsAllowed: plan.allowed,
        ...(input.NodeId !== undefined ? { NodeId: input.NodeId } : {}),
        IssuedAt: formatCheckoutTime(ctx.now),
        Expiration: formatCheckoutTime(expiresAt),
        LicenseArn: usable.arn,
      };
    }),
};

interface CheckoutBorrowLicenseInput {
  LicenseArn: string;
  Entitlements: EntitlementData[];
  DigitalSignatureMethod: string;
  NodeId?: string;
  CheckoutMetadata?: Metadata[];
  ClientToken: string;
}

/**
 * CheckoutBorrowLicense: an offline checkout of a license configured for borrowing, answered with
 * a PS384-signed token. Every entitlement asked for must be in the license (no partial checkouts).
 */
export const checkoutBorrowLicense: OperationDefinition = {
  precheck: (input) => {
    const method = input['DigitalSignatureMethod'];
    if (typeof method === 'string' && method !== 'JWT_PS384') {
      throw new AwsError(
        'UnsupportedDigitalSignatureMethodException',
        `Digital signature method '${method}' is not supported; use JWT_PS384.`,
      );
    }
  },
  handle: (input: CheckoutBorrowLicenseInput, ctx: OperationContext) =>
    ctx.idempotency.run('CheckoutBorrowLicense', input.ClientToken, input, ctx.now, () => {
      ctx.ledger.expire(ctx.now);
      const license = ctx.licenses.get(input.LicenseArn);
      if (license === undefined) {
        throw new AwsError('ResourceNotFoundException', `License ${input.LicenseArn} does not exist.`);
      }
      if (!license.isUsable(ctx.now)) throw notUsable(license, ctx.now);
      const borrow = license.borrowConfiguration();
      if (borrow === undefined) {
        throw new AwsError(
          'NoEntitlementsAllowedException',
          `No Entitlements Allowed: license ${license.arn} has no BorrowConfiguration, so it cannot be borrowed.`,
        );
      }
      const plan = planEntitlements(license, input.Entitlements, ctx.ledger, true);
      const token = ConsumptionLedger.newToken();
      const expiresAt = ctx.now + borrow.MaxTimeToLiveInMinutes * 60_000;
      const metadata = input.CheckoutMetadata ?? [];
      const signedToken = ctx.signer.sign({
        licenseArn: license.arn,
        licenseConsumptionToken: token,
        entitlementsAllowed: plan.allowed.map((e) => ({ name: e.Name, unit: e.Unit, value: e.Value })),
        nodeId: input.NodeId,
        issuedAt: formatCheckoutTime(ctx.now),
        expiration: formatCheckoutTime(expiresAt),
        checkoutMetadata: Object.fromEntries(metadata.map((m) => [m.Name ?? '', m.Value ?? ''])),
      });
      ctx.ledger.add({
        token,
        licenseArn: license.arn,
        kind: 'BORROW',
        allowed: plan.allowed,
        counted: plan.counted,
        issuedAt: ctx.now,
        expiresAt,
        nodeId: input.NodeId,
        allowEarlyCheckIn: borrow.AllowEarlyCheckIn,
      });
      return {
        LicenseArn: license.arn,
        LicenseConsumptionToken: token,
        EntitlementsAllowed: plan.allowed,
        ...(input.NodeId !== undefined ? { NodeId: input.NodeId } : {}),
        SignedToken: signedToken,
        IssuedAt: formatCheckoutTime(ctx.now),
        Expiration: formatCheckoutTime(expiresAt),
        ...(input.CheckoutMetadata !== undefined ? { CheckoutMetadata: input.CheckoutMetadata } : {}),
      };
    }),
};
