// Benchmark: the Redis store of @licensegate/redis, under gates of @licensegate/core.
//
//   1. Round trips per request on the hot path (goal: at most one). The store's ioredis client counts the commands
//      it sends (each its own round trip) while N requests go through each hot path: a tier check, a seat check
//      (SessionSeats.require, what the adapters' SeatSteps.require runs: touch + get), a batch-mode debit, and a
//      per-request charge (RequestCharge, what the adapters' DrawdownStep runs under it: reserve, then commit). INFO commandstats confirms the
//      scripts the server ran.
//   2. Debit throughput in batch mode, with reports to License Manager under way: RedisStore against MemoryStore,
//      one request at a time and many at once. After stop(), GetLicenseUsage must show exactly the units debited.
//   3. Seat acquire latency added by Redis: p50 and p99 of gate.seats.acquire() on RedisStore and on MemoryStore,
//      in alternating rounds; the difference is what Redis adds. For information, one store.get() (one EVALSHA).
//   4. What the write-ahead costs a charged HTTP response: on a durable store the response's end waits until its
//      units are journaled. Express apps charging 1 unit per request on RedisStore and on MemoryStore (the
//      baseline, no write-ahead), and a tier-only route on RedisStore: latency one at a time, rate many at once.
//
// The emulator runs in this process (startEmulator on 127.0.0.1); redis-server in a child process on a free
// loopback port, without persistence. Without redis-server the bench says so and exits 0.
//
// Usage: node bench/redis.mjs [--requests N] [--duration-ms MS] [--concurrency N] [--acquires N]
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';

import { GetLicenseUsageCommand, LicenseManagerClient } from '@aws-sdk/client-license-manager';
import { createLicenseGate, MemoryStore, silentLogger, systemClock } from '@licensegate/core';
import { RequestCharge, SessionSeats } from '@licensegate/core/http';
import { startEmulator } from '@licensegate/emulator';
import { licenseGate } from '@licensegate/express';
import { RedisStore } from '@licensegate/redis';
import express from 'express';
import { findRedisServer, startRedisServer } from '@licensegate/redis/testing';
import { Redis } from 'ioredis';
import { wholeNumberOptions } from './lib/options.mjs';

const REGION = 'us-east-1';
const SEATS = 'ConcurrentUsers';
const UNITS = 'DataConsumption';
const DAY_MS = 24 * 60 * 60_000;

const USAGE = `Usage: node bench/redis.mjs [options]
  --requests N      requests through each hot path in the round-trip count (default 20000)
  --duration-ms MS  length of each throughput run (default 2000)
  --concurrency N   debits in flight in the concurrent throughput runs (default 64)
  --acquires N      seat acquisitions per store and round in the latency runs (default 300; 4 rounds)
Options of other benches (passed by bench/run.mjs) are ignored.
`;

function options() {
  return wholeNumberOptions(USAGE, { requests: 20000, 'duration-ms': 2000, concurrency: 64, acquires: 300 });
}

/** A Marketplace license: many seats, and drawdown units that allow overage, so no run ever runs out. */
function seed(sku, tiered) {
  return {
    AwsMarketplace: true,
    LicenseName: `${sku} license`,
    ProductName: 'licensegate bench (redis)',
    ProductSKU: sku,
    Issuer: { Name: 'AWS/Marketplace' },
    HomeRegion: REGION,
    Validity: { Begin: '-1d', End: '+365d' },
    Entitlements: tiered
      ? [{ Name: 'Intermediate', Unit: 'None', Overage: false, AllowCheckIn: true }]
      : [
          { Name: SEATS, MaxCount: 1_000_000, Overage: false, Unit: 'Count', AllowCheckIn: true },
          { Name: UNITS, MaxCount: 1_000_000_000, Overage: true, Unit: 'Count' },
        ],
    Beneficiary: '123456789012',
    ConsumptionConfiguration: { RenewType: 'None', ProvisionalConfiguration: { MaxTimeToLiveInMinutes: 60 } },
  };
}

// ------------------------------------------------------------------------------------ setup

/** The bench's world: the emulator, redis-server, and a client for INFO. */
async function world() {
  const lm = await startEmulator({ host: '127.0.0.1', port: 0 });
  const redis = await startRedisServer();
  const admin = new Redis({ host: redis.host, port: redis.port, lazyConnect: true, maxRetriesPerRequest: 0 });
  await admin.connect();
  const client = new LicenseManagerClient({ endpoint: lm.url, region: REGION, maxAttempts: 1 });
  return { lm, redis, admin, client };
}

/** A started gate on a new license, with a RedisStore (`redis`) or a MemoryStore. */
async function newGate(w, { store: kind, tiered = false, drawdown, sku }) {
  const productSku = sku ?? `lg-bench-redis-${randomUUID()}`;
  const arn = sku === undefined ? w.lm.addLicenses([seed(productSku, tiered)])[0] : undefined;
  const store =
    kind === 'redis'
      ? new RedisStore({ client: { host: w.redis.host, port: w.redis.port }, logger: silentLogger })
      : new MemoryStore();
  const gate = createLicenseGate({
    productSku,
    ...(tiered
      ? { tiers: ['Basic', 'Intermediate', 'Premium'] }
      : {
          seats: { entitlement: SEATS },
          drawdown: { [UNITS]: { mode: 'batch', batchUnits: 10_000, batchIntervalMs: 1_000, ...drawdown } },
        }),
    client: w.client,
    store,
    logger: silentLogger,
  });
  const sent = { commands: 0 };
  if (kind === 'redis') {
    // Counts what the store's client sends: one command is one round trip (the store never pipelines).
    const client = store.client;
    const send = client.sendCommand.bind(client);
    client.sendCommand = (...args) => {
      sent.commands++;
      return send(...args);
    };
  }
  await gate.start();
  return { gate, store, arn, sku: productSku, sent };
}

async function consumed(w, arn) {
  const answer = await w.client.send(new GetLicenseUsageCommand({ LicenseArn: arn }));
  return Number(answer.LicenseUsage?.EntitlementUsages?.find((u) => u.Name === UNITS)?.ConsumedValue ?? 0);
}

// ------------------------------------------------------------------------------------ 1. round trips

/** Scripts the server has run (EVALSHA and EVAL), from INFO commandstats. */
async function scriptCalls(admin) {
  const info = await admin.info('commandstats');
  let calls = 0;
  for (const match of info.matchAll(/^cmdstat_(evalsha|eval):calls=(\d+)/gm)) calls += Number(match[2]);
  return calls;
}

async function roundTrips(w, { requests }) {
  const tiered = await newGate(w, { store: 'redis', tiered: true });
  const counted = await newGate(w, {
    store: 'redis',
    drawdown: { batchUnits: Number.MAX_SAFE_INTEGER, batchIntervalMs: DAY_MS },
  });
  const sessions = new SessionSeats(() => counted.gate.seats, silentLogger);
  const sessionKeys = Array.from({ length: 100 }, (_, i) => `session-${i}`);
  const requestsOf = sessionKeys.map((sessionId) => ({ sessionId, session: {}, userKey: undefined }));
  for (const request of requestsOf) await sessions.acquire(request);
  const req = {};
  const res = {};

  const paths = [
    ['tier check (gate.hasTier)', async () => void tiered.gate.hasTier('Intermediate')],
    ['seat check (requireSeat: touch + get)', async (i) => void (await sessions.require(requestsOf[i % 100]))],
    ['debit (batch mode)', async () => counted.gate.drawdown.debit(UNITS, 1)],
    [
      'per-request charge (reserve, then commit)',
      async () => {
        const charge = await RequestCharge.open(counted.gate.drawdown, UNITS, 1, req);
        await charge.settle(true, req, res);
      },
    ],
  ];
  const lines = [];
  for (const [name, step] of paths) {
    for (let i = 0; i < 200; i++) await step(i); // warm-up
    const before = tiered.sent.commands + counted.sent.commands;
    const scripts = await scriptCalls(w.admin);
    for (let i = 0; i < requests; i++) await step(i);
    lines.push({
      name,
      commands: (tiered.sent.commands + counted.sent.commands - before) / requests,
      scripts: ((await scriptCalls(w.admin)) - scripts) / requests,
    });
  }
  await tiered.gate.stop();
  await counted.gate.stop();
  return lines;
}

// ------------------------------------------------------------------------------------ 2. throughput

async function throughput(w, { kind, concurrency, durationMs }) {
  const { gate, arn } = await newGate(w, { store: kind });
  let debited = 0;
  const deadline = performance.now() + durationMs;
  const t0 = performance.now();
  const worker = async () => {
    while (performance.now() < deadline) {
      await gate.drawdown.debit(UNITS, 1);
      debited++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = performance.now() - t0;
  await gate.stop(); // reports what is left
  const reported = await consumed(w, arn);
  return { rate: (debited * 1000) / elapsed, debited, reported };
}

// ------------------------------------------------------------------------------------ 3. seat latency

function percentile(samples, p) {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function acquireLatency(w, { acquires }) {
  const samples = { memory: [], redis: [] };
  for (let round = 0; round < 4; round++) {
    for (const kind of ['memory', 'redis']) {
      const { gate } = await newGate(w, { store: kind });
      for (let i = 0; i < 20; i++) await gate.seats.acquire(`warm-${i}`);
      for (let i = 0; i < acquires; i++) {
        const t0 = performance.now();
        await gate.seats.acquire(`user-${round}-${i}`);
        samples[kind].push(performance.now() - t0);
      }
      await gate.stop(); // checks every seat in
    }
  }
  const probe = new RedisStore({ client: { host: w.redis.host, port: w.redis.port }, logger: silentLogger });
  await probe.init({ clock: systemClock });
  await probe.put('bench:x', 'k', { token: 'x'.repeat(200) });
  const gets = [];
  for (let i = 0; i < 2_000; i++) {
    const t0 = performance.now();
    await probe.get('bench:x', 'k');
    gets.push(performance.now() - t0);
  }
  await probe.shutdown();
  return { samples, gets };
}

// ------------------------------------------------------------------------------------ 4. write-ahead

/**
 * What the write-ahead costs a charged response: on a durable store the response's end waits until
 * its units are journaled. Three Express apps in this process, each `POST /work` charging 1 unit in
 * batch mode through `lg.drawdown()`: on RedisStore (write-ahead), on MemoryStore (no write-ahead:
 * the baseline), and a tier-only route on RedisStore (no charge at all). Sequential requests on one
 * keep-alive connection give the latency each adds; many in flight give the rates. Rounds
 * alternate between the apps. After the runs, License Manager must have consumed exactly the 2xx
 * answers of the charged apps.
 */
async function writeAhead(w, { requests, concurrency }) {
  const apps = [];
  for (const [name, kind, charged] of [
    ['RedisStore, charged (write-ahead)', 'redis', true],
    ['MemoryStore, charged (baseline)', 'memory', true],
    ['RedisStore, tier check only', 'redis', false],
  ]) {
    const g = await newGate(w, { store: kind, tiered: !charged });
    const lg = licenseGate(g.gate);
    const app = express();
    app.post('/work', charged ? lg.drawdown(UNITS, 1) : lg.requireTier('Basic'), (_req, res) => res.json({ ok: true }));
    const server = http.createServer(app);
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
    apps.push({ name, g, charged, server, agent, port: server.address().port, latency: [], served: 0, elapsed: 0 });
  }
  const post = (app) =>
    new Promise((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port: app.port, method: 'POST', path: '/work', agent: app.agent },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode));
        },
      );
      req.on('error', reject);
      req.end();
    });
  const rounds = 4;
  for (let round = 0; round < rounds; round++) {
    for (const app of apps) {
      for (let i = 0; i < requests / rounds; i++) {
        const t0 = performance.now();
        if ((await post(app)) === 200) app.served++;
        app.latency.push(performance.now() - t0);
      }
      let sent = 0;
      const t0 = performance.now();
      const worker = async () => {
        while (sent < requests / rounds) {
          sent++;
          if ((await post(app)) === 200) app.served++;
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
      app.elapsed += performance.now() - t0;
    }
  }
  const lines = [];
  for (const app of apps) {
    app.server.close();
    app.agent.destroy();
    await app.g.gate.stop();
    const units = app.charged ? await consumed(w, app.g.arn) : undefined;
    lines.push({
      name: app.name,
      p50: percentile(app.latency, 50),
      p99: percentile(app.latency, 99),
      rate: (requests * 1000) / app.elapsed,
      exact: units === undefined || units === app.served,
      units,
      served: app.served,
    });
  }
  return lines;
}

// ------------------------------------------------------------------------------------ report

const CLOCK_TICKS_PER_S = 100; // Linux's USER_HZ

/** CPU time, in ms, of the whole machine and of one process; undefined off Linux. */
function busyMs(pid) {
  try {
    const [user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8')
      .split('\n', 1)[0]
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    const server = Number(fields[11]) + Number(fields[12]); // utime, stime
    return {
      machine: ((user + nice + system + irq + softirq + (steal ?? 0)) * 1000) / CLOCK_TICKS_PER_S,
      server: (server * 1000) / CLOCK_TICKS_PER_S,
    };
  } catch {
    return undefined;
  }
}

/** Runs `work`; answers its result and the share of all CPUs that processes other than this one and redis-server took. */
async function measured(pid, work) {
  const before = busyMs(pid);
  const self0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await work();
  const wallMs = performance.now() - t0;
  const after = busyMs(pid);
  const self = process.cpuUsage(self0);
  if (before === undefined || after === undefined) return { result, otherLoad: undefined };
  const otherMs = after.machine - before.machine - (after.server - before.server) - (self.user + self.system) / 1000;
  return { result, otherLoad: Math.max(0, otherMs / (wallMs * availableParallelism())) };
}

const fmt = (n) => Math.round(n).toLocaleString('en-US');
const ms = (n) => `${n.toFixed(n < 1 ? 3 : 2)} ms`;
const pad = (label) => label.padEnd(48);
const load = (otherLoad) => {
  if (otherLoad === undefined) return '';
  const note = `  (other processes: ${(100 * otherLoad).toFixed(0)}% of the CPUs)`;
  return otherLoad > 0.1 ? `${note}  WARNING: the machine was busy; figures are low` : note;
};

async function main() {
  const opts = options();
  if (findRedisServer() === undefined) {
    console.log('redis-server is not installed: bench/redis.mjs skipped (.ci/run installs it).');
    return;
  }
  // The gate finds credentials the standard way; the emulator (default `signed` auth) checks only their form.
  process.env.AWS_ACCESS_KEY_ID = 'AKIDLICENSEGATEBENCH';
  process.env.AWS_SECRET_ACCESS_KEY = 'licensegate-bench-secret';
  process.env.AWS_REGION = REGION;
  delete process.env.AWS_PROFILE;
  delete process.env.AWS_SESSION_TOKEN;
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

  const w = await world();
  let failed = false;
  try {
    const version = /redis_version:(\S+)/.exec(await w.admin.info('server'))?.[1];
    console.log(`redis-server ${version} on 127.0.0.1:${w.redis.port}, no persistence; emulator in this process`);

    console.log(
      `\n1. Redis commands per request on the hot path (${fmt(opts.requests)} requests each; goal: at most one)`,
    );
    const trips = await measured(w.redis.pid, () => roundTrips(w, opts));
    let worst = 0;
    for (const line of trips.result) {
      worst = Math.max(worst, line.commands);
      console.log(
        `   ${pad(line.name)} ${line.commands.toFixed(3)} round trips/request  (server: ${line.scripts.toFixed(3)} scripts/request)`,
      );
    }
    console.log(`   goal <= 1 round trip per request: ${worst <= 1 ? 'met' : 'not met'}${load(trips.otherLoad)}`);

    console.log(
      `\n2. Debits per second, batch mode (batchUnits 10000, reports every second), ${opts.durationMs} ms each`,
    );
    for (const concurrency of [1, opts.concurrency]) {
      for (const kind of ['memory', 'redis']) {
        const run = await measured(w.redis.pid, () =>
          throughput(w, { kind, concurrency, durationMs: opts.durationMs }),
        );
        const { rate, debited, reported } = run.result;
        const exact = reported === debited;
        failed ||= !exact;
        console.log(
          `   ${pad(`${kind === 'redis' ? 'RedisStore' : 'MemoryStore'}, ${concurrency} in flight`)} ${fmt(rate).padStart(9)} debits/s` +
            `  consumed ${fmt(reported)} of ${fmt(debited)} debited: ${exact ? 'exact' : 'MISMATCH'}${load(run.otherLoad)}`,
        );
      }
    }

    console.log(`\n3. gate.seats.acquire() latency (4 rounds of ${opts.acquires} per store, alternating)`);
    const latency = await measured(w.redis.pid, () => acquireLatency(w, opts));
    const { samples, gets } = latency.result;
    const p = (kind, q) => percentile(samples[kind], q);
    console.log(`   ${pad('MemoryStore')} p50 ${ms(p('memory', 50))}   p99 ${ms(p('memory', 99))}`);
    console.log(`   ${pad('RedisStore')} p50 ${ms(p('redis', 50))}   p99 ${ms(p('redis', 99))}`);
    console.log(
      `   ${pad('added by Redis')} p50 ${ms(p('redis', 50) - p('memory', 50))}   p99 ${ms(p('redis', 99) - p('memory', 99))}` +
        load(latency.otherLoad),
    );
    console.log(
      `   ${pad('for information: one store.get() (one EVALSHA)')} p50 ${ms(percentile(gets, 50))}   p99 ${ms(percentile(gets, 99))}`,
    );

    console.log(
      `\n4. What the write-ahead costs a charged response (Express, batch mode; ${fmt(opts.requests / 4)} requests one at a time, then ${opts.concurrency} in flight, per app)`,
    );
    const ahead = await measured(w.redis.pid, () =>
      writeAhead(w, { requests: Math.max(400, Math.round(opts.requests / 4)), concurrency: opts.concurrency }),
    );
    const [withAhead, baseline, tierOnly] = ahead.result;
    for (const line of ahead.result) {
      failed ||= !line.exact;
      console.log(
        `   ${pad(line.name)} p50 ${ms(line.p50)}   p99 ${ms(line.p99)}   ${fmt(line.rate).padStart(7)} req/s` +
          (line.units === undefined
            ? ''
            : `   consumed ${fmt(line.units)} of ${fmt(line.served)} served: ${line.exact ? 'exact' : 'MISMATCH'}`),
      );
    }
    console.log(
      `   ${pad('write-ahead vs MemoryStore')} p50 +${ms(withAhead.p50 - baseline.p50)}   rate ${(withAhead.rate / baseline.rate).toFixed(3)} of the baseline` +
        load(ahead.otherLoad),
    );
    console.log(
      `   ${pad('write-ahead vs the same Redis, no charge')} p50 +${ms(withAhead.p50 - tierOnly.p50)}   rate ${(withAhead.rate / tierOnly.rate).toFixed(3)}`,
    );
  } finally {
    w.admin.disconnect();
    w.client.destroy();
    await w.lm.close();
    await w.redis.stop();
  }
  if (failed) {
    console.error('bench/redis.mjs: License Manager did not consume exactly the units debited');
    process.exitCode = 1;
  }
}

await main();
