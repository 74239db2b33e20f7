// Benchmark: floating seats of @licensegate/core — memory per held seat, timers, and acquire latency.
//
//   1. Memory (goal: <= 1,024 bytes of heap per held seat, for 100,000 seats in one process). One gate holds N
//      seats on a license of 1,000,000 `ConcurrentUsers`: N real acquisitions, each a CheckoutLicense over HTTP
//      through the real AWS SDK. The emulator runs in a CHILD process, so this process's heap is the engine's
//      alone (plus the app's key strings, which are made before the first measurement and so not counted).
//      `global.gc()` runs before and after; the figure is the growth of `heapUsed` divided by N. N is 20,000 by
//      default: the SDK fills a pool at about 700–1,000 acquisitions/s on a 2-core machine, so 100,000 take
//      about two minutes; the per-seat figure is extrapolated to 100,000 (`--seats 100000` measures it).
//      Baseline, in the same run: a bare `Map<key, { token, expiresAt }>` of N entries (the least a seat table
//      can hold). The engine's clock counts its pending timers: the goal is ONE for all the seats' keep-alives,
//      whatever N is.
//   2. Latency. `gate.seats.acquire()` p50/p99 over 1,000 sequential acquisitions, next to a bare
//      `CheckoutLicense` SDK call (PROVISIONAL, Value=1, a new ClientToken each) p50/p99 as the baseline:
//      the difference is what the engine adds (store writes, the record, the schedule).
//
// node runs this file with --expose-gc (it starts itself again with the flag when it was not given).
//
// Usage: node bench/core-seats.mjs [--seats N] [--latency N] [--concurrency N]
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent } from 'node:http';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { clearTimeout, setTimeout } from 'node:timers';
import { fileURLToPath } from 'node:url';
import { percentile } from './lib/stats.mjs';
import { wholeNumberOptions } from './lib/options.mjs';

const SELF = fileURLToPath(import.meta.url);

// Re-run with --expose-gc when it was not given (bench/run.mjs starts every bench without flags).
if (typeof globalThis.gc !== 'function') {
  const child = spawn(process.execPath, ['--expose-gc', ...process.execArgv, SELF, ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  const [code, signal] = await once(child, 'exit');
  process.exit(signal !== null ? 1 : (code ?? 1));
}

// Local dummy credentials: the SDK's default chain finds them; the emulator checks only the header's form.
process.env.AWS_ACCESS_KEY_ID = 'AKIDLICENSEGATEBENCH';
process.env.AWS_SECRET_ACCESS_KEY = 'licensegate-bench-secret';
delete process.env.AWS_SESSION_TOKEN;
delete process.env.AWS_PROFILE;
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const { CheckoutLicenseCommand, GetLicenseUsageCommand, LicenseManagerClient } =
  await import('@aws-sdk/client-license-manager');
const { AWS_MARKETPLACE_KEY_FINGERPRINT, MemoryStore, createLicenseGate, silentLogger } =
  await import('@licensegate/core');

const GOAL_BYTES = 1024;
const GOAL_SEATS = 100_000;
const HOST = '127.0.0.1';
const REGION = 'us-east-1';
const EMULATOR_CLI = fileURLToPath(new URL('../packages/emulator/dist/cli.js', import.meta.url));
const ENTITLEMENT = 'ConcurrentUsers';
const MEMORY_SKU = 'licensegate-bench-seats';
const LATENCY_SKU = 'licensegate-bench-seats-latency';
const MEMORY_ARN = 'arn:aws:license-manager::294406891311:license:l-5ea7500000000000000000000000000a';

const USAGE = `Usage: node bench/core-seats.mjs [options]
  --seats N        seats one gate holds for the memory figure (default 20000; the goal is about 100000)
  --latency N      sequential acquisitions (and bare CheckoutLicense calls) for p50/p99 (default 1000)
  --concurrency N  acquisitions in flight while filling the pool, and the SDK's sockets (default 64)
Options of other benches (passed by bench/run.mjs) are ignored.
`;

function options() {
  return wholeNumberOptions(USAGE, { seats: 20000, latency: 1000, concurrency: 64 });
}

function license(sku, arn) {
  return {
    AwsMarketplace: true,
    ...(arn !== undefined ? { LicenseArn: arn } : {}),
    ProductSKU: sku,
    LicenseName: `${sku} license`,
    ProductName: `${sku} product`,
    Issuer: { Name: 'AWS/Marketplace' },
    HomeRegion: REGION,
    Validity: { Begin: '-1d', End: '+365d' },
    Beneficiary: '123456789012',
    Entitlements: [{ Name: ENTITLEMENT, MaxCount: 1_000_000, Overage: false, Unit: 'Count', AllowCheckIn: true }],
    ConsumptionConfiguration: { RenewType: 'None', ProvisionalConfiguration: { MaxTimeToLiveInMinutes: 60 } },
  };
}

/** Starts the emulator CLI in a child process; answers the child and its URL. */
async function startEmulatorChild(seedFile) {
  const child = spawn(process.execPath, [EMULATOR_CLI, '--host', HOST, '--port', '0', '--licenses', seedFile], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the emulator did not print 'listening on' within 10 s")), 10_000);
    child.once('exit', (code) => reject(new Error(`the emulator exited with ${code} before listening`)));
    lines.on('line', (line) => {
      const match = /listening on (http:\/\/\S+)/.exec(line);
      if (match === null) return;
      clearTimeout(timer);
      resolve(match[1]);
    });
  });
  return { child, url };
}

async function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

/** Resident memory of a process in bytes (Linux), or undefined. */
function rssOf(pid) {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match === null ? undefined : Number(match[1]) * 1024;
  } catch {
    return undefined;
  }
}

/** The system clock, counting the timers it has pending (set, not yet run or cleared), with their delays. */
function countingClock() {
  const pending = new Map();
  return {
    pending,
    now: () => Date.now(),
    setTimeout(callback, delayMs) {
      const timer = setTimeout(
        () => {
          pending.delete(timer);
          callback();
        },
        Math.max(0, Math.min(delayMs, 2 ** 31 - 1)),
      );
      timer.unref();
      pending.set(timer, delayMs);
      return timer;
    },
    clearTimeout(timer) {
      pending.delete(timer);
      clearTimeout(timer);
    },
  };
}

/** What a pending timer of the engine is for, told by its delay (the engine's defaults). */
function timerRole(delayMs) {
  const min = delayMs / 60_000;
  if (min >= 26 && min <= 31) return 'seat keep-alive queue (27–30 min)';
  if (delayMs === 20_000) return 'engine heartbeat (instanceLeaseMs / 3)';
  if (delayMs === 60_000) return 'MemoryStore sweep';
  if (min >= 13 && min <= 15.1) return 'license refresh (15 min less jitter)';
  if (delayMs >= 24 * 3_600_000) return 'license expiry watch (re-armed every 24.8 days)';
  return `other (${Math.round(delayMs)} ms)`;
}

function heapUsed() {
  globalThis.gc();
  globalThis.gc();
  return process.memoryUsage().heapUsed;
}

function client(url, sockets) {
  return new LicenseManagerClient({
    endpoint: url,
    region: REGION,
    maxAttempts: 1,
    requestHandler: { httpAgent: new Agent({ keepAlive: true, maxSockets: sockets }) },
  });
}

function ms(value) {
  return `${value.toFixed(2)} ms`;
}

function fmt(n) {
  return Math.round(n).toLocaleString('en-US');
}

/** Runs `work(i)` for i < n with `concurrency` in flight. */
async function pooled(n, concurrency, work) {
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      await work(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
}

async function consumed(url, arn) {
  const admin = client(url, 1);
  try {
    const answer = await admin.send(new GetLicenseUsageCommand({ LicenseArn: arn }));
    return Number(answer.LicenseUsage?.EntitlementUsages?.find((u) => u.Name === ENTITLEMENT)?.ConsumedValue ?? NaN);
  } finally {
    admin.destroy();
  }
}

/** 1,000 sequential gate acquisitions and 1,000 sequential bare CheckoutLicense calls, after a warm-up of each. */
async function latency(url, n) {
  const gate = createLicenseGate({
    productSku: LATENCY_SKU,
    seats: { entitlement: ENTITLEMENT },
    client: client(url, 4),
    logger: silentLogger,
    store: new MemoryStore(),
  });
  await gate.start();
  const bare = client(url, 4);
  const checkout = () =>
    bare.send(
      new CheckoutLicenseCommand({
        ProductSKU: LATENCY_SKU,
        CheckoutType: 'PROVISIONAL',
        KeyFingerprint: AWS_MARKETPLACE_KEY_FINGERPRINT,
        Entitlements: [{ Name: ENTITLEMENT, Unit: 'Count', Value: '1' }],
        ClientToken: randomUUID(),
      }),
    );
  const time = async (count, call) => {
    const samples = [];
    for (let i = 0; i < count; i++) {
      const t0 = performance.now();
      await call(i);
      samples.push(performance.now() - t0);
    }
    return samples.sort((a, b) => a - b);
  };
  const warm = Math.min(200, n);
  await time(warm, (i) => gate.seats.acquire(`warm-${i}`));
  await time(warm, checkout);
  // Interleave the two in rounds, so that neither gets the quieter half of the run.
  const engine = [];
  const baseline = [];
  const rounds = 10;
  for (let r = 0; r < rounds; r++) {
    const count = Math.floor(n / rounds) + (r < n % rounds ? 1 : 0);
    engine.push(...(await time(count, (i) => gate.seats.acquire(`lat-${r}-${i}`))));
    baseline.push(...(await time(count, checkout)));
  }
  engine.sort((a, b) => a - b);
  baseline.sort((a, b) => a - b);
  const stopped = performance.now();
  await gate.stop();
  const stopMs = performance.now() - stopped;
  bare.destroy();
  return { engine, baseline, stopMs, held: n + warm };
}

/** One gate holding `n` seats: heap per seat, timers; plus the bare-Map baseline. */
async function memory(url, childPid, n, concurrency) {
  const keys = Array.from({ length: n }, () => randomUUID()); // the app's session ids: not counted

  // Baseline: the least a seat table can be (key -> token and expiry), made the way the engine's would be.
  const before0 = heapUsed();
  const table = new Map();
  for (const key of keys) table.set(key, { token: randomBytes(16).toString('hex'), expiresAt: Date.now() + 3_600_000 });
  const baselineBytes = (heapUsed() - before0) / n;
  table.clear();

  const clock = countingClock();
  const empty = heapUsed();
  const gate = createLicenseGate({
    productSku: MEMORY_SKU,
    seats: { entitlement: ENTITLEMENT },
    client: client(url, concurrency),
    clock,
    logger: silentLogger,
    store: new MemoryStore(),
  });
  await gate.start();
  const before = heapUsed();
  const fixedBytes = before - empty;
  const timersBefore = clock.pending.size;
  const childRss0 = rssOf(childPid);

  const t0 = performance.now();
  let failed = 0;
  let firstError;
  await pooled(n, concurrency, (i) =>
    gate.seats.acquire(keys[i]).catch((error) => {
      failed++;
      firstError ??= error;
    }),
  );
  const fillMs = performance.now() - t0;
  const after = heapUsed();
  const childRss1 = rssOf(childPid);
  const timers = [...clock.pending.values()].map(timerRole).sort();
  const heldHere = gate.status().seats?.heldHere ?? 0;
  const lm = await consumed(url, MEMORY_ARN);
  return {
    baselineBytes,
    fixedBytes,
    perSeat: (after - before) / heldHere,
    heldHere,
    failed,
    firstError,
    fillMs,
    timers,
    timersBefore,
    consumed: lm,
    childRssGrowth: childRss0 !== undefined && childRss1 !== undefined ? childRss1 - childRss0 : undefined,
    gate,
  };
}

async function main() {
  const opts = options();
  if (!existsSync(EMULATOR_CLI)) throw new Error(`${EMULATOR_CLI} is missing; run npm run build first.`);
  const cpu = cpus()[0]?.model.trim() ?? 'unknown';
  console.log(
    `core seats bench: ${availableParallelism()} CPUs (${cpu}), node ${process.version}; ` +
      `${fmt(opts.seats)} seats in one gate (${opts.concurrency} in flight), ` +
      `${fmt(opts.latency)} sequential acquisitions; the emulator runs in a child process`,
  );
  const dir = await mkdtemp(join(tmpdir(), 'licensegate-bench-seats-'));
  let emulator;
  try {
    const seedFile = join(dir, 'licenses.json');
    await writeFile(seedFile, JSON.stringify([license(MEMORY_SKU, MEMORY_ARN), license(LATENCY_SKU)]));
    emulator = await startEmulatorChild(seedFile);

    const lat = await latency(emulator.url, opts.latency);
    const [e50, e99] = [percentile(lat.engine, 50), percentile(lat.engine, 99)];
    const [b50, b99] = [percentile(lat.baseline, 50), percentile(lat.baseline, 99)];
    const runs = `(${fmt(lat.engine.length)} sequential)`;
    console.log(`latency, gate.seats.acquire():            p50 ${ms(e50)}  p99 ${ms(e99)}  ${runs}`);
    console.log(`latency, bare CheckoutLicense (baseline): p50 ${ms(b50)}  p99 ${ms(b99)}  ${runs}`);
    console.log(
      `  the engine adds p50 ${ms(e50 - b50)}, p99 ${ms(e99 - b99)}; ` +
        `stop() returned its ${fmt(lat.held)} seats in ${ms(lat.stopMs)}`,
    );

    const mem = await memory(emulator.url, emulator.child.pid, opts.seats, opts.concurrency);
    const seats = fmt(mem.heldHere);
    if (mem.failed > 0) {
      const first = `${mem.firstError?.name}: ${mem.firstError?.message}`;
      console.log(`  ${fmt(mem.failed)} acquisitions failed; first: ${first}`);
    }
    const rate = fmt((mem.heldHere * 1000) / mem.fillMs);
    const usage = mem.consumed === mem.heldHere ? 'equal' : 'MISMATCH';
    console.log(
      `filled ${seats} seats in ${(mem.fillMs / 1000).toFixed(1)} s (${rate} acquisitions/s); ` +
        `GetLicenseUsage ConsumedValue ${fmt(mem.consumed)}: ${usage}`,
    );
    console.log(
      `heap per held seat, engine:                                 ${fmt(mem.perSeat)} B  ` +
        `(heapUsed growth / ${seats} seats)`,
    );
    const extrapolated = mem.heldHere < GOAL_SEATS;
    if (extrapolated) {
      console.log(
        `  measured with ${seats} seats, extrapolated to ${fmt(GOAL_SEATS)}: ` +
          `${fmt((mem.perSeat * GOAL_SEATS) / 1048576)} MiB of heap (run with --seats ${GOAL_SEATS} to measure it)`,
      );
    }
    console.log(`heap per entry, bare Map<key, {token, expiresAt}> (baseline): ${fmt(mem.baselineBytes)} B`);
    console.log(`  fixed cost of a started gate with seats, before any seat: ${fmt(mem.fixedBytes / 1024)} KiB`);
    if (mem.childRssGrowth !== undefined) {
      const grew = fmt(mem.childRssGrowth / 1048576);
      console.log(`  the emulator child's RSS grew ${grew} MiB meanwhile (its own state, not counted)`);
    }
    const keepAlive = mem.timers.filter((t) => t.startsWith('seat keep-alive')).length;
    console.log(
      `pending timers on the engine's clock with ${seats} seats: ${mem.timers.length} ` +
        `(${mem.timersBefore} before the first seat)`,
    );
    for (const role of new Set(mem.timers)) console.log(`  ${mem.timers.filter((t) => t === role).length} x ${role}`);
    console.log(`  seats' keep-alive timers: ${keepAlive} (goal 1)`);
    console.log(
      `goal <= ${GOAL_BYTES} B/seat: ${mem.perSeat <= GOAL_BYTES ? 'met' : 'not met'} ` +
        `(${fmt(mem.perSeat)} B/seat with ${seats} seats${extrapolated ? `, taken for ${fmt(GOAL_SEATS)}` : ''}; ` +
        `baseline Map ${fmt(mem.baselineBytes)} B/entry)`,
    );
    if (mem.consumed !== mem.heldHere || keepAlive !== 1) process.exitCode = 1;
    // No stop() here: it would make 100,000 CheckInLicense calls; the emulator child goes away with its seats.
    mem.gate.options.client.destroy();
  } finally {
    if (emulator !== undefined) await stopChild(emulator.child);
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(`core-seats bench failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
