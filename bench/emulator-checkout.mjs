// Benchmark: CheckoutLicense throughput of the emulator under concurrent clients (goal: >= 5,000 requests/s).
//
// The emulator runs in a child process so that the load generator does not share its event loop. Three runs,
// one after the other so that each has the machine to itself:
//   1. floor: a bare node:http server (also a child) that parses the JSON body and answers a fixed JSON,
//      loaded by autocannon with the same requests: what node can do here at all;
//   2. emulator, loaded by autocannon (the figure the goal is about);
//   3. emulator, loaded by the AWS SDK v3 client (N concurrent send() loops), which is how real callers come.
// Afterwards GetLicenseUsage must show exactly one consumed unit per 2xx checkout.
//
// Usage: node bench/emulator-checkout.mjs [--duration S] [--connections N] [--sdk-duration S] [--sdk-concurrency N]
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent } from 'node:http';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { clearTimeout, setTimeout } from 'node:timers';
import { fileURLToPath } from 'node:url';

import { Sha256 } from '@aws-crypto/sha256-js';
import { CheckoutLicenseCommand, GetLicenseUsageCommand, LicenseManagerClient } from '@aws-sdk/client-license-manager';
import { SignatureV4 } from '@smithy/signature-v4';
import autocannon from 'autocannon';
import { percentile } from './lib/stats.mjs';
import { machineBusyMs } from './lib/cpu-time.mjs';
import { wholeNumberOptions } from './lib/options.mjs';

const GOAL_RPS = 5000;
const HOST = '127.0.0.1';
const EMULATOR_CLI = fileURLToPath(new URL('../packages/emulator/dist/cli.js', import.meta.url));
const SKU = 'licensegate-bench';
const FINGERPRINT = 'aws:294406891311:AWS/Marketplace:issuer-fingerprint';
const LICENSE_ARN = 'arn:aws:license-manager::294406891311:license:l-0123456789abcdef0123456789abcdef';
const ENTITLEMENT = 'ApiCalls';
const CREDENTIALS = { accessKeyId: 'AKIDBENCH', secretAccessKey: 'licensegate-bench-secret' };
const REGION = 'us-east-1';

const USAGE = `Usage: node bench/emulator-checkout.mjs [options]
  --duration S         seconds of each autocannon run, floor and emulator (default 4)
  --connections N      autocannon connections (default 50)
  --sdk-duration S     seconds of the AWS SDK run (default 3)
  --sdk-concurrency N  concurrent SDK send() loops, and sockets (default 50)
`;

// A Marketplace license that never runs out: overage is allowed, so every PERPETUAL checkout succeeds and
// GetLicenseUsage still counts each unit.
const SEED = [
  {
    AwsMarketplace: true,
    LicenseArn: LICENSE_ARN,
    LicenseName: 'licensegate bench',
    ProductName: 'licensegate bench',
    ProductSKU: SKU,
    Issuer: { Name: 'AWS/Marketplace' },
    HomeRegion: REGION,
    Validity: { Begin: '-1d', End: '+365d' },
    Entitlements: [{ Name: ENTITLEMENT, MaxCount: 1000, Overage: true, Unit: 'Count' }],
    Beneficiary: '123456789012',
    ConsumptionConfiguration: { RenewType: 'None', ProvisionalConfiguration: { MaxTimeToLiveInMinutes: 60 } },
  },
];

// The floor server: the least a JSON-over-HTTP endpoint does (read, JSON.parse, answer a fixed JSON body).
const FLOOR_SERVER = `
const { createServer } = require('node:http');
const answer = JSON.stringify({
  CheckoutType: 'PERPETUAL',
  LicenseConsumptionToken: '0123456789abcdef0123456789abcdef',
  EntitlementsAllowed: [{ Name: '${ENTITLEMENT}', Unit: 'Count', Value: '1' }],
  IssuedAt: '2026-01-01T12:00:00',
  Expiration: '2026-01-01T13:00:00',
  LicenseArn: '${LICENSE_ARN}',
});
const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    JSON.parse(Buffer.concat(chunks).toString('utf8'));
    res.writeHead(200, { 'Content-Type': 'application/x-amz-json-1.1', 'Content-Length': Buffer.byteLength(answer) });
    res.end(answer);
  });
});
server.keepAliveTimeout = 10000;
server.listen(0, '${HOST}', () => process.stdout.write('listening on http://${HOST}:' + server.address().port + '\\n'));
process.once('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
`;

function options() {
  return wholeNumberOptions(USAGE, { duration: 4, connections: 50, 'sdk-duration': 3, 'sdk-concurrency': 50 });
}

/** Spawns a node child that prints `listening on URL`; answers the child and the URL. */
async function startChild(args, name) {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not print 'listening on' within 10 s`)), 10_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before listening`));
    });
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

/** Headers of one CheckoutLicense request, SigV4-signed once (like the AWS CLI: no payload hash header). */
async function signedHeaders(url, body) {
  const { hostname, port, host } = new URL(url);
  const signer = new SignatureV4({
    service: 'license-manager',
    region: REGION,
    credentials: CREDENTIALS,
    sha256: Sha256,
    applyChecksum: false,
  });
  const signed = await signer.sign({
    method: 'POST',
    protocol: 'http:',
    hostname,
    port: Number(port),
    path: '/',
    headers: {
      host,
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'AWSLicenseManager.CheckoutLicense',
    },
    body,
  });
  return signed.headers;
}

// Linux's USER_HZ: /proc/stat and /proc/PID/stat count CPU time in 1/100 s on every mainstream kernel.
const CLOCK_TICKS_PER_S = 100;

/** CPU time of one process (user + system), in ms. */
function processBusyMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name: state is the first, utime and stime the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_S;
  } catch {
    return undefined;
  }
}

/**
 * Runs `work` and measures the server child's CPU time per answered request (which other load hardly changes),
 * and how much of the machine OTHER processes took meanwhile (the bench's own process and the server child
 * excluded): on a shared 2-core machine a parallel build or test run halves the rates.
 * @returns work's result plus `serverCpuUs` (per request) and `otherLoad` (share of all CPUs); undefined when unknown
 */
async function measured(serverPid, work) {
  const machine0 = machineBusyMs();
  const server0 = processBusyMs(serverPid);
  const self0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await work();
  const wallMs = performance.now() - t0;
  const machine1 = machineBusyMs();
  const server1 = processBusyMs(serverPid);
  const self = process.cpuUsage(self0);
  if ([machine0, machine1, server0, server1].includes(undefined)) {
    return { ...result, serverCpuUs: undefined, otherLoad: undefined };
  }
  const own = (self.user + self.system) / 1000 + (server1 - server0);
  const other = Math.max(0, machine1 - machine0 - own);
  return {
    ...result,
    serverCpuUs: ((server1 - server0) * 1000) / result.answered,
    otherLoad: other / (wallMs * availableParallelism()),
  };
}

let tokenCounter = 0;
// Every checkout needs its own ClientToken, or the emulator replays the first answer instead of consuming.
function nextClientToken() {
  tokenCounter += 1;
  return `bench-${process.pid}-${String(tokenCounter).padStart(10, '0')}`;
}

function checkoutBody(clientToken) {
  return JSON.stringify({
    ProductSKU: SKU,
    CheckoutType: 'PERPETUAL',
    KeyFingerprint: FINGERPRINT,
    Entitlements: [{ Name: ENTITLEMENT, Unit: 'Count', Value: '1' }],
    ClientToken: clientToken,
  });
}

/**
 * One autocannon run of CheckoutLicense requests with a unique ClientToken each.
 *
 * autocannon's own duration stop destroys its connections with requests still in flight, and whether the
 * server ran those is unknowable, so the consumed count could not be checked exactly. Instead, at the deadline
 * every connection is told to send nothing more once its in-flight answer is in (autocannon's per-client
 * `responseMax`, an internal of autocannon 9), and the rate is taken over the time until the last answer.
 */
async function autocannonRun(url, headers, { duration, connections }) {
  const clients = [];
  let firstAt = 0;
  let lastAt = 0;
  const result = await new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        method: 'POST',
        headers,
        connections,
        duration: duration + 60, // a backstop only: the drain below ends the run
        requests: [
          {
            setupRequest: (request) => {
              request.body = checkoutBody(nextClientToken());
              return request;
            },
          },
        ],
        setupClient: (client) => {
          if (typeof client.reqsMade !== 'number') throw new Error('autocannon internals changed: no reqsMade');
          clients.push(client);
        },
      },
      (error, results) => (error ? reject(error) : resolve(results)),
    );
    instance.on('start', () => {
      firstAt = performance.now();
      setTimeout(() => {
        for (const client of clients) client.responseMax = Math.max(client.reqsMade, 1);
      }, duration * 1000);
    });
    instance.on('response', () => {
      lastAt = performance.now();
    });
  });
  const answered = result['1xx'] + result['2xx'] + result['3xx'] + result['4xx'] + result['5xx'];
  return {
    answered,
    rps: answered / ((lastAt - firstAt) / 1000),
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    p50: result.latency.p50,
    p99: result.latency.p99,
  };
}

/** N concurrent `client.send(CheckoutLicense)` loops for some seconds; each waits for its answer. */
async function sdkRun(url, { sdkDuration, sdkConcurrency }) {
  const client = new LicenseManagerClient({
    endpoint: url,
    region: REGION,
    credentials: CREDENTIALS,
    maxAttempts: 1, // a retry would hide a failure and send a second request
    requestHandler: { httpAgent: new Agent({ keepAlive: true, maxSockets: sdkConcurrency }) },
  });
  const latencies = [];
  let ok = 0;
  let failed = 0;
  let firstError;
  const start = performance.now();
  const deadline = start + sdkDuration * 1000;
  const loop = async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      try {
        await client.send(
          new CheckoutLicenseCommand({
            ProductSKU: SKU,
            CheckoutType: 'PERPETUAL',
            KeyFingerprint: FINGERPRINT,
            Entitlements: [{ Name: ENTITLEMENT, Unit: 'Count', Value: '1' }],
            ClientToken: nextClientToken(),
          }),
        );
        ok += 1;
      } catch (error) {
        failed += 1;
        firstError ??= error;
      }
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: sdkConcurrency }, loop));
  const elapsed = (performance.now() - start) / 1000;
  client.destroy();
  latencies.sort((a, b) => a - b);
  return {
    answered: ok + failed,
    rps: (ok + failed) / elapsed,
    ok,
    failed,
    firstError,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

async function consumedUnits(url) {
  const client = new LicenseManagerClient({ endpoint: url, region: REGION, credentials: CREDENTIALS, maxAttempts: 1 });
  try {
    const out = await client.send(new GetLicenseUsageCommand({ LicenseArn: LICENSE_ARN }));
    const usage = out.LicenseUsage?.EntitlementUsages?.find((e) => e.Name === ENTITLEMENT);
    return Number(usage?.ConsumedValue);
  } finally {
    client.destroy();
  }
}

const fmt = (n) => Math.round(n).toLocaleString('en-US');
const ms = (n) => `${n < 10 ? n.toFixed(1) : Math.round(n)} ms`;
const percent = (share) => `${Math.round(100 * share)}%`;
// Above this share of the CPUs taken by other processes, the figures say more about them than about the emulator.
const NOISY_LOAD = 0.1;

/** One result line: label, rate, latency, failures, ratio to the floor, and what other processes took. */
function line(label, run, failures, floorRps) {
  const ratio = floorRps === undefined ? '' : `  = ${percent(run.rps / floorRps)} of the floor`;
  const cpu = run.serverCpuUs === undefined ? '' : `  server CPU ${Math.round(run.serverCpuUs)} µs/req`;
  const load = run.otherLoad === undefined ? '' : `  [other processes: ${percent(run.otherLoad)} of the CPUs]`;
  return (
    `${label.padEnd(44)}${fmt(run.rps).padStart(7)} req/s  p50 ${ms(run.p50)}  p99 ${ms(run.p99)}  ${failures}` +
    `${ratio}${cpu}${load}`
  );
}

async function main() {
  const opts = options();
  if (!existsSync(EMULATOR_CLI)) throw new Error(`${EMULATOR_CLI} is missing; run npm run build first.`);
  // The SDK's start-up notice about future Node versions is noise here.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

  console.log(
    `emulator CheckoutLicense bench: ${availableParallelism()} CPUs (${cpus()[0]?.model.trim() ?? 'unknown'}), ` +
      `node ${process.version}; autocannon ${opts.connections} connections x ${opts.duration} s, ` +
      `AWS SDK ${opts.sdkConcurrency} loops x ${opts.sdkDuration} s`,
  );
  console.log(
    "note: the emulator runs in its default auth mode 'signed', which checks that the SigV4 Authorization header " +
      'is well formed but not the signature. autocannon sends ONE header set, signed for a template body, with a ' +
      'unique ClientToken in each body, so its signatures do not match (the SDK signs each request properly).',
  );

  const dir = await mkdtemp(join(tmpdir(), 'licensegate-bench-'));
  const children = [];
  try {
    const seedFile = join(dir, 'licenses.json');
    await writeFile(seedFile, JSON.stringify(SEED));

    const floor = await startChild(['-e', FLOOR_SERVER], 'floor server');
    children.push(floor.child);
    const floorHeaders = await signedHeaders(floor.url, checkoutBody('template'));
    const base = await measured(floor.child.pid, () => autocannonRun(floor.url, floorHeaders, opts));
    await stopChild(floor.child);
    console.log(
      line('node:http floor (parse JSON, fixed answer):', base, `non-2xx ${base.non2xx}  errors ${base.errors}`),
    );

    const emulator = await startChild(
      [EMULATOR_CLI, '--host', HOST, '--port', '0', '--licenses', seedFile],
      'emulator',
    );
    children.push(emulator.child);
    const emulatorHeaders = await signedHeaders(emulator.url, checkoutBody('template'));
    const emu = await measured(emulator.child.pid, () => autocannonRun(emulator.url, emulatorHeaders, opts));
    console.log(line('emulator, autocannon:', emu, `non-2xx ${emu.non2xx}  errors ${emu.errors}`, base.rps));
    const consumedAfterAutocannon = await consumedUnits(emulator.url);

    const sdk = await measured(emulator.child.pid, () => sdkRun(emulator.url, opts));
    console.log(
      line(`emulator, AWS SDK v3 client (${opts.sdkConcurrency} loops):`, sdk, `failed ${sdk.failed}`, base.rps),
    );
    if (sdk.firstError) console.log(`  first SDK failure: ${sdk.firstError.name}: ${sdk.firstError.message}`);
    const consumed = await consumedUnits(emulator.url);
    await stopChild(emulator.child);

    const exact = consumedAfterAutocannon === emu.ok && consumed === emu.ok + sdk.ok;
    console.log(
      `check: GetLicenseUsage ConsumedValue ${fmt(consumedAfterAutocannon)} after autocannon (2xx ${fmt(emu.ok)}), ` +
        `${fmt(consumed)} after the SDK run (2xx ${fmt(emu.ok + sdk.ok)}): ${exact ? 'equal' : 'MISMATCH'}`,
    );
    const noisy = [base, emu, sdk].some((run) => (run.otherLoad ?? 0) > NOISY_LOAD);
    if (noisy) {
      // The CPU cost per request barely depends on other load, so it bounds what a quiet machine would show.
      const ceiling =
        emu.serverCpuUs === undefined
          ? ''
          : ` (its ${Math.round(emu.serverCpuUs)} µs of CPU per request cap one core at about ${fmt(1e6 / emu.serverCpuUs)} req/s)`;
      console.log(
        `warning: other processes took more than ${percent(NOISY_LOAD)} of the CPUs during a run, so these rates ` +
          `understate the emulator${ceiling}. Run again on a quiet machine.`,
      );
    }
    console.log(
      `goal >= ${GOAL_RPS} req/s: ${emu.rps >= GOAL_RPS ? 'met' : 'not met'} ` +
        `(emulator with autocannon: ${fmt(emu.rps)} req/s${noisy ? ', measured on a busy machine' : ''})`,
    );
    if (!exact) process.exitCode = 1;
  } finally {
    for (const child of children) await stopChild(child);
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(`emulator-checkout bench failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
