// Benchmark: the drawdown meter of @licensegate/core in batch mode.
//
//   1. Hot path. `await meter.debit(dimension, 1)` calls per second, when no flush happens during the timed loop
//      (batchUnits = MAX_SAFE_INTEGER, a 24-hour flush interval): a debit is then one MemoryStore increment and no
//      network. Baseline, measured in the same run, in alternating rounds: `await` of an async function that adds 1
//      to a plain `Map` counter. For information, a third loop awaits `MemoryStore.increment` alone: the one store
//      step a debit makes. The emulator's call count must not move during the loops.
//   2. Calls per flush (goal: 1 CheckoutLicense per flush without faults). N debits of 1 unit with batchUnits B
//      (default 10,000 and 1,000) through the real AWS SDK to the emulator; the store counts the batches sealed,
//      the emulator the CheckoutLicense calls, and GetLicenseUsage must show exactly N units consumed. A second
//      run, for information, injects RateLimitExceededException on 20% of the calls: retries add calls, never units.
//
// The emulator runs in this process (startEmulator on 127.0.0.1). The meter is built directly, as the gate builds
// it (resolveOptions and LicenseSource come from packages/core/dist, as the package does not export them).
//
// Usage: node bench/core-drawdown.mjs [--rounds N] [--round-ms MS] [--debits N] [--batch-units N]
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';

import { GetLicenseUsageCommand, LicenseManagerClient } from '@aws-sdk/client-license-manager';
import { DrawdownMeter, MemoryStore, silentLogger } from '@licensegate/core';
import { startEmulator } from '@licensegate/emulator';

// Not exported by the package: the meter is built here as the gate builds it.
import { resolveOptions } from '../packages/core/dist/options.js';
import { LicenseSource } from '../packages/core/dist/source/license-source.js';
import { median } from './lib/stats.mjs';
import { wholeNumberOptions } from './lib/options.mjs';

const REGION = 'us-east-1';
const DIMENSION = 'DataConsumption';
const CREDENTIALS = { accessKeyId: 'AKIDBENCH', secretAccessKey: 'licensegate-bench-secret' };
const DAY_MS = 24 * 60 * 60_000;

const USAGE = `Usage: node bench/core-drawdown.mjs [options]
  --rounds N        rounds of each hot-path loop; the median is reported (default 7)
  --round-ms MS     length of one round (default 300)
  --debits N        debits of 1 unit in the calls-per-flush run (default 10000)
  --batch-units N   batchUnits of the calls-per-flush run (default 1000)
Options of other benches (passed by bench/run.mjs) are ignored.
`;

function options() {
  return wholeNumberOptions(USAGE, { rounds: 7, 'round-ms': 300, debits: 10000, 'batch-units': 1000 });
}

/** A Marketplace license whose drawdown entitlement allows overage, so the hot-path loops never run out. */
function seed(sku) {
  return {
    AwsMarketplace: true,
    LicenseName: `${sku} license`,
    ProductName: 'licensegate bench (drawdown)',
    ProductSKU: sku,
    Issuer: { Name: 'AWS/Marketplace' },
    HomeRegion: REGION,
    Validity: { Begin: '-1d', End: '+365d' },
    Entitlements: [{ Name: DIMENSION, MaxCount: 1_000_000, Overage: true, Unit: 'Count' }],
    Beneficiary: '123456789012',
    ConsumptionConfiguration: { RenewType: 'None', ProvisionalConfiguration: { MaxTimeToLiveInMinutes: 60 } },
  };
}

/** A MemoryStore that counts the batches sealed (a batch record is created with ifAbsent once per seal). */
class SealCountingStore extends MemoryStore {
  seals = 0;

  async put(namespace, key, value, putOptions) {
    const version = await super.put(namespace, key, value, putOptions);
    if (key.startsWith('batch:') && putOptions?.ifAbsent === true && version !== undefined) this.seals += 1;
    return version;
  }
}

/** A started meter for a new license on the emulator, as the gate builds it. */
async function newMeter(lm, client, { batchUnits, batchIntervalMs, retry }) {
  const sku = `lg-bench-drawdown-${randomUUID()}`;
  const [arn] = lm.addLicenses([seed(sku)]);
  const store = new SealCountingStore();
  const resolved = resolveOptions({
    productSku: sku,
    drawdown: { [DIMENSION]: { mode: 'batch', batchUnits, batchIntervalMs } },
    client,
    store,
    logger: silentLogger,
    ...(retry !== undefined ? { retry } : {}),
  });
  await store.init({ clock: resolved.clock });
  const source = new LicenseSource({
    client,
    productSku: sku,
    keyFingerprint: resolved.keyFingerprint,
    retry: resolved.retry,
    callTimeoutMs: resolved.callTimeoutMs,
    logger: silentLogger,
  });
  const events = { reported: 0 };
  const meter = new DrawdownMeter({
    options: resolved,
    source,
    instanceId: randomUUID(),
    emit: (event) => {
      if (event === 'unitsReported') events.reported += 1;
    },
  });
  await meter.start();
  return { meter, store, arn, events };
}

async function consumed(client, arn) {
  const answer = await client.send(new GetLicenseUsageCommand({ LicenseArn: arn }));
  return Number(answer.LicenseUsage?.EntitlementUsages?.find((u) => u.Name === DIMENSION)?.ConsumedValue ?? 0);
}

/** Runs `loop(n)` (async) for about `ms`, growing n until a run is long enough to time; answers calls/s. */
async function timed(loop, ms) {
  let n = 10_000;
  for (;;) {
    const t0 = performance.now();
    await loop(n);
    const elapsed = performance.now() - t0;
    if (elapsed >= ms) return (n * 1000) / elapsed;
    n = Math.min(2 ** 26, Math.ceil(n * Math.max(2, (ms * 1.1) / Math.max(elapsed, 0.05))));
  }
}

// ------------------------------------------------------------------------------------ hot path

async function hotPath(lm, client, { rounds, roundMs }) {
  const { meter, store, arn } = await newMeter(lm, client, {
    batchUnits: Number.MAX_SAFE_INTEGER,
    batchIntervalMs: DAY_MS,
  });
  const callsBefore = lm.calls();

  // Baseline: an awaited increment of a plain Map counter.
  const counters = new Map();
  const increment = async (key, by) => {
    counters.set(key, (counters.get(key) ?? 0) + by);
  };
  const baseline = async (n) => {
    for (let i = 0; i < n; i++) await increment('pending', 1);
  };
  let debited = 0;
  const debit = async (n) => {
    for (let i = 0; i < n; i++) await meter.debit(DIMENSION, 1);
    debited += n;
  };
  const probe = new MemoryStore();
  const storeStep = async (n) => {
    for (let i = 0; i < n; i++) await probe.increment('bench:drawdown', 'pending', 1);
  };

  const loops = { baseline, debit, storeStep };
  const rates = { baseline: [], debit: [], storeStep: [] };
  for (const loop of Object.values(loops)) await timed(loop, 50); // warm-up: let the JIT optimise each loop
  for (let round = 0; round < rounds; round++) {
    for (const [name, loop] of Object.entries(loops)) rates[name].push(await timed(loop, roundMs));
  }
  const callsDuring = lm.calls() - callsBefore;
  const pending = meter.stats(DIMENSION).pending;
  await meter.stop(); // one batch of everything debited
  const reported = await consumed(client, arn);
  await store.shutdown();
  return {
    baseline: median(rates.baseline),
    debit: median(rates.debit),
    storeStep: median(rates.storeStep),
    callsDuring,
    debited,
    pending,
    reported,
  };
}

// ------------------------------------------------------------------------------------ calls per flush

async function callsPerFlush(lm, client, { debits, batchUnits }, fault) {
  const retry = { attempts: 6, baseDelayMs: 1, maxDelayMs: 5, deadlineMs: 5_000 };
  const { meter, store, arn, events } = await newMeter(lm, client, { batchUnits, batchIntervalMs: DAY_MS, retry });
  const before = lm.calls('CheckoutLicense');
  const faultId = fault === undefined ? undefined : lm.addFault({ operation: 'CheckoutLicense', ...fault }).id;
  const t0 = performance.now();
  for (let i = 0; i < debits; i++) await meter.debit(DIMENSION, 1);
  await meter.stop();
  const elapsed = performance.now() - t0;
  if (faultId !== undefined) lm.clearFaults(faultId);
  const calls = lm.calls('CheckoutLicense') - before;
  const units = await consumed(client, arn);
  await store.shutdown();
  return { calls, flushes: store.seals, acknowledged: events.reported, units, elapsed };
}

// ------------------------------------------------------------------------------------ main

const fmt = (n) => Math.round(n).toLocaleString('en-US');

const opts = options();
// The AWS SDK's notice about future Node.js versions says nothing about this bench.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const lm = await startEmulator({ host: '127.0.0.1', port: 0 });
const client = new LicenseManagerClient({ endpoint: lm.url, region: REGION, credentials: CREDENTIALS, maxAttempts: 1 });
let failed = false;
try {
  const hot = await hotPath(lm, client, opts);
  console.log(`hot path, batch mode (median of ${opts.rounds} rounds of ${opts.roundMs} ms):`);
  console.log(`  baseline: await Map counter += 1   ${fmt(hot.baseline).padStart(12)} calls/s`);
  console.log(
    `  meter.debit(dimension, 1)          ${fmt(hot.debit).padStart(12)} calls/s  (${((hot.debit / hot.baseline) * 100).toFixed(1)}% of the baseline)`,
  );
  console.log(
    `  (await MemoryStore.increment       ${fmt(hot.storeStep).padStart(12)} calls/s: the one store step of a debit)`,
  );
  console.log(
    `  License Manager calls during the loops: ${hot.callsDuring}; ${fmt(hot.debited)} units debited, ` +
      `${fmt(hot.pending)} pending before stop, ${fmt(hot.reported)} consumed after stop`,
  );
  if (hot.callsDuring !== 0) {
    console.error('  FAIL: the hot path called License Manager');
    failed = true;
  }
  if (hot.reported !== hot.debited || hot.pending !== hot.debited) {
    console.error('  FAIL: the units debited, pending and consumed differ');
    failed = true;
  }

  console.log(`\ncalls per flush: ${fmt(opts.debits)} debits of 1 unit, batchUnits ${fmt(opts.batchUnits)}:`);
  const runs = [
    ['no faults', undefined],
    [
      '20% RateLimitExceededException (for information)',
      { kind: 'error', error: 'RateLimitExceededException', status: 400, rate: 0.2 },
    ],
  ];
  for (const [label, fault] of runs) {
    const run = await callsPerFlush(lm, client, opts, fault);
    const perFlush = run.flushes === 0 ? NaN : run.calls / run.flushes;
    console.log(
      `  ${label}: ${run.calls} CheckoutLicense calls / ${run.flushes} flushes = ${perFlush.toFixed(2)} calls per flush; ` +
        `${run.acknowledged} acknowledged, ${fmt(run.units)} units consumed, ${fmt((opts.debits * 1000) / run.elapsed)} debits/s with the flushes`,
    );
    if (run.units !== opts.debits) {
      console.error(`  FAIL: ${fmt(run.units)} units consumed for ${fmt(opts.debits)} debited`);
      failed = true;
    }
    if (fault === undefined) {
      console.log(`goal 1 call per flush without faults: ${perFlush === 1 ? 'met' : 'not met'}`);
    }
  }
} finally {
  client.destroy();
  await lm.close();
}
if (failed) process.exitCode = 1;
