import assert from 'node:assert/strict';

import { LicenseManagerClient } from '@aws-sdk/client-license-manager';

import {
  AWS_MARKETPLACE_KEY_FINGERPRINT,
  DEFAULT_EXPIRY_WARNING_MS,
  DEFAULT_GRACE_MS,
  DEFAULT_REFRESH_INTERVAL_MS,
  LicenseGateConfigurationError,
  MemoryStore,
  createLicenseGate,
  silentLogger,
  stderrLogger,
  systemClock,
  type LicenseGate,
  type LicenseGateErrorCode,
  type LicenseGateOptions,
} from '../src/index.js';
import { ManualClock } from '../src/testing/index.js';

const BASE = { productSku: 'prod-abc123', tiers: ['Basic', 'Intermediate', 'Premium'] } as const;
const MINUTE = 60_000;

/** Creates a gate from options a caller might write in plain JavaScript. */
function create(options: unknown): LicenseGate {
  return createLicenseGate(options as LicenseGateOptions);
}

/**
 * Asserts that `options` are refused with `code`, by a LicenseGateConfigurationError whose message
 * names `mentions` (the option, and what to do).
 */
function assertRefused(options: unknown, code: LicenseGateErrorCode, ...mentions: (string | RegExp)[]): void {
  assert.throws(
    () => create(options),
    (error: unknown) => {
      assert.ok(
        error instanceof LicenseGateConfigurationError,
        `expected a LicenseGateConfigurationError, got ${String(error)}`,
      );
      assert.equal(error.code, code, `wrong code for: ${error.message}`);
      assert.equal(error.name, 'LicenseGateConfigurationError');
      for (const mention of mentions) {
        if (typeof mention === 'string')
          assert.ok(error.message.includes(mention), `the message should name ${mention}: ${error.message}`);
        else assert.match(error.message, mention);
      }
      return true;
    },
  );
}

/** Asserts the unknown-tier error of one call. */
function assertUnknownTier(call: () => unknown, tier: string): void {
  assert.throws(call, (error: unknown) => {
    assert.ok(error instanceof LicenseGateConfigurationError);
    assert.equal(error.code, 'ERR_LG_UNKNOWN_TIER');
    assert.ok(error.message.includes(JSON.stringify(tier)), error.message);
    assert.match(error.message, /"Basic", "Intermediate", "Premium"/);
    return true;
  });
}

describe('createLicenseGate options', () => {
  describe('valid options', () => {
    it('applies the documented defaults', async () => {
      const gate = create(BASE);
      const o = gate.options;
      assert.equal(o.productSku, 'prod-abc123');
      assert.equal(o.keyFingerprint, AWS_MARKETPLACE_KEY_FINGERPRINT);
      assert.equal(AWS_MARKETPLACE_KEY_FINGERPRINT, 'aws:294406891311:AWS/Marketplace:issuer-fingerprint');
      assert.deepEqual(o.tiers, ['Basic', 'Intermediate', 'Premium']);
      assert.equal(o.refreshIntervalMs, DEFAULT_REFRESH_INTERVAL_MS);
      assert.equal(DEFAULT_REFRESH_INTERVAL_MS, 15 * MINUTE);
      assert.equal(o.graceMs, DEFAULT_GRACE_MS);
      assert.equal(DEFAULT_GRACE_MS, 60 * MINUTE);
      assert.equal(o.expiryWarningMs, DEFAULT_EXPIRY_WARNING_MS);
      assert.equal(DEFAULT_EXPIRY_WARNING_MS, 7 * 24 * 60 * MINUTE);
      assert.equal(o.onUnavailable, 'grace');
      assert.equal(o.refreshJitter, 0.1);
      assert.equal(o.clock, systemClock);
      assert.equal(o.logger, stderrLogger);
      assert.ok(o.store instanceof MemoryStore);
      assert.ok(o.client instanceof LicenseManagerClient);
      assert.equal(await o.client.config.maxAttempts(), 1, 'the gate retries by itself');
      assert.equal(gate.status().state, 'idle');
      o.client.destroy();
    });

    it('takes a client config, an own client, clock, logger and store as given', async () => {
      const withConfig = create({ ...BASE, client: { region: 'eu-west-1', maxAttempts: 3 } });
      assert.equal(await withConfig.options.client.config.region(), 'eu-west-1');
      assert.equal(await withConfig.options.client.config.maxAttempts(), 3);
      withConfig.options.client.destroy();

      const client = new LicenseManagerClient({ region: 'us-east-1' });
      const clock = new ManualClock(0);
      const store = new MemoryStore();
      const gate = create({
        ...BASE,
        client,
        clock,
        logger: silentLogger,
        store,
        refreshIntervalMs: 59 * MINUTE + 59_999,
      });
      assert.equal(gate.options.client, client);
      assert.equal(gate.options.clock, clock);
      assert.equal(gate.options.logger, silentLogger);
      assert.equal(gate.options.store, store);
      assert.equal(gate.options.refreshIntervalMs, 60 * MINUTE - 1);
      client.destroy();
    });

    it('keeps its own frozen copy of the tiers', () => {
      const tiers = ['Basic', 'Premium'];
      const gate = create({ ...BASE, tiers });
      tiers.push('Ultimate');
      assert.deepEqual(gate.tierOrder.names, ['Basic', 'Premium']);
      assert.ok(Object.isFrozen(gate.options.tiers));
      gate.options.client.destroy();
    });
  });

  describe('refused options (each with a stable code and a message that names the option)', () => {
    it('ERR_LG_OPTIONS: not an options object', () => {
      for (const options of [undefined, null, 'prod-abc123', 42, ['prod-abc123']]) {
        assertRefused(options, 'ERR_LG_OPTIONS', 'options object');
      }
    });

    it('ERR_LG_OPTION_PRODUCT_SKU: no SKU, an empty one, or not a string', () => {
      assertRefused({ tiers: BASE.tiers }, 'ERR_LG_OPTION_PRODUCT_SKU', 'productSku');
      assertRefused({ ...BASE, productSku: '' }, 'ERR_LG_OPTION_PRODUCT_SKU', 'productSku');
      assertRefused({ ...BASE, productSku: '   ' }, 'ERR_LG_OPTION_PRODUCT_SKU', 'productSku');
      assertRefused({ ...BASE, productSku: 42 }, 'ERR_LG_OPTION_PRODUCT_SKU', 'productSku', '42');
    });

    it('ERR_LG_OPTION_TIERS: empty, not an array, a non-string or empty name, a name twice', () => {
      assertRefused({ ...BASE, tiers: [] }, 'ERR_LG_OPTION_TIERS', 'tiers', 'lowest first');
      assertRefused({ ...BASE, tiers: 'Basic' }, 'ERR_LG_OPTION_TIERS', 'tiers');
      assertRefused({ ...BASE, tiers: { 0: 'Basic' } }, 'ERR_LG_OPTION_TIERS', 'tiers');
      assertRefused({ ...BASE, tiers: ['Basic', 2] }, 'ERR_LG_OPTION_TIERS', 'tiers[1]');
      assertRefused({ ...BASE, tiers: [null] }, 'ERR_LG_OPTION_TIERS', 'tiers[0]');
      assertRefused({ ...BASE, tiers: ['Basic', ''] }, 'ERR_LG_OPTION_TIERS', 'tiers[1]');
      assertRefused({ ...BASE, tiers: [' '] }, 'ERR_LG_OPTION_TIERS', 'tiers[0]');
      assertRefused({ ...BASE, tiers: ['Basic', 'Premium', 'Basic'] }, 'ERR_LG_OPTION_TIERS', 'tiers', '"Basic" twice');
    });

    it('ERR_LG_OPTION_NOTHING_TO_GATE: no tiers at all', () => {
      assertRefused({ productSku: 'prod-abc123' }, 'ERR_LG_OPTION_NOTHING_TO_GATE', 'tiers');
    });

    it('ERR_LG_OPTION_REFRESH_INTERVAL: at or above the 60-minute lease', () => {
      assertRefused(
        { ...BASE, refreshIntervalMs: 60 * MINUTE },
        'ERR_LG_OPTION_REFRESH_INTERVAL',
        'refreshIntervalMs',
        '60-minute',
      );
      assertRefused({ ...BASE, refreshIntervalMs: 90 * MINUTE }, 'ERR_LG_OPTION_REFRESH_INTERVAL', 'refreshIntervalMs');
    });

    it('ERR_LG_OPTION_REFRESH_INTERVAL: below 1 second (one option, one code)', () => {
      assertRefused({ ...BASE, refreshIntervalMs: 999 }, 'ERR_LG_OPTION_REFRESH_INTERVAL', 'refreshIntervalMs');
      assertRefused({ ...BASE, refreshIntervalMs: 0 }, 'ERR_LG_OPTION_REFRESH_INTERVAL', 'refreshIntervalMs');
      const gate = create({ ...BASE, refreshIntervalMs: 1_000 });
      assert.equal(gate.options.refreshIntervalMs, 1_000);
      gate.options.client.destroy();
    });

    it('ERR_LG_OPTION_UNKNOWN: an unknown option, with a "did you mean" hint when one is close', () => {
      assertRefused({ ...BASE, tier: 'Basic' }, 'ERR_LG_OPTION_UNKNOWN', '"tier"', 'did you mean "tiers"?');
      assertRefused({ ...BASE, refreshInterval: 60_000 }, 'ERR_LG_OPTION_UNKNOWN', 'did you mean "refreshIntervalMs"?');
      assertRefused(
        { ...BASE, productSKU: 'x' },
        'ERR_LG_OPTION_UNKNOWN',
        '"productSKU"',
        'did you mean "productSku"?',
      );
      assertRefused({ ...BASE, onUnavailible: 'deny' }, 'ERR_LG_OPTION_UNKNOWN', 'did you mean "onUnavailable"?');
      assertRefused({ ...BASE, colour: 'blue' }, 'ERR_LG_OPTION_UNKNOWN', '"colour"');
      assert.throws(
        () => create({ ...BASE, colour: 'blue' }),
        (error: Error) => !error.message.includes('did you mean'),
      );
    });

    it('ERR_LG_OPTION_UNKNOWN: every unknown option in one error, each with its hint', () => {
      assertRefused(
        { ...BASE, tier: 'Basic', colour: 'blue', graceMS: 1 },
        'ERR_LG_OPTION_UNKNOWN',
        '"tier" (did you mean "tiers"?)',
        '"colour"',
        '"graceMS" (did you mean "graceMs"?)',
      );
    });

    it('unknown members of seats and of a drawdown dimension: named with a hint, under their own codes', () => {
      assertRefused(
        { ...BASE, seats: { entitlement: 'ConcurrentUsers', idleTimeout: 1_000 } },
        'ERR_LG_OPTION_SEATS',
        '"idleTimeout"',
        'did you mean "idleTimeoutMs"?',
        'seats takes entitlement',
      );
      assertRefused(
        { ...BASE, drawdown: { DataConsumption: { mod: 'sync', batchUnit: 5 } } },
        'ERR_LG_OPTION_DRAWDOWN',
        '"mod" (did you mean "mode"?)',
        '"batchUnit" (did you mean "batchUnits"?)',
        'drawdown.DataConsumption',
      );
    });

    it('ERR_LG_OPTION_ON_UNAVAILABLE: a policy other than grace, deny or allow', () => {
      assertRefused(
        { ...BASE, onUnavailable: 'fail-open' },
        'ERR_LG_OPTION_ON_UNAVAILABLE',
        'onUnavailable',
        '"fail-open"',
      );
      assertRefused({ ...BASE, onUnavailable: 'GRACE' }, 'ERR_LG_OPTION_ON_UNAVAILABLE', 'onUnavailable');
    });

    it('ERR_LG_OPTION_KEY_FINGERPRINT: not aws:<12-digit account>:<issuer>:issuer-fingerprint', () => {
      for (const keyFingerprint of [
        'AWS/Marketplace',
        'aws:29440689131:AWS/Marketplace:issuer-fingerprint',
        'aws:294406891311::issuer-fingerprint',
        42,
      ]) {
        assertRefused(
          { ...BASE, keyFingerprint },
          'ERR_LG_OPTION_KEY_FINGERPRINT',
          'keyFingerprint',
          AWS_MARKETPLACE_KEY_FINGERPRINT,
        );
      }
      const seller = create({ ...BASE, keyFingerprint: 'aws:123456789012:Acme Corp:issuer-fingerprint' });
      assert.equal(seller.options.keyFingerprint, 'aws:123456789012:Acme Corp:issuer-fingerprint');
      seller.options.client.destroy();
    });

    it('ERR_LG_OPTION_CREDENTIALS: a client config with credentials', () => {
      const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
      assertRefused(
        { ...BASE, client: { region: 'us-east-1', credentials } },
        'ERR_LG_OPTION_CREDENTIALS',
        'client.credentials',
        'role',
      );
    });

    it('ERR_LG_OPTION_CLIENT: a client that is neither a LicenseManagerClient nor its config', () => {
      assertRefused({ ...BASE, client: 'http://127.0.0.1:4567' }, 'ERR_LG_OPTION_CLIENT', 'client');
      assertRefused({ ...BASE, client: 42 }, 'ERR_LG_OPTION_CLIENT', 'client');
    });

    it('ERR_LG_OPTION_CLOCK, ERR_LG_OPTION_LOGGER, ERR_LG_OPTION_STORE: objects without the methods', () => {
      assertRefused({ ...BASE, clock: Date }, 'ERR_LG_OPTION_CLOCK', 'clock', 'setTimeout', 'clearTimeout');
      assertRefused({ ...BASE, clock: { now: () => 0 } }, 'ERR_LG_OPTION_CLOCK', 'clock', 'setTimeout');
      assertRefused({ ...BASE, clock: 0 }, 'ERR_LG_OPTION_CLOCK', 'clock');
      assertRefused(
        { ...BASE, logger: { info() {}, warn() {}, error() {} } },
        'ERR_LG_OPTION_LOGGER',
        'logger',
        'debug',
      );
      assertRefused({ ...BASE, logger: 'pino' }, 'ERR_LG_OPTION_LOGGER', 'logger');
      assertRefused({ ...BASE, store: new Map() }, 'ERR_LG_OPTION_STORE', 'store', 'list', 'increment');
      assertRefused({ ...BASE, store: 'redis://localhost' }, 'ERR_LG_OPTION_STORE', 'store');
    });

    it('ERR_LG_OPTION_DURATION: graceMs, expiryWarningMs, callTimeoutMs and refreshJitter out of range', () => {
      assertRefused({ ...BASE, graceMs: -1 }, 'ERR_LG_OPTION_DURATION', 'graceMs', '-1');
      assertRefused({ ...BASE, graceMs: Infinity }, 'ERR_LG_OPTION_DURATION', 'graceMs');
      assertRefused({ ...BASE, expiryWarningMs: '7d' }, 'ERR_LG_OPTION_DURATION', 'expiryWarningMs', '"7d"');
      assertRefused({ ...BASE, callTimeoutMs: 0 }, 'ERR_LG_OPTION_DURATION', 'callTimeoutMs');
      assertRefused({ ...BASE, callTimeoutMs: 120_001 }, 'ERR_LG_OPTION_DURATION', 'callTimeoutMs');
      assertRefused({ ...BASE, refreshJitter: 0.6 }, 'ERR_LG_OPTION_DURATION', 'refreshJitter');
      assertRefused({ ...BASE, refreshJitter: Number.NaN }, 'ERR_LG_OPTION_DURATION', 'refreshJitter');
    });

    it('ERR_LG_OPTION_RETRY: retry not an object, or attempts not a whole number from 1 to 20', () => {
      assertRefused({ ...BASE, retry: 3 }, 'ERR_LG_OPTION_RETRY', 'retry');
      assertRefused({ ...BASE, retry: { attempts: 0 } }, 'ERR_LG_OPTION_RETRY', 'retry.attempts');
      assertRefused({ ...BASE, retry: { attempts: 1.5 } }, 'ERR_LG_OPTION_RETRY', 'retry.attempts');
      assertRefused({ ...BASE, retry: { attempts: 21 } }, 'ERR_LG_OPTION_RETRY', 'retry.attempts');
      const gate = create({ ...BASE, retry: { attempts: 1, deadlineMs: 0 } });
      assert.deepEqual(gate.options.retry, { attempts: 1, baseDelayMs: 100, maxDelayMs: 2_000, deadlineMs: 0 });
      gate.options.client.destroy();
    });

    it('ERR_LG_OPTION_RETRY: a bad delay inside retry (one option, one code)', () => {
      assertRefused({ ...BASE, retry: { baseDelayMs: -1 } }, 'ERR_LG_OPTION_RETRY', 'retry.baseDelayMs');
      assertRefused({ ...BASE, retry: { maxDelayMs: 'fast' } }, 'ERR_LG_OPTION_RETRY', 'retry.maxDelayMs');
      assertRefused({ ...BASE, retry: { deadlineMs: 600_001 } }, 'ERR_LG_OPTION_RETRY', 'retry.deadlineMs');
    });

    it('ERR_LG_OPTION_RETRY: an unknown member of retry, as for the top-level options', () => {
      assertRefused({ ...BASE, retry: { maxAttempts: 5 } }, 'ERR_LG_OPTION_RETRY', '"maxAttempts"');
      assertRefused({ ...BASE, retry: { atempts: 5 } }, 'ERR_LG_OPTION_RETRY', 'did you mean "attempts"?');
    });
  });

  describe('tier names at use', () => {
    it('ERR_LG_UNKNOWN_TIER from hasTier, checkTier, assertTier and tierCheck, naming the gate’s tiers', () => {
      const gate = create(BASE);
      assertUnknownTier(() => gate.hasTier('Gold'), 'Gold');
      assertUnknownTier(() => gate.checkTier('premium'), 'premium');
      assertUnknownTier(() => gate.assertTier('Platinum'), 'Platinum');
      assertUnknownTier(() => gate.tierCheck(''), '');
      assertUnknownTier(() => gate.tierCheck('Basic '), 'Basic ');
      assert.equal(typeof gate.tierCheck('Premium'), 'function', 'a known tier builds a check');
      gate.options.client.destroy();
    });
  });
});
