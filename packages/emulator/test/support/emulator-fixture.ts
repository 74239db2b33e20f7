/**
 * Shared helpers of the emulator's integration suites: start and stop an emulator on 127.0.0.1
 * (port 0), build real `@aws-sdk/client-license-manager` clients against it (one attempt, fixed test
 * credentials), build seed licenses, call the AWS protocol with raw `fetch`, and read the state.
 */
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { request as httpRequestRaw, type IncomingHttpHeaders } from 'node:http';

import {
  CheckoutLicenseCommand,
  GetLicenseUsageCommand,
  LicenseManagerClient,
  type CheckoutLicenseCommandOutput,
  type CheckoutType,
  type EntitlementData,
  type EntitlementUnit,
} from '@aws-sdk/client-license-manager';

import { startEmulator, type EmulatorOptions, type RunningEmulator, type SeedLicense } from '../../src/index.js';

/** The AWS Marketplace issuer fingerprint: a literal constant (ARCHITECTURE.md F-5). */
export const MARKETPLACE_FINGERPRINT = 'aws:294406891311:AWS/Marketplace:issuer-fingerprint';
/** AWS Marketplace's account, issuer of every Marketplace license. */
export const MARKETPLACE_ACCOUNT = '294406891311';
/** The emulator's own account when none is configured (issuer of seller licenses). */
export const EMULATOR_ACCOUNT = '123456789012';
/** Region every test client signs for, and the seeds' home Region. */
export const REGION = 'us-east-1';
/** Credentials of every test client (the default `signed` auth mode does not check them). */
export const CREDENTIALS = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' } as const;

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** The fingerprint of a seller-issued license: `aws:<account>:<Issuer.Name>:issuer-fingerprint`. */
export function sellerFingerprint(issuerName: string, accountId: string = EMULATOR_ACCOUNT): string {
  return `aws:${accountId}:${issuerName}:issuer-fingerprint`;
}

/** A fixed license ARN derived from a name, so that an ARN survives `reset()`. */
export function arnFor(name: string, accountId: string = MARKETPLACE_ACCOUNT): string {
  const hex = createHash('sha256').update(name).digest('hex').slice(0, 32);
  return `arn:aws:license-manager::${accountId}:license:l-${hex}`;
}

/** A fresh ClientToken. */
export function newToken(): string {
  return randomUUID();
}

// ------------------------------------------------------------------------------------ seeds

/** An entitlement of a seed license, typed so that it also fits the SDK's `Entitlement`. */
export interface Entitlement {
  Name: string;
  Unit: EntitlementUnit;
  Value?: string;
  MaxCount?: number;
  Overage?: boolean;
  AllowCheckIn?: boolean;
}

/** Options of the seed builders: anything of a seed license may be overridden. */
export type SeedOverrides = Partial<SeedLicense>;

/** An AWS Marketplace seed license with a fixed ARN (derived from the SKU), valid -1d..+365d, TTL 60 min. */
export function marketplaceSeed(sku: string, entitlements: Entitlement[], overrides: SeedOverrides = {}): SeedLicense {
  return {
    AwsMarketplace: true,
    LicenseArn: arnFor(sku),
    LicenseName: `${sku} license`,
    ProductName: `${sku} product`,
    ProductSKU: sku,
    Issuer: { Name: 'AWS/Marketplace' },
    HomeRegion: REGION,
    Validity: { Begin: '-1d', End: '+365d' },
    Entitlements: entitlements,
    Beneficiary: EMULATOR_ACCOUNT,
    ConsumptionConfiguration: { RenewType: 'None', ProvisionalConfiguration: { MaxTimeToLiveInMinutes: 60 } },
    ...overrides,
  };
}

/** A seller-issued seed license (issuer `issuerName`, the emulator's account), fixed ARN. */
export function sellerSeed(
  sku: string,
  issuerName: string,
  entitlements: Entitlement[],
  overrides: SeedOverrides = {},
): SeedLicense {
  return marketplaceSeed(sku, entitlements, {
    AwsMarketplace: false,
    LicenseArn: arnFor(sku, EMULATOR_ACCOUNT),
    Issuer: { Name: issuerName },
    ...overrides,
  });
}

/** A tier entitlement as AWS Marketplace tiered products carry it. */
export function tier(name: string): Entitlement {
  return { Name: name, Value: 'Enabled', Unit: 'None' };
}

/** A counted entitlement (floating seats or drawdown units). */
export function counted(name: string, maxCount: number, extra: Partial<Entitlement> = {}): Entitlement {
  return { Name: name, MaxCount: maxCount, Overage: false, Unit: 'Count', AllowCheckIn: true, ...extra };
}

/** The tiers an app lists in one tier checkout (ARCHITECTURE.md F-6). */
export const ALL_TIERS: EntitlementData[] = [
  { Name: 'Basic', Unit: 'None' },
  { Name: 'Intermediate', Unit: 'None' },
  { Name: 'Premium', Unit: 'None' },
];

/** SKUs and ARNs of {@link standardSeeds}. */
export const TIERED_SKU = 'sku-tiered';
export const CONFIGURABLE_SKU = 'sku-configurable';
export const TIERED_ARN = arnFor(TIERED_SKU);
export const CONFIGURABLE_ARN = arnFor(CONFIGURABLE_SKU);

/**
 * A Marketplace tiered license (bought tier: Intermediate) and a Marketplace configurable license
 * (ConcurrentUsers 5 floating, DataConsumption 1000 drawdown), like the demo file but with fixed ARNs.
 */
export function standardSeeds(): SeedLicense[] {
  return [
    marketplaceSeed(TIERED_SKU, [tier('Intermediate')]),
    marketplaceSeed(CONFIGURABLE_SKU, [counted('ConcurrentUsers', 5), counted('DataConsumption', 1000)]),
  ];
}

// ------------------------------------------------------------------------------------ emulator and clients

/** What a test may override when building a client. */
export interface ClientOptions {
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  maxAttempts?: number;
}

/** A real SDK client against an emulator: one attempt, test credentials, us-east-1. */
export function clientFor(url: string, options: ClientOptions = {}): LicenseManagerClient {
  return new LicenseManagerClient({
    endpoint: url,
    region: options.region ?? REGION,
    credentials: options.credentials ?? CREDENTIALS,
    maxAttempts: options.maxAttempts ?? 1,
  });
}

/** A running emulator and the clients made for it, closed together. */
export interface EmulatorContext {
  /** The running emulator (throws before the hook has started it). */
  readonly running: RunningEmulator;
  /** The default client. */
  readonly client: LicenseManagerClient;
  /** Another client, destroyed with the emulator. */
  clientFor(options?: ClientOptions): LicenseManagerClient;
}

class Context implements EmulatorContext {
  #running: RunningEmulator | undefined;
  #client: LicenseManagerClient | undefined;
  readonly #clients: LicenseManagerClient[] = [];

  get running(): RunningEmulator {
    assert.ok(this.#running !== undefined, 'the emulator is not running');
    return this.#running;
  }

  get client(): LicenseManagerClient {
    this.#client ??= this.clientFor();
    return this.#client;
  }

  clientFor(options: ClientOptions = {}): LicenseManagerClient {
    const client = clientFor(this.running.url, options);
    this.#clients.push(client);
    return client;
  }

  async start(options: EmulatorOptions): Promise<void> {
    this.#running = await startEmulator({ port: 0, host: '127.0.0.1', ...options });
  }

  async stop(): Promise<void> {
    for (const client of this.#clients.splice(0)) client.destroy();
    this.#client = undefined;
    const running = this.#running;
    this.#running = undefined;
    await running?.close();
  }
}

/**
 * Registers mocha hooks that start an emulator before each test and close it and its clients
 * after. With `each: false` one emulator serves the whole block and is `reset()` before each test
 * (same signing key, seed licenses planted again with their fixed ARNs, real time, no faults).
 */
export function useEmulator(
  options: EmulatorOptions | (() => EmulatorOptions) = {},
  { each = true }: { each?: boolean } = {},
): EmulatorContext {
  const context = new Context();
  const start = () => context.start(typeof options === 'function' ? options() : options);
  const stop = () => context.stop();
  if (each) {
    beforeEach(start);
    afterEach(stop);
  } else {
    before(start);
    beforeEach(() => context.running.reset());
    after(stop);
  }
  return context;
}

/** Starts an emulator for one test; the caller closes it (in a `finally` or `after`). */
export async function startTestEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  return startEmulator({ port: 0, host: '127.0.0.1', ...options });
}

// ------------------------------------------------------------------------------------ calls and errors

/** What a failed SDK call throws (service errors and socket errors alike). */
export interface SdkError extends Error {
  $metadata: { httpStatusCode?: number; requestId?: string; attempts?: number };
  $fault?: 'client' | 'server';
  code?: string;
  Location?: string;
}

/** Awaits a call that must fail, and returns what it threw. */
export async function rejection(call: Promise<unknown>): Promise<SdkError> {
  try {
    await call;
  } catch (error) {
    return error as SdkError;
  }
  assert.fail('the call succeeded; it should have failed');
}

/** Awaits a call that must fail with AWS error `name` at HTTP `status`; returns the error. */
export async function expectAwsError(call: Promise<unknown>, name: string, status: number): Promise<SdkError> {
  const error = await rejection(call);
  assert.equal(error.name, name, `expected ${name}, got ${error.name}: ${error.message}`);
  assert.equal(error.$metadata.httpStatusCode, status, `${name} came with HTTP ${error.$metadata.httpStatusCode}`);
  return error;
}

/** Input of {@link checkout}: CheckoutLicense's request with defaults. */
export interface CheckoutInput {
  sku?: string;
  type?: CheckoutType;
  fingerprint?: string;
  entitlements?: EntitlementData[];
  clientToken?: string;
  beneficiary?: string;
  nodeId?: string;
}

/** CheckoutLicense of `Value` seats of ConcurrentUsers on the configurable license, unless told otherwise. */
export function checkout(
  client: LicenseManagerClient,
  input: CheckoutInput = {},
): Promise<CheckoutLicenseCommandOutput> {
  return client.send(
    new CheckoutLicenseCommand({
      ProductSKU: input.sku ?? CONFIGURABLE_SKU,
      CheckoutType: input.type ?? 'PROVISIONAL',
      KeyFingerprint: input.fingerprint ?? MARKETPLACE_FINGERPRINT,
      Entitlements: input.entitlements ?? [{ Name: 'ConcurrentUsers', Unit: 'Count', Value: '1' }],
      ClientToken: input.clientToken ?? newToken(),
      ...(input.beneficiary !== undefined ? { Beneficiary: input.beneficiary } : {}),
      ...(input.nodeId !== undefined ? { NodeId: input.nodeId } : {}),
    }),
  );
}

/** `ConsumedValue` of each counted entitlement of a license, from GetLicenseUsage. */
export async function usageOf(client: LicenseManagerClient, licenseArn: string): Promise<Record<string, string>> {
  const answer = await client.send(new GetLicenseUsageCommand({ LicenseArn: licenseArn }));
  // fromEntries defines own properties, so that an entitlement named `__proto__` is a key like any other.
  return Object.fromEntries(
    (answer.LicenseUsage?.EntitlementUsages ?? []).map((entry) => [entry.Name ?? '', entry.ConsumedValue ?? '']),
  );
}

/** The licenses and consumptions of the emulator's state (what a refused request must not change). */
export function stateOf(running: RunningEmulator): { licenses: unknown; consumptions: unknown } {
  const dump = running.emulator.dump();
  return { licenses: dump.licenses, consumptions: dump.consumptions };
}

// ------------------------------------------------------------------------------------ raw HTTP

/**
 * A well-formed SigV4 Authorization header (what the default `signed` auth mode asks for; it does
 * not check the signature), with the `X-Amz-Date` it names. Strict mode also wants `host` and every
 * `x-amz-*` header among `signedHeaders` before it looks at the (made-up) signature.
 */
export function fakeSigV4Headers(
  region: string = REGION,
  signedHeaders: string = 'host;x-amz-date',
): Record<string, string> {
  const amzDate = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  return {
    Authorization:
      `AWS4-HMAC-SHA256 Credential=${CREDENTIALS.accessKeyId}/${amzDate.slice(0, 8)}/${region}/license-manager/aws4_request, ` +
      `SignedHeaders=${signedHeaders}, Signature=0123456789abcdef`,
    'X-Amz-Date': amzDate,
  };
}

/** An answer read in full. */
export interface RawAnswer {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON, when it is JSON. */
  json: Record<string, unknown> | undefined;
}

/** Options of {@link rawCall}. */
export interface RawCallOptions {
  method?: string;
  path?: string;
  /** Body as sent; an object is JSON-encoded. */
  body?: string | object | Buffer;
  /** Headers added to (or replacing) the defaults; `undefined` removes a default. */
  headers?: Record<string, string | undefined>;
  /** Send the fake SigV4 headers (default true). */
  auth?: boolean;
}

/** One request of the AWS protocol with node's fetch: `POST /`, JSON 1.1, `X-Amz-Target` of `target`. */
export async function rawCall(
  url: string,
  target: string | undefined,
  options: RawCallOptions = {},
): Promise<RawAnswer> {
  const headers: Record<string, string | undefined> = {
    'Content-Type': 'application/x-amz-json-1.1',
    ...(target !== undefined ? { 'X-Amz-Target': `AWSLicenseManager.${target}` } : {}),
    ...(options.auth === false ? {} : fakeSigV4Headers()),
    ...options.headers,
  };
  const sent: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) sent[name] = value;
  const body = options.body;
  const response = await fetch(`${url}${options.path ?? '/'}`, {
    method: options.method ?? 'POST',
    headers: sent,
    // An AWS client does not follow RedirectException's 308.
    redirect: 'manual',
    ...(body === undefined
      ? {}
      : { body: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body) }),
  });
  return readAnswer(response);
}

/** Reads a fetch response in full. */
export async function readAnswer(response: Response): Promise<RawAnswer> {
  const text = await response.text();
  let json: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed))
      json = parsed as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** Asserts a raw answer is AWS error `name` at `status`, with a consistent body and headers. */
export function assertRawError(answer: RawAnswer, name: string, status: number): void {
  assert.equal(answer.json?.['__type'], name, `expected ${name}, got ${answer.text}`);
  assert.equal(answer.status, status);
  assert.equal(answer.headers.get('x-amzn-errortype'), name);
  assert.equal(answer.headers.get('content-type'), 'application/x-amz-json-1.1');
  assert.equal(typeof answer.json?.['Message'], 'string');
  assert.equal(answer.json?.['message'], answer.json?.['Message']);
}

/**
 * A JSON request to the admin path `/_emulator/...` (`content-type: application/json` when it has a
 * body), with the admin token when one is given.
 */
export async function admin(
  url: string,
  method: string,
  path: string,
  body?: unknown,
  adminToken?: string,
): Promise<RawAnswer> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (adminToken !== undefined) headers['authorization'] = `Bearer ${adminToken}`;
  const response = await fetch(`${url}/_emulator${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return readAnswer(response);
}

/** An answer of {@link httpRequest}. */
export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** The body parsed as JSON, when it is a JSON object. */
  json: Record<string, unknown> | undefined;
}

/**
 * One request with node:http, which (unlike fetch) sends any `Host` and `Origin` header it is given:
 * what a browser sends after DNS rebinding, or from another site's page.
 */
export function httpRequest(
  url: string,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const request = httpRequestRaw(
      new URL(options.path, url),
      { method: options.method ?? 'GET', headers: options.headers ?? {} },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: Record<string, unknown> | undefined;
          try {
            const parsed: unknown = JSON.parse(text);
            if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed))
              json = parsed as Record<string, unknown>;
          } catch {
            json = undefined;
          }
          resolve({ status: response.statusCode ?? 0, headers: response.headers, text, json });
        });
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(options.body);
  });
}
