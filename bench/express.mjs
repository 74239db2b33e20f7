// Benchmark: what @licensegate/express costs an Express 5 route, side by side with the route alone and with
// express-rate-limit (goals: requireTier >= 0.97 of the bare route and not slower than express-rate-limit;
// drawdown in batch mode >= 0.95 of the bare route).
//
// Every server is a CHILD process running the same app: Express, express-rate-limit, and licensegate with two
// gates started against the emulator (which runs in this, the parent, process — License Manager is another
// machine for a real app). The children differ only in what runs before the handler of GET /work -> {"ok":true}:
//   bare       nothing;
//   twin       nothing: a second bare server, the A/A control;
//   tier       lg.requireTier('Basic') (the license grants Intermediate);
//   drawdown   lg.drawdown('DataConsumption', 1) in batch mode, batchUnits and batchIntervalMs so large that no
//              report is due during the run (no License Manager call on the request path);
//   ratelimit  express-rate-limit with its memory store and a limit that never triggers;
//   noop       a middleware that only calls next() (for information: what any middleware costs Express);
//   alone      the bare route in a process that never loaded licensegate (for information; see the README).
// All of them are loaded AT THE SAME TIME, pinned to one CPU, with autocannon pinned to the other (see
// bench/lib/side-by-side.mjs): each server's rate is then set by its own cost per request, over the same moments.
// A ratio is a server's rate over the mean of bare's and twin's, per round; each figure is the median of the
// rounds. At each round's deadline autocannon sends nothing more and waits for the answers in flight, so every
// request sent is answered and counted. At the end every child stops its gates; GetLicenseUsage must show exactly
// one unit per request the drawdown child served, and no child may have called License Manager during the load.
//
// Usage: node bench/express.mjs [--rounds N] [--duration S] [--connections N] [--warmup S]
//        node bench/express.mjs --serve KIND EMULATOR_URL   (a child; prints `listening on URL`)
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { finalReport, MACHINE_CPUS, pairedRatio, rounds, startServers } from './lib/side-by-side.mjs';

const SERVERS = ['bare', 'twin', 'tier', 'drawdown', 'ratelimit', 'noop', 'alone'];
const BASELINE = ['bare', 'twin'];
const GOALS = { tierVsBare: 0.97, drawdownVsBare: 0.95 };
const HOST = '127.0.0.1';
const REGION = 'us-east-1';
const DIMENSION = 'DataConsumption';
const TIERED_SKU = 'lg-bench-tiered';
const UNITS_SKU = 'lg-bench-units';
const SELF = fileURLToPath(import.meta.url);

const USAGE = `Usage: node bench/express.mjs [options]
  --rounds N        counted rounds; in each, every server is loaded at once (default 15)
  --duration S      seconds of each round (default 3)
  --connections N   autocannon connections per server (default 8)
  --warmup S        seconds of load before the rounds, not counted (default 3)
Options of other benches (passed by bench/run.mjs) are ignored.
`;

/** An AWS Marketplace license: the Intermediate tier, or a drawdown pool that does not run out during a run. */
export function benchLicense(sku) {
  return {
    AwsMarketplace: true,
    LicenseName: `${sku} bench`,
    ProductName: `${sku} bench`,
    ProductSKU: sku,
    Issuer: { Name: 'AWS/Marketplace' },
    HomeRegion: REGION,
    Validity: { Begin: '-1d', End: '+365d' },
    Entitlements:
      sku === UNITS_SKU
        ? [{ Name: DIMENSION, MaxCount: 1_000_000_000, Overage: false, Unit: 'Count', AllowCheckIn: true }]
        : [{ Name: 'Intermediate', Value: 'Enabled', Unit: 'None' }],
    Beneficiary: '123456789012',
    ConsumptionConfiguration: { RenewType: 'None', ProvisionalConfiguration: { MaxTimeToLiveInMinutes: 60 } },
  };
}

// ------------------------------------------------------------------------------------------------------------
// The child: one server.

async function serve(kind, emulatorUrl) {
  if (!SERVERS.includes(kind)) throw new Error(`--serve takes one of ${SERVERS.join(', ')}; got '${kind}'.`);
  const { default: express } = await import('express');
  const app = express();
  let served = 0;
  const handler = (_req, res) => {
    served++;
    res.json({ ok: true });
  };
  let stop = async () => undefined;
  let before = [];
  if (kind !== 'alone') {
    // The same app in every child: licensegate loaded, both gates started, express-rate-limit loaded.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
    process.env.AWS_ACCESS_KEY_ID ??= 'AKIDBENCH';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'licensegate-bench-secret';
    const { createLicenseGate, silentLogger } = await import('@licensegate/core');
    const { licenseGate } = await import('@licensegate/express');
    const { rateLimit } = await import('express-rate-limit');
    const client = { endpoint: emulatorUrl, region: REGION };
    const tiered = createLicenseGate({
      productSku: TIERED_SKU,
      tiers: ['Basic', 'Intermediate', 'Premium'],
      client,
      logger: silentLogger,
    });
    const metered = createLicenseGate({
      productSku: UNITS_SKU,
      drawdown: {
        [DIMENSION]: { mode: 'batch', batchUnits: Number.MAX_SAFE_INTEGER, batchIntervalMs: 24 * 3_600_000 },
      },
      client,
      logger: silentLogger,
    });
    await Promise.all([tiered.start(), metered.start()]);
    stop = () => Promise.all([tiered.stop(), metered.stop()]);
    const middleware = {
      bare: [],
      twin: [],
      tier: [licenseGate(tiered).requireTier('Basic')],
      drawdown: [licenseGate(metered).drawdown(DIMENSION, 1)],
      ratelimit: [rateLimit({ windowMs: 60_000, limit: Number.MAX_SAFE_INTEGER })],
      noop: [(_req, _res, next) => next()],
    };
    before = middleware[kind];
  }
  app.get('/work', ...before, handler);

  const server = app.listen(0, HOST, () => {
    process.stdout.write(`listening on http://${HOST}:${server.address().port}\n`);
  });
  server.keepAliveTimeout = 30_000;
  process.on('message', (message) => {
    if (message !== 'report') return;
    server.close();
    server.closeAllConnections();
    stop()
      .then(() => process.send({ report: { served } }))
      .catch((error) => process.send({ report: { error: String(error?.message ?? error) } }))
      .finally(() => process.exit(0));
  });
}

// ------------------------------------------------------------------------------------------------------------
// The parent: load, measure, compare.

function options() {
  const { values, positionals } = parseArgs({
    strict: false,
    allowPositionals: true,
    options: {
      rounds: { type: 'string', default: '15' },
      duration: { type: 'string', default: '3' },
      connections: { type: 'string', default: '8' },
      warmup: { type: 'string', default: '3' },
      serve: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const known = new Set(['rounds', 'duration', 'connections', 'warmup', 'serve', 'help']);
  const ignored = Object.keys(values).filter((name) => !known.has(name));
  if (ignored.length > 0 && values.serve === undefined) {
    console.log(`note: ignoring options this bench does not have: --${ignored.join(', --')}`);
  }
  const number = (name, min, whole) => {
    const n = Number(values[name]);
    if (!Number.isFinite(n) || n < min || (whole && !Number.isInteger(n)))
      throw new Error(`--${name} takes a ${whole ? 'whole ' : ''}number of ${min} or more; got '${values[name]}'.`);
    return n;
  };
  return {
    serve: values.serve,
    emulatorUrl: positionals[0],
    rounds: number('rounds', 1, true),
    duration: number('duration', 0.5, false),
    connections: number('connections', 1, true),
    warmup: number('warmup', 0, false),
  };
}

const fmt = (n) => Math.round(n).toLocaleString('en-US');
const ms = (n) => `${n < 10 ? n.toFixed(1) : Math.round(n)} ms`;
const ratio = (n) => n.toFixed(3);
const percent = (share) => `${Math.round(100 * share)}%`;
/** How far the A/A control may stray from 1 before the run is too noisy to judge a goal. */
const NOISE_TOLERANCE = 0.02;
const NOISY_LOAD = 0.1;
const LABELS = {
  bare: 'bare Express route',
  twin: 'bare route again (A/A control)',
  tier: "lg.requireTier('Basic')",
  drawdown: 'lg.drawdown(..., 1), batch mode',
  ratelimit: 'express-rate-limit (memory store)',
  noop: 'a no-op middleware (next() only)',
  alone: 'bare route, licensegate not loaded',
};

async function main() {
  const opts = options();
  if (opts.serve !== undefined) return serve(opts.serve, opts.emulatorUrl);

  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  process.env.AWS_ACCESS_KEY_ID ??= 'AKIDBENCH';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'licensegate-bench-secret';
  const { startEmulator } = await import('@licensegate/emulator');
  const lm = await startEmulator({ host: HOST, port: 0 });
  const [, unitsArn] = lm.addLicenses([benchLicense(TIERED_SKU), benchLicense(UNITS_SKU)]);
  const started = await startServers({ script: SELF, kinds: SERVERS, args: [lm.url] });
  const { servers, pinned } = started;
  try {
    console.log(
      `express bench: ${MACHINE_CPUS} CPUs (${cpus()[0]?.model.trim() ?? 'unknown'}), node ${process.version}; ` +
        `GET /work -> {"ok":true}; ${servers.length} servers loaded at once` +
        (pinned
          ? `, pinned to CPU ${MACHINE_CPUS - 1} (autocannon on CPU 0)`
          : ' (not pinned: taskset missing or one CPU)') +
        `; ${opts.connections} connections each; ${opts.rounds} rounds of ${opts.duration} s after ${opts.warmup} s of warm-up; ` +
        'figures are medians of the rounds',
    );
    const callsBefore = lm.calls();
    const { summary, otherLoad } = await rounds(servers, {
      path: '/work',
      rounds: opts.rounds,
      seconds: opts.duration,
      warmup: opts.warmup,
      connections: opts.connections,
      baseline: BASELINE,
      onRound: (round, runs, base) =>
        console.log(
          `round ${round + 1}: bare ${fmt(base)} req/s; ` +
            SERVERS.filter((k) => !BASELINE.includes(k))
              .map((k) => `${k} ${ratio(runs[k].rps / base)}`)
              .join(', '),
        ),
    });
    const callsDuringLoad = lm.calls() - callsBefore;
    const reports = {};
    for (const server of servers) reports[server.kind] = await finalReport(server);

    console.log('');
    const bareCpu = (summary.bare.cpuUs + summary.twin.cpuUs) / 2;
    for (const kind of SERVERS) {
      const s = summary[kind];
      const vsBare = BASELINE.includes(kind) ? '' : `  = ${ratio(s.ratio)} of bare`;
      const cpu =
        s.cpuUs === undefined
          ? ''
          : `  server CPU ${s.cpuUs.toFixed(0)} µs/req` +
            (BASELINE.includes(kind)
              ? ''
              : ` (${s.cpuUs >= bareCpu ? '+' : '-'}${Math.abs(s.cpuUs - bareCpu).toFixed(0)})`);
      console.log(
        `${LABELS[kind].padEnd(36)}${fmt(s.rps).padStart(6)} req/s  p50 ${ms(s.p50)}  p99 ${ms(s.p99)}  non-2xx/errors ${s.failed}${vsBare}${cpu}`,
      );
    }

    const consumed = await consumedUnits(lm.url, unitsArn);
    const served = reports.drawdown.served;
    const exact = consumed === served;
    console.log('');
    console.log(
      `License Manager calls during the load, all servers: ${callsDuringLoad} (none expected: tier answers are cached, drawdown is batched)`,
    );
    console.log(
      `drawdown: GetLicenseUsage ${fmt(consumed)} units for ${fmt(served)} requests served (warm-up included; ` +
        `${fmt(summary.drawdown.ok)} 2xx in the counted rounds): ${exact ? 'equal' : 'MISMATCH'}`,
    );
    if (otherLoad > NOISY_LOAD) {
      console.log(
        `warning: other processes took up to ${percent(otherLoad)} of the CPUs during a round; the servers share ` +
          'their core equally all the same, so the ratios hold better than the rates.',
      );
    }

    const aa = pairedRatio(summary, 'twin', 'bare');
    const tooNoisy = Math.abs(aa - 1) > NOISE_TOLERANCE;
    const tierVsBare = summary.tier.ratio;
    const tierVsLimit = pairedRatio(summary, 'tier', 'ratelimit');
    const drawdownVsBare = summary.drawdown.ratio;
    const verdict = (ok) => (ok ? 'met' : 'not met');
    console.log('');
    console.log(
      `noise floor: the twin measured ${ratio(aa)} of bare` +
        (tooNoisy
          ? ` — more than ${NOISE_TOLERANCE} from 1: this run is too noisy to judge the goals; run again on a quieter machine`
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
    const failures = SERVERS.reduce((sum, kind) => sum + summary[kind].failed, 0);
    if (!exact || failures > 0 || callsDuringLoad !== 0) process.exitCode = 1;
  } finally {
    started.stop();
    await lm.close();
  }
}

/** Units of the dimension consumed, as License Manager (the emulator) answers a seller's GetLicenseUsage. */
async function consumedUnits(endpoint, arn) {
  const { GetLicenseUsageCommand, LicenseManagerClient } = await import('@aws-sdk/client-license-manager');
  const seller = new LicenseManagerClient({ endpoint, region: REGION, maxAttempts: 1 });
  try {
    const out = await seller.send(new GetLicenseUsageCommand({ LicenseArn: arn }));
    return Number(out.LicenseUsage?.EntitlementUsages?.find((u) => u.Name === DIMENSION)?.ConsumedValue);
  } finally {
    seller.destroy();
  }
}

main().catch((error) => {
  console.error(`express bench failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
