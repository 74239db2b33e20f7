import { AwsError } from '../protocol/aws-error.js';
import { formatCheckoutTime } from '../protocol/timestamps.js';
import type { Consumption } from '../state/consumption-ledger.js';
import type { OperationContext, OperationDefinition } from './context.js';

function liveConsumption(token: string, ctx: OperationContext): Consumption {
  ctx.ledger.expire(ctx.now);
  const consumption = ctx.ledger.get(token);
  if (consumption === undefined) {
    throw new AwsError(
      'ResourceNotFoundException',
      `License consumption token '${token}' is not active: it is unknown, was checked in, or expired.`,
    );
  }
  return consumption;
}

/**
 * CheckInLicense: returns a PROVISIONAL (or early-returnable BORROW) checkout's units to the pool.
 * A token that is unknown, already checked in or expired is ResourceNotFoundException; PERPETUAL
 * units and entitlements with `AllowCheckIn: false` cannot come back (ConflictException).
 */
export const checkInLicense: OperationDefinition = {
  handle: (input: { LicenseConsumptionToken: string; Beneficiary?: string }, ctx: OperationContext) => {
    const consumption = liveConsumption(input.LicenseConsumptionToken, ctx);
    if (consumption.kind === 'PERPETUAL') {
      throw new AwsError(
        'ConflictException',
        'PERPETUAL (drawdown) units are consumed for good and cannot be checked in.',
      );
    }
    if (consumption.kind === 'BORROW' && !consumption.allowEarlyCheckIn) {
      throw new AwsError(
        'ConflictException',
        'This borrowed license does not allow early check-in (BorrowConfiguration.AllowEarlyCheckIn is false).',
      );
    }
    const license = ctx.licenses.get(consumption.licenseArn);
    const locked = license?.current.terms.Entitlements.filter(
      (e) => e.AllowCheckIn === false && consumption.counted.has(e.Name),
    );
    if (locked !== undefined && locked.length > 0) {
      throw new AwsError(
        'ConflictException',
        `Entitlement '${locked[0]?.Name}' does not allow check-in (AllowCheckIn is false).`,
      );
    }
    ctx.ledger.checkIn(consumption, ctx.now);
    return undefined;
  },
};

/**
 * ExtendLicenseConsumption: moves a PROVISIONAL checkout's expiry to now + the license's TTL.
 * A dry run checks the token and permission and changes nothing.
 */
export const extendLicenseConsumption: OperationDefinition = {
  handle: (input: { LicenseConsumptionToken: string; DryRun?: boolean }, ctx: OperationContext) => {
    const consumption = liveConsumption(input.LicenseConsumptionToken, ctx);
    if (consumption.kind !== 'PROVISIONAL') {
      throw new AwsError(
        'ValidationException',
        `Only PROVISIONAL checkouts can be extended; this one is ${consumption.kind}.`,
      );
    }
    const license = ctx.licenses.get(consumption.licenseArn);
    if (license === undefined || !license.isUsable(ctx.now)) {
      throw new AwsError(
        'ResourceNotFoundException',
        `The license of this consumption is ${license?.statusAt(ctx.now) ?? 'gone'}; it can no longer be extended.`,
      );
    }
    if (input.DryRun !== true) ctx.ledger.extend(consumption, ctx.now + license.provisionalTtlMs());
    return {
      LicenseConsumptionToken: consumption.token,
      Expiration: formatCheckoutTime(consumption.expiresAt),
    };
  },
};
