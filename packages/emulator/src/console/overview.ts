import type { Fault } from '../faults.js';
import type { Entitlement, License } from '../protocol/shapes.js';
import { formatCheckoutTime, type CreateTimeFormat } from '../protocol/timestamps.js';
import type { ConsumptionLedger } from '../state/consumption-ledger.js';
import type { LicenseStore } from '../state/license-store.js';
import type { LoggedCall, RequestLog } from './request-log.js';
import type { UsageHistory } from './usage-history.js';

/** Characters of a consumption token the console shows. */
const TOKEN_SHOWN = 8;

/** Consumptions the overview lists at most (the newest). */
const CONSUMPTIONS_SHOWN = 500;

/** An entitlement with its usage now and over time. */
export interface EntitlementView extends Entitlement {
  /** Units held by live PROVISIONAL and BORROW checkouts. */
  held: number;
  /** Units consumed for good. */
  consumed: number;
  /** Changes since the window's start: `[virtual epoch ms, held, consumed]` (counted entitlements only). */
  history: [number, number, number][];
}

/** A license as the console shows it: its current version, with usage. */
export interface LicenseView extends Omit<License, 'Entitlements'> {
  /** Issued as AWS Marketplace. */
  marketplace: boolean;
  /** How many versions it has. */
  versions: number;
  Entitlements: EntitlementView[];
}

/** A live consumption, its token cut short. */
export interface ConsumptionView {
  /** The token's first characters and `…`: enough to tell tokens apart, not to use one. */
  token: string;
  licenseArn: string;
  productSku: string;
  /** PROVISIONAL, PERPETUAL or BORROW. */
  kind: string;
  /** The checkout that made it: `CheckoutLicense` or `CheckoutBorrowLicense`. */
  checkout: string;
  /** What it holds. */
  entitlements: { Name: string; Unit: string; Value?: string }[];
  issuedAt: string;
  /** When it returns its units by itself (none for PERPETUAL). */
  expiration: string | null;
  nodeId: string | null;
}

/** Everything the console page shows, in one answer of `GET /_emulator/overview`. */
export interface ConsoleOverview {
  /** The virtual clock. */
  now: string;
  epochMs: number;
  offsetMs: number;
  /** Start of the charts' window (virtual epoch ms). */
  since: number;
  licenses: LicenseView[];
  consumptions: ConsumptionView[];
  faults: readonly Fault[];
  /** The last AWS calls, oldest first. */
  calls: LoggedCall[];
}

/** What {@link consoleOverview} reads. */
export interface OverviewSources {
  now: number;
  offsetMs: number;
  since: number;
  licenses: LicenseStore;
  ledger: ConsumptionLedger;
  history: UsageHistory | undefined;
  requestLog: RequestLog | undefined;
  faults: readonly Fault[];
  createTimeFormat: CreateTimeFormat;
}

/** Builds the console's view of the emulator (after expiry has been applied to the ledger). */
export function consoleOverview(s: OverviewSources): ConsoleOverview {
  const skuOf = new Map<string, string>();
  const licenses = [...s.licenses.all()].map((record): LicenseView => {
    skuOf.set(record.arn, record.productSku);
    const license = record.toLicense(s.now, s.createTimeFormat);
    return {
      ...license,
      marketplace: record.marketplace,
      versions: record.versions.length,
      Entitlements: license.Entitlements.map((e) => {
        const usage = s.ledger.usageOf(record.arn, e.Name);
        const history =
          e.Unit === 'None' || s.history === undefined
            ? []
            : s.history
                .pointsOf(record.arn, e.Name, s.since)
                .map((p): [number, number, number] => [p.t, p.held, p.consumed]);
        return { ...e, held: usage.held, consumed: usage.consumed, history };
      }),
    };
  });
  const consumptions = [...s.ledger.all()].slice(-CONSUMPTIONS_SHOWN).map((c): ConsumptionView => ({
    token: `${c.token.slice(0, TOKEN_SHOWN)}…`,
    licenseArn: c.licenseArn,
    productSku: skuOf.get(c.licenseArn) ?? '',
    kind: c.kind,
    checkout: c.kind === 'BORROW' ? 'CheckoutBorrowLicense' : 'CheckoutLicense',
    entitlements: c.allowed.map((e) => ({ ...e })),
    issuedAt: formatCheckoutTime(c.issuedAt),
    expiration: c.kind === 'PERPETUAL' ? null : formatCheckoutTime(c.expiresAt),
    nodeId: c.nodeId ?? null,
  }));
  return {
    now: new Date(s.now).toISOString(),
    epochMs: s.now,
    offsetMs: s.offsetMs,
    since: s.since,
    licenses,
    consumptions,
    faults: s.faults,
    calls: s.requestLog?.list() ?? [],
  };
}
