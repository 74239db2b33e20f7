// Benchmark: what @licensegate/express costs an Express 5 route, side by side with the route alone and with
// express-rate-limit (goals: requireTier >= 0.97 of the bare route and not slower than express-rate-limit;
// drawdown in batch mode >= 0.95 of the bare route).
//
// Six servers, each in its own CHILD process (so the load generator shares no event loop with them), serve the
// same route and the same answer, GET /work -> {"ok":true}:
//   bare       the route alone;
//   tier       lg.requireTier('Basic') before it: a fresh gate against an emulator started inside that child;
//   drawdown   lg.drawdown('DataConsumption', 1) in batch mode, batchUnits and batchIntervalMs so large that no
//              report is due during the run (no License Manager call on the request path);
//   ratelimit  express-rate-limit 8 with its memory store and a limit that never triggers;
//   noop       a middleware that only calls next(): what any one middleware costs Express (for information);
//   twin       the bare route again, in another child: an A/A control that shows the run's noise floor.
// autocannon loads one server at a time, in rounds that rotate the order; each measured server runs between two
// runs of the bare route and its ratio is taken against their mean (neighbours in time share the machine's other
// load); each figure is the median of its rounds.
// Each counted run comes right after an uncounted one of the same server (--prewarm), and the children run with
// V8 flags that keep an idle child from cooling down between its turns (see CHILD_V8_FLAGS).
// At each run's deadline autocannon sends nothing more and waits for the answers in flight, so every request
// sent is answered and counted. At the end the drawdown child stops its gate (one flush) and GetLicenseUsage must
// show exactly one unit per 2xx answer; the tier and drawdown children report the License Manager calls made.
//
// Usage: node bench/express.mjs [--rounds N] [--duration S] [--connections N] [--warmup S]
//        node bench/express.mjs --serve bare|tier|drawdown|ratelimit|noop|twin   (a child; prints `listening on URL`)
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { availableParallelism, cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { clearTimeout, setTimeout } from 'node:timers';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import autocannon from 'autocannon';
import { machineBusyMs, processBusyMs } from './lib/cpu-time.mjs';

const SERVERS = ['bare', 'tier', 'drawdown', 'ratelimit', 'noop', 'twin'];
const GOALS = { tierVsBare: 0.97, drawdownVsBare: 0.95 };
const HOST = '127.0.0.1';
const REGION = 'us-east-1';
const DIMENSION = 'DataConsumption';
const SELF = fileURLToPath(import.meta.url);
// V8 flags of every server child. Between its runs a child sits idle while the others are loaded, and V8 uses
// the idle time to shrink the heap and drop bytecode it has not run lately (memory reducer, bytecode flushing):
// the next run then starts colder, and the more a child idles the dearer its requests — an artefact of taking
// turns that a steadily loaded server does not have. An A/A control (the twin) showed 0.7–0.9 of bare without
// these flags.
const CHILD_V8_FLAGS = ['--no-memory-reducer', '--no-flush-bytecode'];

const USAGE = `Usage: node bench/express.mjs [options]
  --rounds N        rounds; in each, every measured server is loaded once (rotating order), each between two
                    runs of the bare route (default 4)
  --duration S      seconds of each run (default 2)
  --connections N   autocannon connections (default 20)
  --warmup S        seconds of load per server before the rounds, not counted (default 1)
  --prewarm S       seconds of load, not counted, right before each counted run (default 0.5): a server child
                    that sat idle while the others ran starts cold again (V8's idle-time GCs shrink its heap)
Options of other benches (passed by bench/run.mjs) are ignored.
`;

// ------------------------------------------------------------------------------------------------------------
// The child: one server.

/** An AWS Marketplace license with the tier and a drawdown pool that never runs out during a run. */
function benchLicense(sku) {
  return {
    AwsMarketplace: true,
    LicenseName: `${sku} bench`,
    ProductName: `${sku} bench`,
    ProductSKU: sku,
    Issuer: { Name: 'AWS/Marketplace' },
    HomeRegion: REGION,
    Validity: { Begin: '-1d', End: '+365d' },
    Entitlements:
      sku === 'lg-bench-tiered'
        ? [{ Name: 'Intermediate', Value: 'Enabled', Unit: 'None' }]
        : [{ Name: DIMENSION, MaxCount: 1_000_000_000, Overage: false, Unit: 'Count', AllowCheckIn: true }],
    Beneficiary: '123456789012',
    ConsumptionConfiguration: { RenewType: 'None', ProvisionalConfiguration: { MaxTimeToLiveInMinutes: 60 } },
  };
}

async function serve(kind) {
  // The emulator accepts any well-formed signature; the SDK only needs credentials to sign with.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  process.env.AWS_ACCESS_KEY_ID ??= 'AKIDBENCH';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'licensegate-bench-secret';
  const { default: express } = await import('express');
  const app = express();
  let served = 0;
  const handler = (_req, res) => {
    served++;
    res.json({ ok: true });
  };

  let lm;
  let gate;
  let report = async () => ({ served });
  if (kind === 'bare' || kind === 'twin') {
    app.get('/work', handler);
  } else if (kind === 'noop') {
    app.get('/work', (_req, _res, next) => next(), handler);
  } else if (kind === 'ratelimit') {
    const { rateLimit } = await import('express-rate-limit');
    app.get('/work', rateLimit({ windowMs: 60_000, limit: Number.MAX_SAFE_INTEGER }), handler);
  } else if (kind === 'tier' || kind === 'drawdown') {
    const { startEmulator } = await import('@licensegate/emulator');
    const { createLicenseGate, silentLogger } = await import('@licensegate/core');
    const { licenseGate } = await import('@licensegate/express');
    const sku = kind === 'tier' ? 'lg-bench-tiered' : 'lg-bench-units';
    lm = await startEmulator({ host: HOST, port: 0 });
    const [arn] = lm.addLicenses([benchLicense(sku)]);
    const client = { endpoint: lm.url, region: REGION };
    gate =
      kind === 'tier'
        ? createLicenseGate({
            productSku: sku,
            tiers: ['Basic', 'Intermediate', 'Premium'],
            client,
            logger: silentLogger,
          })
        : createLicenseGate({
            productSku: sku,
            drawdown: {
              [DIMENSION]: { mode: 'batch', batchUnits: Number.MAX_SAFE_INTEGER, batchIntervalMs: 24 * 3_600_000 },
            },
            client,
            logger: silentLogger,
          });
    await gate.start();
    const lg = licenseGate(gate);
    app.get('/work', kind === 'tier' ? lg.requireTier('Basic') : lg.drawdown(DIMENSION, 1), handler);
    report = async () => {
      const duringLoad = lm.calls();
      const checkoutsDuringLoad = lm.calls('CheckoutLicense');
      await gate.stop();
      const result = {
        served,
        callsDuringLoad: duringLoad,
        checkoutsDuringLoad,
        checkoutsAfterStop: lm.calls('CheckoutLicense'),
      };
      if (kind === 'drawdown') {
        const { LicenseManagerClient, GetLicenseUsageCommand } = await import('@aws-sdk/client-license-manager');
        const seller = new LicenseManagerClient({ ...client, maxAttempts: 1 });
        const out = await seller.send(new GetLicenseUsageCommand({ LicenseArn: arn }));
        seller.destroy();
        result.consumed = Number(out.LicenseUsage?.EntitlementUsages?.find((u) => u.Name === DIMENSION)?.ConsumedValue);
      }
      return result;
    };
  } else {
    throw new Error(`--serve takes one of ${SERVERS.join(', ')}; got '${kind}'.`);
  }

  const server = app.listen(0, HOST, () => {
    process.stdout.write(`listening on http://${HOST}:${server.address().port}\n`);
  });
  server.keepAliveTimeout = 30_000;
  process.on('message', (message) => {
    if (message !== 'report') return;
    server.close();
    server.closeAllConnections();
    report()
      .then((result) => process.send({ report: result }))
      .catch((error) => process.send({ report: { error: String(error?.message ?? error) } }))
      .finally(() => lm?.close().finally(() => process.exit(0)) ?? process.exit(0));
  });
}

// ------------------------------------------------------------------------------------------------------------
// The parent: load, measure, compare.

function options() {
  const { values } = parseArgs({
    strict: false,
    options: {
      rounds: { type: 'string', default: '4' },
      duration: { type: 'string', default: '2' },
      connections: { type: 'string', default: '20' },
      warmup: { type: 'string', default: '1' },
      prewarm: { type: 'string', default: '0.5' },
      serve: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const known = new Set(['rounds', 'duration', 'connections', 'warmup', 'prewarm', 'serve', 'help']);
  const ignored = Object.keys(values).filter((name) => !known.has(name));
  if (ignored.length > 0 && values.serve === undefined) {
    console.log(`note: ignoring options this bench does not have: --${ignored.join(', --')}`);
  }
  const whole = (name, min) => {
    const n = Number(values[name]);
    if (!Number.isInteger(n) || n < min)
      throw new Error(`--${name} takes a whole number of ${min} or more; got '${values[name]}'.`);
    return n;
  };
  const seconds = (name, min) => {
    const n = Number(values[name]);
    if (!Number.isFinite(n) || n < min)
      throw new Error(`--${name} takes a number of seconds of ${min} or more; got '${values[name]}'.`);
    return n;
  };
  return {
    serve: values.serve,
    rounds: whole('rounds', 1),
    duration: seconds('duration', 0.5),
    connections: whole('connections', 1),
    warmup: seconds('warmup', 0),
    prewarm: seconds('prewarm', 0),
  };
}

/** Forks this file as a server child; answers the child and its URL. */
async function startChild(kind) {
  const child = fork(SELF, ['--serve', kind], {
    execArgv: CHILD_V8_FLAGS,
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the ${kind} server did not start within 15 s`)), 15_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the ${kind} server exited with ${code} before listening`));
    });
    let buffered = '';
    child.stdout.on('data', (chunk) => {
      buffered += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(buffered);
      if (match === null) return;
      clearTimeout(timer);
      resolve(match[1]);
    });
  });
  return { kind, child, url };
}

/** Asks a child for its report (it stops its gate), then waits for it to exit. */
async function reportOf(server) {
  const exited = once(server.child, 'exit');
  const answer = new Promise((resolve) => server.child.once('message', (m) => resolve(m.report)));
  server.child.send('report');
  const report = await answer;
  await exited;
  return report;
}

// Linux's USER_HZ: /proc/PID/stat counts CPU time in 1/100 s.

/**
 * One autocannon run of GET /work. At the deadline each connection sends nothing more once its in-flight answer
 * is in (autocannon 9's per-client `responseMax`), so every request sent is answered; the rate is taken up to
 * the last answer. Also measures the server child's CPU per request and what other processes took meanwhile.
 */
async function load(server, seconds, connections) {
  const clients = [];
  let firstAt = 0;
  let lastAt = 0;
  const machine0 = machineBusyMs();
  const server0 = processBusyMs(server.child.pid);
  const self0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${server.url}/work`,
        connections,
        duration: seconds + 60, // a backstop: the drain below ends the run
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
      }, seconds * 1000);
    });
    instance.on('response', () => {
      lastAt = performance.now();
    });
  });
  const wallMs = performance.now() - t0;
  const server1 = processBusyMs(server.child.pid);
  const machine1 = machineBusyMs();
  const self = process.cpuUsage(self0);
  const answered = result['1xx'] + result['2xx'] + result['3xx'] + result['4xx'] + result['5xx'];
  const known = ![machine0, machine1, server0, server1].includes(undefined);
  const serverMs = known ? server1 - server0 : undefined;
  return {
    answered,
    ok: result['2xx'],
    failed: answered - result['2xx'] + result.errors,
    rps: answered / ((lastAt - firstAt) / 1000),
    p50: result.latency.p50,
    p99: result.latency.p99,
    cpuUs: known ? (serverMs * 1000) / answered : undefined,
    otherLoad: known
      ? Math.max(0, machine1 - machine0 - serverMs - (self.user + self.system) / 1000) /
        (wallMs * availableParallelism())
      : undefined,
  };
}

const median = (values) => {
  const sorted = values.filter((v) => v !== undefined && Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const fmt = (n) => Math.round(n).toLocaleString('en-US');
const ms = (n) => `${n < 10 ? n.toFixed(1) : Math.round(n)} ms`;
const ratio = (n) => n.toFixed(3);
const percent = (share) => `${Math.round(100 * share)}%`;
const NOISY_LOAD = 0.1;

const LABELS = {
  bare: 'bare Express route',
  tier: "lg.requireTier('Basic')",
  drawdown: 'lg.drawdown(..., 1), batch mode',
  ratelimit: 'express-rate-limit (memory store)',
  noop: 'a no-op middleware (next() only)',
  twin: 'bare route again (A/A control)',
};
/** How far the A/A control may stray from 1 before the run is too noisy to judge a goal. */
const NOISE_TOLERANCE = 0.03;

async function main() {
  const opts = options();
  if (opts.serve !== undefined) return serve(opts.serve);
  console.log(
    `express bench: ${availableParallelism()} CPUs (${cpus()[0]?.model.trim() ?? 'unknown'}), node ${process.version}; ` +
      `GET /work -> {"ok":true}; autocannon ${opts.connections} connections; ${opts.rounds} rounds of ${opts.duration}-s runs, ` +
      `each server between two bare runs and each run after ${opts.prewarm} s uncounted; figures are medians of the rounds`,
  );
  const servers = [];
  try {
    for (const kind of SERVERS) servers.push(await startChild(kind));
    if (opts.warmup > 0) for (const server of servers) await load(server, opts.warmup, opts.connections);
    // Each measured server runs between two runs of the bare route, and its ratio is taken against the mean of
    // those two: neighbours in time share most of whatever else the machine is doing.
    const runs = Object.fromEntries(SERVERS.map((kind) => [kind, []]));
    const ratios = Object.fromEntries(SERVERS.map((kind) => [kind, []]));
    const byKind = Object.fromEntries(servers.map((server) => [server.kind, server]));
    const measuredKinds = SERVERS.filter((kind) => kind !== 'bare');
    const counted = async (server) => {
      if (opts.prewarm > 0) await load(server, opts.prewarm, opts.connections);
      return load(server, opts.duration, opts.connections);
    };
    let totalOk = 0;
    for (let round = 0; round < opts.rounds; round++) {
      const order = measuredKinds.map((_, i) => measuredKinds[(i + round) % measuredKinds.length]);
      let before = await counted(byKind.bare);
      runs.bare.push(before);
      const line = [`bare ${fmt(before.rps)}`];
      for (const kind of order) {
        const run = await counted(byKind[kind]);
        const after = await counted(byKind.bare);
        runs[kind].push(run);
        runs.bare.push(after);
        ratios[kind].push(run.rps / ((before.rps + after.rps) / 2));
        if (kind === 'drawdown') totalOk += run.ok;
        line.push(`${kind} ${fmt(run.rps)}`, `bare ${fmt(after.rps)}`);
        before = after;
      }
      console.log(`round ${round + 1}: ${line.join(', ')} req/s`);
    }

    const reports = {};
    for (const server of servers) reports[server.kind] = await reportOf(server);

    const summary = Object.fromEntries(
      SERVERS.map((kind) => [
        kind,
        {
          rps: median(runs[kind].map((r) => r.rps)),
          p50: median(runs[kind].map((r) => r.p50)),
          p99: median(runs[kind].map((r) => r.p99)),
          cpuUs: median(runs[kind].map((r) => r.cpuUs)),
          failed: runs[kind].reduce((sum, r) => sum + r.failed, 0),
          otherLoad: Math.max(...runs[kind].map((r) => r.otherLoad ?? 0)),
        },
      ]),
    );
    const bare = summary.bare;
    console.log('');
    for (const kind of SERVERS) {
      const s = summary[kind];
      const vsTwin =
        kind === 'bare' || kind === 'twin' ? '' : ` (${ratio(median(ratios[kind]) / median(ratios.twin))} of the twin)`;
      const vsBare = kind === 'bare' ? '' : `  = ${ratio(median(ratios[kind]))} of bare${vsTwin}`;
      const cpu =
        s.cpuUs === undefined
          ? ''
          : `  server CPU ${s.cpuUs.toFixed(1)} µs/req` +
            (kind === 'bare'
              ? ''
              : ` (${s.cpuUs >= bare.cpuUs ? '+' : '-'}${Math.abs(s.cpuUs - bare.cpuUs).toFixed(1)})`);
      console.log(
        `${LABELS[kind].padEnd(36)}${fmt(s.rps).padStart(7)} req/s  p50 ${ms(s.p50)}  p99 ${ms(s.p99)}  non-2xx/errors ${s.failed}${vsBare}${cpu}`,
      );
    }

    const dd = reports.drawdown;
    const tier = reports.tier;
    const okDrawdown = totalOk;
    console.log('');
    console.log(
      `tier gate: License Manager calls from start to the end of the load ${tier.callsDuringLoad} (CheckoutLicense ${tier.checkoutsDuringLoad}: the start's only)`,
    );
    // The warm-up answers are 2xx too, and charged: the served count of the child is the reference.
    const exact = dd.consumed === dd.served;
    console.log(
      `drawdown: License Manager calls from start to the end of the load ${dd.callsDuringLoad} (CheckoutLicense ${dd.checkoutsDuringLoad}); ` +
        `after stop ${dd.checkoutsAfterStop} CheckoutLicense; GetLicenseUsage ${fmt(dd.consumed)} units for ${fmt(dd.served)} ` +
        `requests served (${fmt(okDrawdown)} 2xx in the timed rounds): ${exact ? 'equal' : 'MISMATCH'}`,
    );
    const failures = SERVERS.reduce((sum, kind) => sum + summary[kind].failed, 0);
    const noisy = SERVERS.some((kind) => summary[kind].otherLoad > NOISY_LOAD);
    if (noisy) {
      console.log(
        `warning: other processes took more than ${percent(NOISY_LOAD)} of the CPUs during some run; ` +
          'the rates say more about them than about the middleware. The CPU µs/req figures are steadier.',
      );
    }

    const tierVsBare = median(ratios.tier);
    const tierVsLimit = median(ratios.tier.map((r, i) => r / ratios.ratelimit[i]));
    const drawdownVsBare = median(ratios.drawdown);
    const twin = median(ratios.twin);
    const tooNoisy = Math.abs(twin - 1) > NOISE_TOLERANCE;
    const verdict = (ok) => (ok ? 'met' : 'not met');
    console.log('');
    console.log(
      `noise floor: the bare route's twin measured ${ratio(twin)} of bare` +
        (tooNoisy
          ? ` — more than ${NOISE_TOLERANCE} from 1: this run is too noisy to judge the goals; run again on a quiet machine`
          : ` (within ${NOISE_TOLERANCE} of 1)`),
    );
    console.log(
      `goal requireTier >= ${GOALS.tierVsBare} of bare: ${verdict(tierVsBare >= GOALS.tierVsBare)} (${ratio(tierVsBare)})`,
    );
    console.log(
      `goal requireTier not slower than express-rate-limit: ${verdict(tierVsLimit >= 1)} (${ratio(tierVsLimit)} of its rate)`,
    );
    console.log(
      `goal drawdown (batch) >= ${GOALS.drawdownVsBare} of bare: ${verdict(drawdownVsBare >= GOALS.drawdownVsBare)} (${ratio(drawdownVsBare)})`,
    );
    if (!exact || failures > 0 || tier.checkoutsDuringLoad !== 1 || dd.checkoutsDuringLoad !== 0) process.exitCode = 1;
  } finally {
    for (const server of servers) {
      if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGTERM');
    }
  }
}

main().catch((error) => {
  console.error(`express bench failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
