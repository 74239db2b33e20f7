import { checkAccessKeys } from './auth/access-key-spec.js';
import type { AccessKey } from './auth/sigv4.js';
import { VirtualClock } from './clock.js';
import { EmulatorError, internalError } from './emulator-error.js';
import { AwsError } from './protocol/aws-error.js';
import { checkFaultSpec, FaultRegistry, type Fault } from './faults.js';
import { validateInput } from './model/validate.js';
import { BorrowSigner } from './operations/borrow-signer.js';
import type { OperationContext } from './operations/context.js';
import { OPERATIONS } from './operations/index.js';
import type { StatusMode } from './protocol/status-table.js';
import type { CreateTimeFormat } from './protocol/timestamps.js';
import { formatCheckoutTime } from './protocol/timestamps.js';
import { checkSeed, plantSeed, readSeedFile } from './seed.js';
import { consoleOverview, type ConsoleOverview } from './console/overview.js';
import { versionRequest } from './console/license-version.js';
import { RequestLog } from './console/request-log.js';
import { UsageHistory } from './console/usage-history.js';
import { ConsumptionLedger } from './state/consumption-ledger.js';
import { DEFAULT_IDEMPOTENCY_WINDOW_MS, IdempotencyCache } from './state/idempotency-cache.js';
import { LicenseStore } from './state/license-store.js';

/** Settings of an emulator (every one optional). */
export interface EmulatorSettings {
  /**
   * Licenses to load at start and after `reset()`: a list of seed licenses, or the path of a JSON
   * file holding one (see {@link SeedLicense}).
   */
  licenses?: readonly unknown[] | string;
  /** The emulator's own AWS account: issuer of CreateLicense licenses. Default `123456789012`. */
  accountId?: string;
  /**
   * `signed` (default): every request must carry a well-formed SigV4 Authorization header, whose
   * signature is not checked. `strict`: the signature is verified against `accessKeys`.
   */
  auth?: 'signed' | 'strict';
  /**
   * Access keys that `strict` auth accepts; `actions` limits a key to some operations: `Name`,
   * `license-manager:Name`, or IAM patterns with `*` and `?` (`license-manager:Get*`, `*`).
   */
  accessKeys?: readonly AccessKey[];
  /** HTTP statuses of errors: `smithy` (default, per exception) or `apiref` (400 for client errors). */
  statusCodes?: StatusMode;
  /** Form of `License.CreateTime`: `epoch-seconds` (default, as AWS was seen to send) or `iso`. */
  createTimeFormat?: CreateTimeFormat;
  /** How long a license made by CreateLicense stays PENDING_AVAILABLE. Default 0. */
  propagationDelayMs?: number;
  /** How long a ClientToken replays its first answer (virtual clock). Default 24 hours. */
  idempotencyWindowMs?: number;
  /** Seed of the generator behind `rate` faults. Default 1. */
  faultSeed?: number;
  /** Real time source (for the emulator's own tests). Default `Date.now`. */
  realClock?: () => number;
  /**
   * Keep what the console shows: each counted entitlement's usage over virtual time and the last
   * AWS calls, in bounded memory. `startEmulator({ console: true })` turns it on. Default `false`:
   * nothing is recorded.
   */
  recordActivity?: boolean;
}

/** Counts of calls per operation. */
export type CallCounts = Record<string, { calls: number; errors: number }>;

/** A snapshot of the emulator's state, for debugging and tests. */
export interface StateDump {
  now: string;
  clockOffsetMs: number;
  licenses: { LicenseArn: string; marketplace: boolean; versions: object[] }[];
  consumptions: {
    token: string;
    licenseArn: string;
    kind: string;
    entitlements: object[];
    issuedAt: string;
    expiration: string;
  }[];
  faults: readonly Fault[];
  calls: CallCounts;
}

const ACCOUNT_ID = /^\d{12}$/;

function badOption(message: string): EmulatorError {
  return new EmulatorError('ERR_LG_EMU_BAD_OPTION', message);
}

function checkNonNegative(name: string, value: number | undefined): void {
  if (value !== undefined && !(Number.isSafeInteger(value) && value >= 0)) {
    throw badOption(`${name} must be a whole number of milliseconds, 0 or more; got ${String(value)}.`);
  }
}

/**
 * The License Manager the emulator emulates, without HTTP: its state, its virtual clock, its
 * faults, and `dispatch()` to run an operation. `startEmulator()` puts it behind an HTTP server.
 */
export class LicenseManagerEmulator {
  /** The virtual clock. */
  readonly clock: VirtualClock;
  /** Injected faults. */
  readonly faults: FaultRegistry;
  /** Auth mode. */
  readonly auth: 'signed' | 'strict';
  /** Keys for strict auth, by access key id. */
  readonly accessKeys: ReadonlyMap<string, AccessKey>;
  /** Status table mode. */
  readonly statusCodes: StatusMode;
  /** The emulator's account. */
  readonly accountId: string;
  readonly #settings: EmulatorSettings;
  /** The seed licenses as given: relative times are resolved again at each reset. */
  readonly #rawSeeds: readonly unknown[];
  /** Usage over virtual time, when `recordActivity` is on. */
  readonly history: UsageHistory | undefined;
  /** The last AWS calls, when `recordActivity` is on (the HTTP layer adds to it). */
  readonly requestLog: RequestLog | undefined;
  readonly #signer = new BorrowSigner();
  #licenses = new LicenseStore();
  #ledger: ConsumptionLedger;
  #idempotency: IdempotencyCache;
  /** Calls per operation (a Map: names are never looked up on a prototype). */
  readonly #calls = new Map<string, { calls: number; errors: number }>();

  /** @throws EmulatorError ERR_LG_EMU_BAD_OPTION or ERR_LG_EMU_BAD_SEED */
  constructor(settings: EmulatorSettings = {}) {
    this.#settings = settings;
    this.accountId = settings.accountId ?? '123456789012';
    if (!ACCOUNT_ID.test(this.accountId))
      throw badOption(`accountId must be 12 digits; got ${JSON.stringify(settings.accountId)}.`);
    this.auth = settings.auth ?? 'signed';
    if (this.auth !== 'signed' && this.auth !== 'strict')
      throw badOption(`auth must be 'signed' or 'strict'; got ${JSON.stringify(settings.auth)}.`);
    this.statusCodes = settings.statusCodes ?? 'smithy';
    if (this.statusCodes !== 'smithy' && this.statusCodes !== 'apiref')
      throw badOption(`statusCodes must be 'smithy' or 'apiref'; got ${JSON.stringify(settings.statusCodes)}.`);
    const format = settings.createTimeFormat ?? 'epoch-seconds';
    if (format !== 'epoch-seconds' && format !== 'iso')
      throw badOption(`createTimeFormat must be 'epoch-seconds' or 'iso'; got ${JSON.stringify(format)}.`);
    checkNonNegative('propagationDelayMs', settings.propagationDelayMs);
    checkNonNegative('idempotencyWindowMs', settings.idempotencyWindowMs);
    if (settings.accessKeys !== undefined && !Array.isArray(settings.accessKeys))
      throw badOption('accessKeys must be a list of { accessKeyId, secretAccessKey, actions? }.');
    this.accessKeys = checkAccessKeys(settings.accessKeys ?? []);
    this.clock = new VirtualClock(settings.realClock);
    if (settings.recordActivity === true) {
      this.history = new UsageHistory();
      this.requestLog = new RequestLog();
    }
    this.#ledger = this.#newLedger();
    this.faults = new FaultRegistry(settings.faultSeed ?? 1);
    this.#idempotency = new IdempotencyCache(settings.idempotencyWindowMs ?? DEFAULT_IDEMPOTENCY_WINDOW_MS);
    const seeds = typeof settings.licenses === 'string' ? readSeedFile(settings.licenses) : (settings.licenses ?? []);
    if (!Array.isArray(seeds)) throw badOption('licenses must be a list of seed licenses or the path of a JSON file.');
    this.#rawSeeds = seeds;
    this.#plantSeeds();
  }

  /**
   * Runs one operation as if it came over the wire (after authentication).
   * @param region - the caller's Region (from its SigV4 scope)
   * @throws AwsError for every refusal; state is unchanged then
   */
  dispatch(operation: string, input: unknown, region: string): object | undefined {
    const definition = OPERATIONS.get(operation);
    if (definition === undefined) throw internalError(`dispatch: ${operation} is not an emulated operation`);
    if (input !== null && typeof input === 'object' && !Array.isArray(input))
      definition.precheck?.(input as Record<string, unknown>);
    validateInput(operation, input);
    return definition.handle(input as never, this.#context(region));
  }

  /** Counts a call (the HTTP layer calls this once per AWS request it routes). */
  countCall(operation: string, failed: boolean): void {
    let entry = this.#calls.get(operation);
    if (entry === undefined) this.#calls.set(operation, (entry = { calls: 0, errors: 0 }));
    entry.calls++;
    if (failed) entry.errors++;
  }

  /** Calls made so far: of one operation, or all of them. */
  calls(operation?: string): number {
    if (operation !== undefined) return this.#calls.get(operation)?.calls ?? 0;
    let sum = 0;
    for (const count of this.#calls.values()) sum += count.calls;
    return sum;
  }

  /** Calls per operation, with how many failed (a copy). */
  callCounts(): CallCounts {
    // fromEntries defines own properties: no operation name can reach a prototype.
    return Object.fromEntries([...this.#calls].map(([operation, count]) => [operation, { ...count }]));
  }

  /**
   * Adds licenses while running (same shape as the seed file).
   * @returns their ARNs
   */
  addLicenses(seeds: readonly unknown[]): string[] {
    const now = this.clock.now();
    const checked = seeds.map((seed, i) => checkSeed(seed, `licenses[${i}]`, now));
    const arns = new Set<string>();
    for (const seed of checked) {
      if (seed.LicenseArn === undefined) continue;
      if (arns.has(seed.LicenseArn) || this.#licenses.has(seed.LicenseArn)) {
        throw new EmulatorError(
          'ERR_LG_EMU_BAD_SEED',
          `Two licenses have the ARN ${seed.LicenseArn}; ARNs must be unique.`,
        );
      }
      arns.add(seed.LicenseArn);
    }
    return checked.map((seed) => plantSeed(this.#licenses, seed, this.accountId, now).arn);
  }

  /** Adds several faults, all or none; throws ERR_LG_EMU_BAD_FAULT when a spec is wrong. */
  addFaults(specs: readonly unknown[]): Fault[] {
    const known = new Set(OPERATIONS.keys());
    const checked = specs.map((spec) => checkFaultSpec(spec, known));
    return checked.map((spec) => this.faults.add(spec));
  }

  /** Adds a fault; throws ERR_LG_EMU_BAD_FAULT when the spec is wrong. */
  addFault(spec: unknown): Fault {
    return this.addFaults([spec])[0] as Fault;
  }

  /** Back to the start: seed licenses only, no consumptions, tokens, faults or counts, real time. */
  reset(): void {
    this.clock.reset();
    this.faults.clear();
    this.#licenses = new LicenseStore();
    this.#ledger = this.#newLedger();
    this.#idempotency.clear();
    this.#calls.clear();
    this.history?.clear();
    this.requestLog?.clear();
    this.#plantSeeds();
  }

  /** The public key that verifies CheckoutBorrowLicense's SignedToken (PEM). */
  signingKeyPem(): string {
    return this.#signer.publicKeyPem();
  }

  /** A snapshot of the whole state. */
  dump(): StateDump {
    const now = this.clock.now();
    this.#ledger.expire(now);
    const format = this.#settings.createTimeFormat ?? 'epoch-seconds';
    return {
      now: new Date(now).toISOString(),
      clockOffsetMs: this.clock.offsetMs,
      licenses: [...this.#licenses.all()].map((record) => ({
        LicenseArn: record.arn,
        marketplace: record.marketplace,
        versions: record.versions.map((v) => record.toLicense(now, format, v)),
      })),
      consumptions: [...this.#ledger.all()].map((c) => ({
        token: c.token,
        licenseArn: c.licenseArn,
        kind: c.kind,
        entitlements: [...c.allowed],
        issuedAt: formatCheckoutTime(c.issuedAt),
        expiration: formatCheckoutTime(c.expiresAt),
      })),
      faults: this.faults.list(),
      calls: this.callCounts(),
    };
  }

  /**
   * What the console shows, in one answer: licenses with usage and its history over the last
   * `windowMs` of the virtual clock, live consumptions (tokens truncated), faults and the request log.
   * The clock is read once: `since` is exactly `epochMs - windowMs`.
   */
  overview(windowMs: number): ConsoleOverview {
    const now = this.clock.now();
    const since = now - windowMs;
    this.#ledger.expire(now);
    return consoleOverview({
      now,
      offsetMs: this.clock.offsetMs,
      since,
      licenses: this.#licenses,
      ledger: this.#ledger,
      history: this.history,
      requestLog: this.requestLog,
      faults: this.faults.list(),
      createTimeFormat: this.#settings.createTimeFormat ?? 'epoch-seconds',
    });
  }

  /**
   * A new version of a license that restates its current one with some changes, made through
   * CreateLicenseVersion in the license's home Region (so the same rules hold as for a seller's
   * call): `Entitlements` (upgrade, downgrade), `Validity` (renew, expire; `now`, `+365d` as in the
   * seed file) and `Status` (cancel: `DEACTIVATED`).
   *
   * @returns the new version's number and status
   * @throws EmulatorError ERR_LG_EMU_BAD_ADMIN_REQUEST naming what is wrong; nothing changes then
   */
  newLicenseVersion(change: unknown): { LicenseArn: string; Version: string; Status: string } {
    const now = this.clock.now();
    const { input, region } = versionRequest(change, (arn) => this.#licenses.get(arn), now);
    try {
      return this.dispatch('CreateLicenseVersion', input, region) as {
        LicenseArn: string;
        Version: string;
        Status: string;
      };
    } catch (error) {
      if (error instanceof AwsError)
        throw new EmulatorError('ERR_LG_EMU_BAD_ADMIN_REQUEST', `${error.name}: ${error.message}`);
      throw error;
    }
  }

  #newLedger(): ConsumptionLedger {
    const history = this.history;
    return new ConsumptionLedger(
      history === undefined ? undefined : (arn, name, usage, at) => history.record(arn, name, usage, at),
    );
  }

  #plantSeeds(): void {
    const now = this.clock.now();
    const seeds = this.#rawSeeds.map((seed, i) => checkSeed(seed, `licenses[${i}]`, now));
    for (const seed of seeds) plantSeed(this.#licenses, seed, this.accountId, now);
  }

  #context(region: string): OperationContext {
    return {
      now: this.clock.now(),
      region,
      accountId: this.accountId,
      createTimeFormat: this.#settings.createTimeFormat ?? 'epoch-seconds',
      propagationDelayMs: this.#settings.propagationDelayMs ?? 0,
      licenses: this.#licenses,
      ledger: this.#ledger,
      idempotency: this.#idempotency,
      signer: this.#signer,
    };
  }
}
