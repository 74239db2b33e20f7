import { randomBytes } from 'node:crypto';
import type { ConsumptionConfiguration, License, LicenseTerms } from '../protocol/shapes.js';
import { formatCreateTime, parseIsoTime, type CreateTimeFormat } from '../protocol/timestamps.js';

/** The AWS account that issues every AWS Marketplace license. */
export const MARKETPLACE_ACCOUNT_ID = '294406891311';
/** Issuer name of AWS Marketplace licenses. */
export const MARKETPLACE_ISSUER_NAME = 'AWS/Marketplace';
/** Provisional TTL when a license does not set one (AWS Marketplace's fixed 60 minutes). */
export const DEFAULT_PROVISIONAL_TTL_MINUTES = 60;

/** `aws:<account>:<issuer name>:issuer-fingerprint`, as GetLicense reports `Issuer.KeyFingerprint`. */
export function fingerprintOf(accountId: string, issuerName: string): string {
  return `aws:${accountId}:${issuerName}:issuer-fingerprint`;
}

/** One immutable version of a license. */
export interface LicenseVersion {
  readonly number: number;
  readonly terms: LicenseTerms;
  readonly status: string;
  readonly createdAt: number;
}

/** A license with all its versions; the last version is the current one. */
export class LicenseRecord {
  /** The license ARN. */
  readonly arn: string;
  /** Account of the issuer: the emulator's account, or AWS Marketplace's. */
  readonly issuerAccountId: string;
  /** Issued as AWS Marketplace (issuer `AWS/Marketplace`, account 294406891311). */
  readonly marketplace: boolean;
  /** Fixed for the license's life (CreateLicenseVersion cannot change it). */
  readonly productSku: string;
  /** Fixed for the license's life. */
  readonly beneficiary: string;
  /** When the license was created (virtual clock). */
  readonly createdAt: number;
  /** Before this instant (virtual clock) the license is PENDING_AVAILABLE. */
  readonly availableAt: number;
  /** All versions, oldest first. */
  readonly versions: LicenseVersion[] = [];
  /** When DeleteLicense removed it. */
  deletedAt: number | undefined;

  constructor(init: {
    arn: string;
    issuerAccountId: string;
    marketplace: boolean;
    productSku: string;
    beneficiary: string;
    createdAt: number;
    availableAt: number;
  }) {
    this.arn = init.arn;
    this.issuerAccountId = init.issuerAccountId;
    this.marketplace = init.marketplace;
    this.productSku = init.productSku;
    this.beneficiary = init.beneficiary;
    this.createdAt = init.createdAt;
    this.availableAt = init.availableAt;
  }

  /** The current version. */
  get current(): LicenseVersion {
    return this.versions[this.versions.length - 1] as LicenseVersion;
  }

  /** The issuer fingerprint of the current version. */
  get fingerprint(): string {
    return fingerprintOf(this.issuerAccountId, this.current.terms.Issuer.Name);
  }

  /**
   * The status a caller sees now: the stored status, except that an AVAILABLE license is
   * PENDING_AVAILABLE during its propagation delay and EXPIRED once `Validity.End` has passed;
   * a deleted license is DELETED.
   */
  statusAt(now: number, version: LicenseVersion = this.current): string {
    if (this.deletedAt !== undefined) return 'DELETED';
    if (version.status !== 'AVAILABLE') return version.status;
    if (now < this.availableAt) return 'PENDING_AVAILABLE';
    const end = version.terms.Validity.End;
    if (end !== undefined && now >= parseIsoTime(end)) return 'EXPIRED';
    return 'AVAILABLE';
  }

  /** Whether the current version grants anything now: AVAILABLE and inside its validity. */
  isUsable(now: number): boolean {
    return this.statusAt(now) === 'AVAILABLE' && now >= parseIsoTime(this.current.terms.Validity.Begin);
  }

  /** TTL of provisional checkouts under the current version, in ms. */
  provisionalTtlMs(): number {
    const minutes =
      this.current.terms.ConsumptionConfiguration.ProvisionalConfiguration?.MaxTimeToLiveInMinutes ??
      DEFAULT_PROVISIONAL_TTL_MINUTES;
    return minutes * 60_000;
  }

  /** The borrow configuration of the current version, if any. */
  borrowConfiguration(): ConsumptionConfiguration['BorrowConfiguration'] {
    return this.current.terms.ConsumptionConfiguration.BorrowConfiguration;
  }

  /** The `License` wire shape of a version (the current one by default). */
  toLicense(now: number, createTimeFormat: CreateTimeFormat, version: LicenseVersion = this.current): License {
    const t = version.terms;
    const license: License = {
      LicenseArn: this.arn,
      LicenseName: t.LicenseName,
      ProductName: t.ProductName,
      ProductSKU: this.productSku,
      Issuer: {
        Name: t.Issuer.Name,
        ...(t.Issuer.SignKey !== undefined ? { SignKey: t.Issuer.SignKey } : {}),
        KeyFingerprint: fingerprintOf(this.issuerAccountId, t.Issuer.Name),
      },
      HomeRegion: t.HomeRegion,
      Status: this.statusAt(now, version),
      Validity: { ...t.Validity },
      Beneficiary: this.beneficiary,
      Entitlements: t.Entitlements.map((e) => ({ ...e })),
      ConsumptionConfiguration: structuredClone(t.ConsumptionConfiguration),
      CreateTime: formatCreateTime(version.createdAt, createTimeFormat),
      Version: String(version.number),
    };
    if (t.LicenseMetadata !== undefined) license.LicenseMetadata = t.LicenseMetadata.map((m) => ({ ...m }));
    return license;
  }
}

/** Every license the emulator knows, by ARN. */
export class LicenseStore {
  readonly #byArn = new Map<string, LicenseRecord>();

  /** A new license ARN under an account: `arn:aws:license-manager::<account>:license:l-<32 hex>`. */
  static newArn(accountId: string): string {
    return `arn:aws:license-manager::${accountId}:license:l-${randomBytes(16).toString('hex')}`;
  }

  /** Stores a license with its first version. */
  create(init: {
    arn: string;
    issuerAccountId: string;
    marketplace: boolean;
    terms: LicenseTerms & { ProductSKU: string; Beneficiary: string };
    status: string;
    now: number;
    availableAt: number;
  }): LicenseRecord {
    const record = new LicenseRecord({
      arn: init.arn,
      issuerAccountId: init.issuerAccountId,
      marketplace: init.marketplace,
      productSku: init.terms.ProductSKU,
      beneficiary: init.terms.Beneficiary,
      createdAt: init.now,
      availableAt: init.availableAt,
    });
    record.versions.push({ number: 1, terms: init.terms, status: init.status, createdAt: init.now });
    this.#byArn.set(record.arn, record);
    return record;
  }

  /** Adds a version that restates the whole license. */
  addVersion(record: LicenseRecord, terms: LicenseTerms, status: string, now: number): LicenseVersion {
    const version = { number: record.current.number + 1, terms, status, createdAt: now };
    record.versions.push(version);
    return version;
  }

  /** The license with this ARN. */
  get(arn: string): LicenseRecord | undefined {
    return this.#byArn.get(arn);
  }

  /** Whether an ARN is taken. */
  has(arn: string): boolean {
    return this.#byArn.has(arn);
  }

  /** All licenses, oldest first. */
  all(): IterableIterator<LicenseRecord> {
    return this.#byArn.values();
  }

  /** Number of licenses. */
  get size(): number {
    return this.#byArn.size;
  }

  /**
   * The licenses a checkout can target: same SKU and issuer fingerprint (and beneficiary when the
   * caller names one). When several match, the newest usable one wins, as users report of AWS.
   *
   * @returns `usable`, the license to check out from (if any), and `matched`, the newest license that
   *   matched at all (to tell "no such license" from "license not usable")
   */
  findForCheckout(
    productSku: string,
    fingerprint: string,
    beneficiary: string | undefined,
    now: number,
  ): { usable: LicenseRecord | undefined; matched: LicenseRecord | undefined } {
    let usable: LicenseRecord | undefined;
    let matched: LicenseRecord | undefined;
    for (const record of this.#byArn.values()) {
      if (record.productSku !== productSku || record.fingerprint !== fingerprint) continue;
      if (beneficiary !== undefined && record.beneficiary !== beneficiary) continue;
      if (matched === undefined || record.createdAt >= matched.createdAt) matched = record;
      if (record.isUsable(now) && (usable === undefined || record.createdAt >= usable.createdAt)) usable = record;
    }
    return { usable, matched };
  }
}
