/**
 * The License Manager wire shapes the emulator reads and writes (PascalCase, as on the wire).
 * Only what the emulated operations use; the full model is in `model/service-model.json`.
 */

/** One entitlement of a license (`Entitlement`). */
export interface Entitlement {
  Name: string;
  Unit: string;
  Value?: string;
  MaxCount?: number;
  Overage?: boolean;
  AllowCheckIn?: boolean;
}

/** One entitlement in a checkout request or answer (`EntitlementData`). */
export interface EntitlementData {
  Name: string;
  Unit: string;
  Value?: string;
}

/** `IssuerDetails` as GetLicense reports it. */
export interface IssuerDetails {
  Name: string;
  SignKey?: string;
  KeyFingerprint: string;
}

/** `DatetimeRange`: the license's validity. */
export interface DatetimeRange {
  Begin: string;
  End?: string;
}

/** `ConsumptionConfiguration`. */
export interface ConsumptionConfiguration {
  RenewType?: string;
  ProvisionalConfiguration?: { MaxTimeToLiveInMinutes: number };
  BorrowConfiguration?: { AllowEarlyCheckIn: boolean; MaxTimeToLiveInMinutes: number };
}

/** A name/value pair (`Metadata`). */
export interface Metadata {
  Name?: string;
  Value?: string;
}

/** The `License` shape returned by GetLicense and the list operations. */
export interface License {
  LicenseArn: string;
  LicenseName: string;
  ProductName: string;
  ProductSKU: string;
  Issuer: IssuerDetails;
  HomeRegion: string;
  Status: string;
  Validity: DatetimeRange;
  Beneficiary: string;
  Entitlements: Entitlement[];
  ConsumptionConfiguration: ConsumptionConfiguration;
  LicenseMetadata?: Metadata[];
  CreateTime: string;
  Version: string;
}

/** The terms of a license as CreateLicense and CreateLicenseVersion state them. */
export interface LicenseTerms {
  LicenseName: string;
  ProductName: string;
  ProductSKU?: string;
  Issuer: { Name: string; SignKey?: string };
  HomeRegion: string;
  Validity: DatetimeRange;
  Entitlements: Entitlement[];
  Beneficiary?: string;
  ConsumptionConfiguration: ConsumptionConfiguration;
  LicenseMetadata?: Metadata[];
}
