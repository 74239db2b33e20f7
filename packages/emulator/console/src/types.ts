/** The shapes of `GET /_emulator/overview` the page reads (see src/console/overview.ts). */

/** An entitlement with its usage now and over time. */
export interface Entitlement {
  Name: string;
  Unit: string;
  Value?: string;
  MaxCount?: number;
  Overage?: boolean;
  AllowCheckIn?: boolean;
}

/** An entitlement of the overview: with usage and history (`[virtual epoch ms, held, consumed]`). */
export interface EntitlementView extends Entitlement {
  held: number;
  consumed: number;
  history: [number, number, number][];
}

/** A license's current version, with usage. */
export interface LicenseView {
  LicenseArn: string;
  LicenseName: string;
  ProductName: string;
  ProductSKU: string;
  Issuer: { Name: string; KeyFingerprint: string };
  Status: string;
  Version: string;
  versions: number;
  marketplace: boolean;
  Validity: { Begin: string; End?: string };
  Entitlements: EntitlementView[];
}

/** A live consumption (token cut short). */
export interface ConsumptionView {
  token: string;
  licenseArn: string;
  productSku: string;
  kind: string;
  checkout: string;
  entitlements: { Name: string; Unit: string; Value?: string }[];
  issuedAt: string;
  expiration: string | null;
  nodeId: string | null;
}

/** An injected fault. */
export interface Fault {
  id: number;
  operation: string;
  kind: 'error' | 'latency' | 'drop';
  spec: { error?: string; latencyMs?: number };
  remaining: number | null;
  struck: number;
}

/** One AWS call of the request log. */
export interface LoggedCall {
  id: number;
  at: string;
  virtualAt: string;
  operation: string;
  outcome: 'ok' | 'error' | 'dropped';
  status: number;
  latencyMs: number;
  error?: string;
  message?: string;
  fault: boolean;
}

/** The whole overview. */
export interface Overview {
  now: string;
  epochMs: number;
  offsetMs: number;
  since: number;
  licenses: LicenseView[];
  consumptions: ConsumptionView[];
  faults: Fault[];
  calls: LoggedCall[];
}
