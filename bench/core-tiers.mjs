// Benchmark: the tier gate of @licensegate/core — its hot path, and the License Manager calls of a cold start.
//
//   1. Hot path (goal: >= 5,000,000 checks/s). With a fresh cached answer, `gate.hasTier(t)` and
//      `gate.tierCheck(t)()` calls per second, against a floor measured in the same run: a `Map.get` of the
//      tier's rank plus one comparison, the least any tier check can do. Rounds of the three loops alternate,
//      and each figure is the median of its rounds. A denied check (it builds the error an adapter answers
//      with) is measured too, for information.
//   2. Cold start (goal: exactly one CheckoutLicense). N concurrent first requests on a fresh gate, half of
//      them `gate.start()` and half `gate.refresh()`, through the real AWS SDK to the emulator; the emulator
//      counts the CheckoutLicense calls. Baseline: the same N callers each calling CheckoutLicense themselves.
//
// The emulator runs in this process (startEmulator on 127.0.0.1): the hot path makes no call, which the bench
// checks by the emulator's call count before and after.
//
// Usage: node bench/core-tiers.mjs [--rounds N] [--round-ms MS] [--concurrency N]
import { randomUUID } from 'node:crypto';
import { Agent } from 'node:http';
import { availableParallelism, cpus } from 'node:os';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { setImmediate } from 'node:timers';

import { CheckoutLicenseCommand, LicenseManagerClient } from '@aws-sdk/client-license-manager';
import { AWS_MARKETPLACE_KEY_FINGERPRINT, createLicenseGate, silentLogger } from '@licensegate/core';
import { startEmulator } from '@licensegate/emulator';
import { median } from './lib/stats.mjs';
import { machineBusyMs } from './lib/cpu-time.mjs';
import { wholeNumberOptions } from './lib/options.mjs';

const GOAL_OPS = 5_000_000;
const REGION = 'us-east-1';
const SKU = 'licensegate-bench-tiered';
const TIERS = ['Basic', 'Intermediate', 'Premium'];
// The names each loop checks, in turn: every one is granted by an Intermediate license.
const GRANTED = ['Basic', 'Intermediate', 'Intermediate', 'Basic'];

const USAGE = `Usage: node bench/core-tiers.mjs [options]
  --rounds N        rounds of each hot-path loop; the median is reported (default 7)
  --round-ms MS     length of one round (default 250)
  --concurrency N   concurrent first requests in the cold-start run (default 1000)
Options of other benches (passed by bench/run.mjs) are ignored.
`;

function options() {
  return wholeNumberOptions(USAGE, { rounds: 7, 'round-ms': 250, concurrency: 1000 });
}

function seed() {
  return {
    AwsMarketplace: true,
    LicenseName: 'licensegate bench (tiered)',
    ProductName: 'licensegate bench (tiered)',
    ProductSKU: SKU,
    Issuer: { Name: 'AWS/Marketplace' },
    HomeRegion: REGION,
    Validity: { Begin: '-1d', End: '+365d' },
    Entitlements: [{ Name: 'Intermediate', Value: 'Enabled', Unit: 'None' }],
    Beneficiary: '123456789012',
    ConsumptionConfiguration: { RenewType: 'None', ProvisionalConfiguration: { MaxTimeToLiveInMinutes: 60 } },
  };
}

function newGate(lm) {
  return createLicenseGate({
    productSku: SKU,
    tiers: TIERS,
    client: { endpoint: lm.url, region: REGION },
    logger: silentLogger,
  });
}

// ------------------------------------------------------------------------------------ hot path

/** Runs `loop(n)` for about `ms`, growing n until a run is long enough to time; answers checks/s. */
function timed(loop, ms) {
  let n = 10_000;
  for (;;) {
    const t0 = performance.now();
    const granted = loop(n);
    const elapsed = performance.now() - t0;
    if (granted !== n) throw new Error(`a loop granted ${granted} of ${n} checks; every check should be granted`);
    if (elapsed >= ms) return (n * 1000) / elapsed;
    n = Math.min(2 ** 30, Math.ceil(n * Math.max(2, (ms * 1.1) / Math.max(elapsed, 0.05))));
  }
}

/** Counts garbage collections while `work` runs: a loop that allocates nothing causes none. */
function countingGcs(work) {
  let gcs = 0;
  const observer = new PerformanceObserver((list) => {
    gcs += list.getEntries().length;
  });
  observer.observe({ entryTypes: ['gc'] });
  const result = work();
  return new Promise((resolve) =>
    setImmediate(() => {
      gcs += observer.takeRecords().length;
      observer.disconnect();
      resolve({ result, gcs });
    }),
  );
}

async function hotPath(lm, { rounds, roundMs }) {
  const gate = newGate(lm);
  await gate.start();
  if (gate.tier !== 'Intermediate') throw new Error(`the gate learnt ${gate.tier}, not Intermediate`);
  const callsBefore = lm.calls();

  // The floor: what a tier check is at least — the rank of the name, compared with the rank granted.
  const ranks = new Map(TIERS.map((name, i) => [name, i]));
  const granted = ranks.get('Intermediate');
  const floor = (n) => {
    let ok = 0;
    for (let i = 0; i < n; i++) {
      const rank = ranks.get(GRANTED[i & 3]);
      if (rank !== undefined && rank <= granted) ok++;
    }
    return ok;
  };
  const hasTier = (n) => {
    let ok = 0;
    for (let i = 0; i < n; i++) if (gate.hasTier(GRANTED[i & 3])) ok++;
    return ok;
  };
  const checks = GRANTED.map((name) => gate.tierCheck(name));
  const tierCheck = (n) => {
    let ok = 0;
    for (let i = 0; i < n; i++) if (checks[i & 3]().allowed) ok++;
    return ok;
  };
  // A denied check builds the error an adapter answers with (403 / problem+json).
  const denied = (n) => {
    let ok = 0;
    for (let i = 0; i < n; i++) if (!gate.hasTier('Premium')) ok++;
    return ok;
  };

  const loops = { floor, hasTier, tierCheck };
  const rates = { floor: [], hasTier: [], tierCheck: [] };
  for (const loop of Object.values(loops)) timed(loop, 50); // warm-up: let the JIT optimise each loop
  for (let round = 0; round < rounds; round++) {
    for (const [name, loop] of Object.entries(loops)) rates[name].push(timed(loop, roundMs));
  }
  const gcs = {};
  for (const [name, loop] of Object.entries(loops)) gcs[name] = (await countingGcs(() => loop(5_000_000))).gcs;
  const deniedRate = median(Array.from({ length: 3 }, () => timed(denied, roundMs)));
  const callsDuring = lm.calls() - callsBefore;
  const fresh = gate.status();
  await gate.stop();
  gate.options.client.destroy();
  return {
    floor: median(rates.floor),
    hasTier: median(rates.hasTier),
    tierCheck: median(rates.tierCheck),
    denied: deniedRate,
    gcs,
    callsDuring,
    nextRefreshAt: fresh.nextRefreshAt,
  };
}

// ------------------------------------------------------------------------------------ cold start

async function coldStart(lm, { concurrency }) {
  const before = { checkout: lm.calls('CheckoutLicense'), getLicense: lm.calls('GetLicense') };
  const gate = newGate(lm);
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, (_, i) => (i % 2 === 0 ? gate.start() : gate.refresh())));
  const gateMs = performance.now() - t0;
  const allowed = Array.from({ length: concurrency }, () => gate.hasTier('Intermediate')).filter(Boolean).length;
  const checkouts = lm.calls('CheckoutLicense') - before.checkout;
  const getLicense = lm.calls('GetLicense') - before.getLicense;
  await gate.stop();
  gate.options.client.destroy();

  // Baseline: every caller asks License Manager itself.
  const client = new LicenseManagerClient({
    endpoint: lm.url,
    region: REGION,
    maxAttempts: 1,
    // The callers queue for 100 sockets; the SDK would warn about that queue.
    requestHandler: {
      httpAgent: new Agent({ keepAlive: true, maxSockets: 100 }),
      socketAcquisitionWarningTimeout: 600_000,
    },
  });
  const base0 = lm.calls('CheckoutLicense');
  const t1 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, () =>
      client.send(
        new CheckoutLicenseCommand({
          ProductSKU: SKU,
          CheckoutType: 'PROVISIONAL',
          KeyFingerprint: AWS_MARKETPLACE_KEY_FINGERPRINT,
          Entitlements: TIERS.map((Name) => ({ Name, Unit: 'None' })),
          ClientToken: randomUUID(),
        }),
      ),
    ),
  );
  const baselineMs = performance.now() - t1;
  const baselineCalls = lm.calls('CheckoutLicense') - base0;
  client.destroy();
  return { checkouts, getLicense, allowed, gateMs, baselineCalls, baselineMs };
}

// ------------------------------------------------------------------------------------ report

// Linux's USER_HZ: /proc/stat counts CPU time in 1/100 s.

/** Runs `work`; answers its result and the share of all CPUs that OTHER processes took meanwhile. */
async function measured(work) {
  const machine0 = machineBusyMs();
  const self0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await work();
  const wallMs = performance.now() - t0;
  const machine1 = machineBusyMs();
  const self = process.cpuUsage(self0);
  if (machine0 === undefined || machine1 === undefined) return { result, otherLoad: undefined };
  const otherMs = machine1 - machine0 - (self.user + self.system) / 1000;
  return { result, otherLoad: Math.max(0, otherMs / (wallMs * availableParallelism())) };
}

const fmt = (n) => Math.round(n).toLocaleString('en-US');
const pad = (label) => label.padEnd(52);
const ratio = (rate, floor) => {
  const percent = (100 * rate) / floor;
  return `${percent.toFixed(percent < 10 ? 1 : 0)}% of the floor`;
};

function loadNote(otherLoad) {
  if (otherLoad === undefined) return '';
  const note = `  (other processes: ${Math.round(100 * otherLoad)}% of the CPUs)`;
  return otherLoad > 0.1 ? `${note}\nwarning: the machine was busy; figures are lower than on an idle machine` : note;
}

async function main() {
  const opts = options();
  // The gate finds credentials the standard way; the emulator (default `signed` auth) checks only their form.
  process.env.AWS_ACCESS_KEY_ID = 'AKIDLICENSEGATEBENCH';
  process.env.AWS_SECRET_ACCESS_KEY = 'licensegate-bench-secret';
  process.env.AWS_REGION = REGION;
  delete process.env.AWS_PROFILE;
  delete process.env.AWS_SESSION_TOKEN;
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

  console.log(
    `core tiers bench: ${availableParallelism()} CPUs (${cpus()[0]?.model.trim() ?? 'unknown'}), node ${process.version}; ` +
      `hot path ${opts.rounds} rounds x ${opts.roundMs} ms per loop, cold start ${fmt(opts.concurrency)} concurrent requests`,
  );
  const lm = await startEmulator({ host: '127.0.0.1', port: 0, licenses: [seed()] });
  let ok = true;
  try {
    const hot = await measured(() => hotPath(lm, opts));
    const h = hot.result;
    console.log(
      `${pad('floor: Map.get + comparison')}${fmt(h.floor).padStart(13)} checks/s  GCs per 5M checks ${h.gcs.floor}`,
    );
    console.log(
      `${pad('gate.hasTier(t), fresh cache, granted')}${fmt(h.hasTier).padStart(13)} checks/s  GCs per 5M checks ${h.gcs.hasTier}  = ${ratio(h.hasTier, h.floor)}`,
    );
    console.log(
      `${pad('gate.tierCheck(t)(), fresh cache, granted')}${fmt(h.tierCheck).padStart(13)} checks/s  GCs per 5M checks ${h.gcs.tierCheck}  = ${ratio(h.tierCheck, h.floor)}`,
    );
    console.log(
      `${pad('gate.hasTier(t), denied (builds the 403 error)')}${fmt(h.denied).padStart(13)} checks/s  = ${ratio(h.denied, h.floor)}`,
    );
    console.log(
      `check: License Manager calls during the hot-path runs: ${h.callsDuring} (the answer stayed fresh until ${h.nextRefreshAt})` +
        loadNote(hot.otherLoad),
    );
    const slowest = Math.min(h.hasTier, h.tierCheck);
    console.log(
      `goal >= 5,000,000/s: ${slowest >= GOAL_OPS ? 'met' : 'not met'} (slower of hasTier and tierCheck: ${fmt(slowest)} checks/s)`,
    );
    if (h.callsDuring !== 0) ok = false;

    const cold = await measured(() => coldStart(lm, opts));
    const c = cold.result;
    console.log(
      `${pad(`gate: ${fmt(opts.concurrency)} concurrent start()/refresh()`)}CheckoutLicense calls ${fmt(c.checkouts)}, GetLicense ${fmt(c.getLicense)}, ` +
        `${Math.round(c.gateMs)} ms, then ${fmt(c.allowed)} of ${fmt(opts.concurrency)} checks granted`,
    );
    console.log(
      `${pad(`baseline: ${fmt(opts.concurrency)} callers, one CheckoutLicense each`)}CheckoutLicense calls ${fmt(c.baselineCalls)}, ${Math.round(c.baselineMs)} ms` +
        loadNote(cold.otherLoad),
    );
    console.log(`goal exactly one CheckoutLicense: ${c.checkouts === 1 ? 'met' : 'not met'} (${fmt(c.checkouts)})`);
    if (c.allowed !== opts.concurrency) ok = false;
  } finally {
    await lm.close();
  }
  if (!ok) process.exitCode = 1;
}

main().catch((error) => {
  console.error(`core-tiers bench failed: ${error instanceof Error ? error.stack : String(error)}`);
  process.exitCode = 1;
});
