import type { ResolvedOptions } from '../options.js';

/** A License Manager action the configuration makes the engine call, and why. */
export interface NeededAction {
  readonly action:
    'CheckoutLicense' | 'CheckInLicense' | 'ExtendLicenseConsumption' | 'GetLicense' | 'ListReceivedLicenses';
  /** Which model calls it, for what (the calls are those of ARCHITECTURE.md, "The three models"). */
  readonly why: string;
}

/**
 * The actions a gate with these options calls, from what the engine does (ARCHITECTURE.md, "The
 * three models"): tiers check out every tier, read the license, look it up when a checkout is
 * refused and check the superseded checkout in; seats check out, extend and check in; drawdown
 * checks units out; a gate without tiers reads its license through the poller.
 */
export function neededActions(options: Pick<ResolvedOptions, 'tiers' | 'seats' | 'drawdown'>): NeededAction[] {
  const tiers = options.tiers.length > 0;
  const seats = options.seats !== undefined;
  const drawdown = options.drawdown.size > 0;
  const checkoutUses = [
    tiers ? 'tiers (a PROVISIONAL checkout of every tier)' : '',
    seats ? 'seats (one PROVISIONAL unit per seat)' : '',
    drawdown ? 'drawdown (PERPETUAL units)' : '',
  ].filter((use) => use !== '');
  const actions: NeededAction[] = [
    {
      action: 'ListReceivedLicenses',
      why: tiers
        ? 'tiers: says why a checkout was refused'
        : 'the license poller finds the license by SKU and fingerprint',
    },
    { action: 'GetLicense', why: 'reads the license: status, validity, versions' },
    { action: 'CheckoutLicense', why: checkoutUses.join('; ') },
  ];
  if (tiers || seats) {
    actions.push({
      action: 'CheckInLicense',
      why: [
        tiers ? 'tiers: returns the superseded tier checkout' : '',
        seats ? 'seats: returns a seat at logout, idle and stop' : '',
      ]
        .filter((use) => use !== '')
        .join('; '),
    });
  }
  if (seats) actions.push({ action: 'ExtendLicenseConsumption', why: 'seats: keeps a held seat past its lease' });
  return actions;
}
