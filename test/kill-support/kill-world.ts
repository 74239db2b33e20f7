/**
 * The world of the kill suite: a store kind (kill-stores.ts), the License Manager emulator in the
 * TEST process (it outlives every app instance), one license with seats and two drawdown
 * entitlements, app instances as child processes, and what the test reads back — License
 * Manager's usage through the real AWS SDK, and the journal and seats in the store.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';

import { GetLicenseUsageCommand, LicenseManagerClient } from '@aws-sdk/client-license-manager';
import type { Store } from '@licensegate/core';
import { startEmulator, type Fault, type RunningEmulator, type SeedLicense } from '@licensegate/emulator';

import { ChildApp } from '../support/child-app.js';
import { BATCH_UNITS, RESERVE_UNITS, SEATS } from './kill-config.js';
import type { KillStoreKit } from './kill-stores.js';

const APP = fileURLToPath(new URL('./kill-app.js', import.meta.url));

/** Seats the license grants: more than a round ever holds. */
const SEAT_LIMIT = 50;
/** Units of each drawdown entitlement: more than a long run ever spends. */
const UNIT_LIMIT = 1_000_000_000;

/** An app instance running as a child process. */
export class AppInstance {
  readonly child: ChildApp;
  /** The gate's warnings and errors (`<level> <json>`). */
  readonly logs: string[] = [];
  #port = 0;
  #instanceId = '';

  private constructor(env: Record<string, string>) {
    this.child = new ChildApp(APP, env, (line) => {
      if (!line.startsWith('log ')) return false;
      this.logs.push(line.slice(4));
      return true;
    });
  }

  /** Spawns an instance; resolves once it listens. */
  static async start(env: Record<string, string>): Promise<AppInstance> {
    const instance = new AppInstance(env);
    const [, port, id] = (await instance.child.until((line) => line.startsWith('listening '), 15_000)).split(' ');
    instance.#port = Number(port);
    instance.#instanceId = id ?? '';
    return instance;
  }

  /** Its port on 127.0.0.1. */
  get port(): number {
    return this.#port;
  }

  /** Its gate's instance id in the store. */
  get instanceId(): string {
    return this.#instanceId;
  }
}

/** What License Manager counts (GetLicenseUsage). */
export interface Usage {
  /** PERPETUAL units of the batch-mode entitlement. */
  readonly batch: number;
  /** PERPETUAL units of the reserve-mode entitlement (blocks checked out). */
  readonly reserve: number;
  /** Live seat checkouts. */
  readonly seats: number;
}

/** The drawdown journal as the store holds it. */
export interface JournalView {
  /** Records of engines (pending counters, batches, block checkouts) not yet reported and deleted. */
  readonly open: number;
  /** Units of the batch dimension journaled and not sent yet (pending counters, batches without an attempt). */
  readonly batchUnsent: number;
  /** Units of the batch dimension in a report under way (which License Manager may have counted already). */
  readonly batchSending: number;
  /** Units of the reserve dimension's shared block not spent yet. */
  readonly blockLeft: number;
  /**
   * Units of block checkouts found granted but maybe not credited (`confirmed`): an adopter discards
   * them, never credits them twice, so they may be consumed in License Manager and in no block.
   */
  readonly unsure: number;
}

/** One suite's world. */
export class KillWorld {
  readonly kit: KillStoreKit;
  readonly sku = `lg-kill-${randomUUID()}`;
  #lm: RunningEmulator | undefined;
  #admin: LicenseManagerClient | undefined;
  #reader: Store | undefined;
  #arn = '';

  constructor(kit: KillStoreKit) {
    this.kit = kit;
  }

  /** Starts the store, the emulator (each CheckoutLicense answered after `checkoutLatencyMs`) and the license. */
  async start(checkoutLatencyMs: number): Promise<void> {
    await this.kit.start();
    this.#lm = await startEmulator({ host: '127.0.0.1', port: 0 });
    if (checkoutLatencyMs > 0)
      this.#lm.addFault({ operation: 'CheckoutLicense', kind: 'latency', latencyMs: checkoutLatencyMs });
    const [arn] = this.#lm.addLicenses([license(this.sku)]);
    assert.ok(arn !== undefined);
    this.#arn = arn;
    this.#admin = new LicenseManagerClient({ endpoint: this.#lm.url, region: 'us-east-1', maxAttempts: 1 });
    if (this.kit.concurrentReader) this.#reader = await this.kit.openReader();
  }

  /** Runs `read` on a store on the world's data: the open reader, or (the file store) one opened for it. */
  async #read<T>(read: (store: Store) => Promise<T>): Promise<T> {
    if (this.#reader !== undefined) return read(this.#reader);
    const store = await this.kit.openReader();
    try {
      return await read(store);
    } finally {
      await store.shutdown?.();
    }
  }

  /**
   * Makes License Manager refuse the next `times` CheckoutLicense calls as throttled (a transient
   * error the gate retries later): what a start meets when License Manager is having a bad moment.
   */
  throttleCheckouts(times: number): Fault {
    return this.#running.lm.addFault({
      operation: 'CheckoutLicense',
      kind: 'error',
      error: 'RateLimitExceededException',
      times,
    });
  }

  /** Spawns an app instance on the world's store, license and emulator. */
  startInstance(): Promise<AppInstance> {
    return AppInstance.start({
      LG_KILL_STORE: this.kit.kind,
      LG_LM_URL: this.#running.lm.url,
      LG_SKU: this.sku,
      ...this.kit.appEnv(),
    });
  }

  /** License Manager's count of each entitlement, through the AWS SDK. */
  async usage(): Promise<Usage> {
    const answer = await this.#running.admin.send(new GetLicenseUsageCommand({ LicenseArn: this.#arn }));
    const of = (name: string): number =>
      Number(answer.LicenseUsage?.EntitlementUsages?.find((u) => u.Name === name)?.ConsumedValue ?? '0');
    return { batch: of(BATCH_UNITS), reserve: of(RESERVE_UNITS), seats: of(SEATS) };
  }

  /** The drawdown journal now. */
  async journal(): Promise<JournalView> {
    const records = await this.#read((store) => store.list<unknown>(`${this.sku}:drawdown`));
    let open = 0;
    let batchUnsent = 0;
    let batchSending = 0;
    let blockLeft = 0;
    let unsure = 0;
    for (const { key, value } of records) {
      if (key === `block:${RESERVE_UNITS}`) blockLeft = value as number;
      if (!/^(pending|batch|buy):/.test(key)) continue;
      open++;
      const record = value as {
        type?: string;
        dimension?: string;
        units?: number;
        remaining?: number;
        state?: string;
        attempt?: { units: number } | null;
      };
      if (typeof value === 'number' && dimensionOf(key) === BATCH_UNITS) batchUnsent += value;
      if (record.type === 'batch' && record.dimension === BATCH_UNITS) {
        const sending = record.attempt?.units ?? 0;
        batchSending += sending;
        batchUnsent += (record.remaining ?? 0) - sending;
      }
      if (record.type === 'buy' && record.state === 'confirmed') unsure += record.units ?? 0;
    }
    return { open, batchUnsent, batchSending, blockLeft, unsure };
  }

  /**
   * How long an instance's heartbeat in the store has left (ms, by the system clock); `undefined`
   * when it has lapsed (the other instances take the instance for dead).
   */
  async heartbeatLeft(instanceId: string): Promise<number | undefined> {
    const records = await this.#read((store) => store.list<unknown>(`${this.sku}:instances`));
    const expiresAt = records.find((r) => r.key === instanceId)?.expiresAt;
    return expiresAt === undefined || expiresAt === null ? undefined : expiresAt - Date.now();
  }

  /** The seats held in the store (checked out, not being checked in): seat key → License Manager token. */
  async seats(): Promise<Map<string, string>> {
    const records = await this.#read((store) =>
      store.list<{ token: string | null; releasing: boolean }>(`${this.sku}:seats`),
    );
    const held = new Map<string, string>();
    for (const { key, value } of records) if (value.token !== null && !value.releasing) held.set(key, value.token);
    return held;
  }

  /** The keys of the seats held in the store, sorted. */
  async seatKeys(): Promise<string[]> {
    return [...(await this.seats()).keys()].sort();
  }

  /** Whether License Manager still holds a checkout (the emulator's state: the SDK has no call for one checkout). */
  isLive(token: string): boolean {
    return this.#running.lm.emulator.dump().consumptions.some((c) => c.token === token);
  }

  /** Stops the emulator and the store. */
  async close(): Promise<void> {
    await this.#reader?.shutdown?.();
    this.#admin?.destroy();
    await this.#lm?.close();
    await this.kit.stop();
  }

  get #running(): { lm: RunningEmulator; admin: LicenseManagerClient } {
    if (this.#lm === undefined || this.#admin === undefined) throw new Error('the kill world is not started');
    return { lm: this.#lm, admin: this.#admin };
  }
}

/** The dimension in an engine's journal key, `<kind>:<instance>:<dimension>:<epoch>`. */
function dimensionOf(key: string): string {
  return key.slice(key.indexOf(':', key.indexOf(':') + 1) + 1, key.lastIndexOf(':'));
}

/** An AWS Marketplace license with seats and two drawdown entitlements. */
function license(sku: string): SeedLicense {
  return {
    AwsMarketplace: true,
    ProductSKU: sku,
    LicenseName: `${sku} license`,
    ProductName: `${sku} product`,
    Issuer: { Name: 'AWS/Marketplace' },
    HomeRegion: 'us-east-1',
    Validity: { Begin: '-1d', End: '+365d' },
    Beneficiary: '123456789012',
    Entitlements: [
      { Name: SEATS, MaxCount: SEAT_LIMIT, Overage: false, Unit: 'Count', AllowCheckIn: true },
      { Name: BATCH_UNITS, MaxCount: UNIT_LIMIT, Overage: false, Unit: 'Count', AllowCheckIn: true },
      { Name: RESERVE_UNITS, MaxCount: UNIT_LIMIT, Overage: false, Unit: 'Count', AllowCheckIn: true },
    ],
    ConsumptionConfiguration: { RenewType: 'None', ProvisionalConfiguration: { MaxTimeToLiveInMinutes: 60 } },
  } as SeedLicense;
}
