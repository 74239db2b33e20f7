import { randomUUID } from 'node:crypto';
import {
  CheckInLicenseCommand,
  CheckoutLicenseCommand,
  ExtendLicenseConsumptionCommand,
  GetLicenseCommand,
  ListReceivedLicensesCommand,
  type License,
  type LicenseManagerClient,
} from '@aws-sdk/client-license-manager';
import { LicenseGateError } from '../errors.js';
import type { Logger } from '../logger.js';
import { classifyFailure, type ClassifiedFailure, type FailureKind } from './failure-kind.js';
import { parseLicenseTime } from './license-time.js';
import type { RetryPolicy } from './retry-options.js';
import { withRetry } from './retry.js';

/** One entitlement as a checkout asks for it or answers with it. */
export interface EntitlementRequest {
  readonly name: string;
  readonly unit: string;
  readonly value?: string;
}

/** What a successful CheckoutLicense answered. */
export interface CheckoutResult {
  /** The consumption token (keep it out of logs and status output). */
  readonly token: string;
  readonly licenseArn: string | undefined;
  readonly entitlements: readonly EntitlementRequest[];
  readonly issuedAt: number | undefined;
  readonly expiresAt: number | undefined;
}

/** What the engine keeps of a license (from GetLicense or ListReceivedLicenses). */
export interface LicenseInfo {
  readonly arn: string;
  readonly status: string;
  readonly version: string | undefined;
  readonly productSku: string | undefined;
  readonly keyFingerprint: string | undefined;
  readonly validFrom: number | undefined;
  /** `Validity.End`, or `undefined` for an open-ended license. */
  readonly validUntil: number | undefined;
  readonly createdAt: number | undefined;
  /** The license's entitlements: name, unit, the maximum of counted ones, and whether units may be checked in. */
  readonly entitlements: readonly {
    readonly name: string;
    readonly unit: string;
    readonly maxCount: number | undefined;
    /** `AllowCheckIn`: a checked-out unit may be returned (floating); `undefined` when the license does not say. */
    readonly allowCheckIn: boolean | undefined;
  }[];
  /** How long a PROVISIONAL checkout lasts (`ProvisionalConfiguration.MaxTimeToLiveInMinutes`), when the license says. */
  readonly provisionalTtlMs: number | undefined;
}

/**
 * A License Manager call that failed, after the retries the policy allows. `kind` says how the
 * engine treats it; `awsName` is the exception name License Manager (or the network) gave.
 */
export class LicenseManagerCallError extends LicenseGateError {
  readonly kind: FailureKind;
  readonly awsName: string;
  readonly operation: string;

  constructor(operation: string, failure: ClassifiedFailure, cause: unknown) {
    super(
      failure.kind === 'configuration'
        ? 'ERR_LG_LICENSE_MANAGER_CONFIGURATION'
        : failure.kind === 'definitive'
          ? 'ERR_LG_NO_LICENSE'
          : 'ERR_LG_LICENSE_UNAVAILABLE',
      `${operation} failed with ${failure.name}: ${failure.message || '(no message)'}${hintFor(operation, failure)}`,
      { cause },
    );
    this.kind = failure.kind;
    this.awsName = failure.name;
    this.operation = operation;
  }
}

/** How to fix a configuration failure, in a sentence. */
function hintFor(operation: string, failure: ClassifiedFailure): string {
  if (failure.kind !== 'configuration') return '';
  switch (failure.name) {
    case 'AccessDeniedException':
    case 'AuthorizationException':
      return ` — the role the app runs with needs license-manager:${operation} (the AWS Marketplace IAM policy lists CheckoutLicense, CheckInLicense, ExtendLicenseConsumption, GetLicense, ListReceivedLicenses).`;
    case 'UnrecognizedClientException':
    case 'InvalidSignatureException':
    case 'IncompleteSignatureException':
    case 'MissingAuthenticationTokenException':
    case 'ExpiredTokenException':
    case 'CredentialsProviderError':
      return ' — the AWS credentials are missing or invalid; run the app with an instance, task or pod role (never configure keys in code).';
    case 'RedirectException':
      return ' — the client is configured for the wrong Region.';
    default:
      return ' — the request was refused as malformed; check productSku, keyFingerprint and entitlement names.';
  }
}

/** Settings of a {@link LicenseSource}. */
export interface LicenseSourceOptions {
  readonly client: LicenseManagerClient;
  readonly productSku: string;
  readonly keyFingerprint: string;
  readonly retry: RetryPolicy;
  /** Each attempt is aborted after this long. */
  readonly callTimeoutMs: number;
  readonly logger: Logger;
}

/**
 * Every License Manager call the engine makes, in one place: retries with backoff and jitter for
 * transient failures, a timeout per attempt, failures sorted into definitive / transient /
 * configuration, times parsed whatever their form, and a count of calls.
 */
export class LicenseSource {
  readonly #options: LicenseSourceOptions;
  #calls = 0;

  constructor(options: LicenseSourceOptions) {
    this.#options = options;
  }

  /** License Manager calls made (attempts, retries included). */
  get calls(): number {
    return this.#calls;
  }

  /**
   * CheckoutLicense for this gate's product.
   * @param clientToken - reuse the same token when retrying the same checkout later (idempotency)
   */
  async checkout(request: {
    checkoutType: 'PROVISIONAL' | 'PERPETUAL';
    entitlements: readonly EntitlementRequest[];
    clientToken?: string;
    nodeId?: string;
    beneficiary?: string;
  }): Promise<CheckoutResult> {
    const { productSku, keyFingerprint } = this.#options;
    const clientToken = request.clientToken ?? randomUUID();
    const answer = await this.#call('CheckoutLicense', (signal) =>
      this.#options.client.send(
        new CheckoutLicenseCommand({
          ProductSKU: productSku,
          CheckoutType: request.checkoutType,
          KeyFingerprint: keyFingerprint,
          Entitlements: request.entitlements.map((e) => ({
            Name: e.name,
            Unit: e.unit as never,
            ...(e.value !== undefined ? { Value: e.value } : {}),
          })),
          ClientToken: clientToken,
          ...(request.nodeId !== undefined ? { NodeId: request.nodeId } : {}),
          ...(request.beneficiary !== undefined ? { Beneficiary: request.beneficiary } : {}),
        }),
        { abortSignal: signal },
      ),
    );
    if (answer.LicenseConsumptionToken === undefined) {
      throw new LicenseManagerCallError(
        'CheckoutLicense',
        {
          kind: 'transient',
          name: 'MalformedAnswer',
          message: 'the answer has no LicenseConsumptionToken',
          status: 200,
        },
        undefined,
      );
    }
    return {
      token: answer.LicenseConsumptionToken,
      licenseArn: answer.LicenseArn,
      entitlements: (answer.EntitlementsAllowed ?? []).map((e) => ({
        name: e.Name ?? '',
        unit: e.Unit ?? 'None',
        ...(e.Value !== undefined ? { value: e.Value } : {}),
      })),
      issuedAt: parseLicenseTime(answer.IssuedAt),
      expiresAt: parseLicenseTime(answer.Expiration),
    };
  }

  /**
   * CheckInLicense. A token License Manager no longer knows (already checked in, or expired) counts
   * as checked in: returning a seat twice is not an error.
   * @returns `false` when the token was already gone
   */
  async checkIn(token: string): Promise<boolean> {
    try {
      await this.#call('CheckInLicense', (signal) =>
        this.#options.client.send(new CheckInLicenseCommand({ LicenseConsumptionToken: token }), {
          abortSignal: signal,
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof LicenseManagerCallError && error.awsName === 'ResourceNotFoundException') return false;
      throw error;
    }
  }

  /** ExtendLicenseConsumption: the new expiry (epoch ms), when License Manager says it. */
  async extend(token: string): Promise<number | undefined> {
    const answer = await this.#call('ExtendLicenseConsumption', (signal) =>
      this.#options.client.send(new ExtendLicenseConsumptionCommand({ LicenseConsumptionToken: token }), {
        abortSignal: signal,
      }),
    );
    return parseLicenseTime(answer.Expiration);
  }

  /** GetLicense. */
  async getLicense(arn: string): Promise<LicenseInfo> {
    const answer = await this.#call('GetLicense', (signal) =>
      this.#options.client.send(new GetLicenseCommand({ LicenseArn: arn }), { abortSignal: signal }),
    );
    if (answer.License === undefined) {
      throw new LicenseManagerCallError(
        'GetLicense',
        { kind: 'transient', name: 'MalformedAnswer', message: 'the answer has no License', status: 200 },
        undefined,
      );
    }
    return licenseInfo(answer.License);
  }

  /**
   * The newest license received for this product and issuer (ListReceivedLicenses filtered by SKU
   * and fingerprint, every page), or `undefined` when there is none.
   */
  async findLicense(): Promise<LicenseInfo | undefined> {
    const filters = [
      { Name: 'ProductSKU', Values: [this.#options.productSku] },
      { Name: 'Fingerprint', Values: [this.#options.keyFingerprint] },
    ];
    let newest: LicenseInfo | undefined;
    let nextToken: string | undefined;
    do {
      const token = nextToken;
      const answer = await this.#call('ListReceivedLicenses', (signal) =>
        this.#options.client.send(
          new ListReceivedLicensesCommand({
            Filters: filters,
            MaxResults: 100,
            ...(token !== undefined ? { NextToken: token } : {}),
          }),
          { abortSignal: signal },
        ),
      );
      for (const license of answer.Licenses ?? []) {
        const info = licenseInfo(license);
        if (newest === undefined || (info.createdAt ?? 0) >= (newest.createdAt ?? 0)) newest = info;
      }
      nextToken = answer.NextToken;
    } while (nextToken !== undefined);
    return newest;
  }

  async #call<T>(operation: string, send: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const { retry, callTimeoutMs, logger } = this.#options;
    try {
      return await withRetry(
        () => {
          this.#calls++;
          return send(AbortSignal.timeout(callTimeoutMs));
        },
        classifyFailure,
        retry,
        (failure, attempt, delayMs) =>
          logger.debug(
            { event: 'licensegate.retry', operation, error: failure.name, attempt, delayMs: Math.round(delayMs) },
            `${operation} failed (${failure.name}); retrying`,
          ),
      );
    } catch (error) {
      throw new LicenseManagerCallError(operation, classifyFailure(error), error);
    }
  }
}

function licenseInfo(license: License): LicenseInfo {
  return {
    arn: license.LicenseArn ?? '',
    status: license.Status ?? 'UNKNOWN',
    version: license.Version,
    productSku: license.ProductSKU,
    keyFingerprint: license.Issuer?.KeyFingerprint,
    validFrom: parseLicenseTime(license.Validity?.Begin),
    validUntil: parseLicenseTime(license.Validity?.End),
    createdAt: parseLicenseTime(license.CreateTime),
    entitlements: (license.Entitlements ?? []).map((e) => ({
      name: e.Name ?? '',
      unit: e.Unit ?? 'None',
      maxCount: e.MaxCount,
      allowCheckIn: e.AllowCheckIn,
    })),
    provisionalTtlMs: minutesToMs(license.ConsumptionConfiguration?.ProvisionalConfiguration?.MaxTimeToLiveInMinutes),
  };
}

function minutesToMs(minutes: number | undefined): number | undefined {
  return typeof minutes === 'number' && Number.isFinite(minutes) ? minutes * 60_000 : undefined;
}
