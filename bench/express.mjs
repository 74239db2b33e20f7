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
import { fileURLToPath } from 'node:url';

import {
  BATCH_DRAWDOWN,
  benchLicense,
  DIMENSION,
  REGION,
  serveChild,
  TIERS,
  useDummyCredentials,
} from './lib/bench-app.mjs';
import {
  benchOptions,
  finishSession,
  headerLine,
  OPTIONS_USAGE,
  pairedRatio,
  printChecks,
  printGoal,
  printLoadWarning,
  printNoiseFloor,
  printServers,
  ratio,
  runSessions,
} from './lib/side-by-side.mjs';

const SERVERS = ['bare', 'twin', 'tier', 'drawdown', 'ratelimit', 'noop', 'alone'];
const BASELINE = ['bare', 'twin'];
const GOALS = { tierVsBare: 0.97, drawdownVsBare: 0.95 };
const HOST = '127.0.0.1';
const TIERED_SKU = 'lg-bench-tiered';
const UNITS_SKU = 'lg-bench-units';
const SELF = fileURLToPath(import.meta.url);

const USAGE = `Usage: node bench/express.mjs [options]
${OPTIONS_USAGE}`;

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
    useDummyCredentials();
    const { createLicenseGate, silentLogger } = await import('@licensegate/core');
    const { licenseGate } = await import('@licensegate/express');
    const { rateLimit } = await import('express-rate-limit');
    const client = { endpoint: emulatorUrl, region: REGION };
    const tiered = createLicenseGate({
      productSku: TIERED_SKU,
      tiers: TIERS,
      client,
      logger: silentLogger,
    });
    const metered = createLicenseGate({
      productSku: UNITS_SKU,
      drawdown: BATCH_DRAWDOWN,
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
    serveChild(`http://${HOST}:${server.address().port}`, {
      report: async () => {
        server.close();
        server.closeAllConnections();
        await stop();
        return { served };
      },
    });
  });
  server.keepAliveTimeout = 30_000;
}

// ------------------------------------------------------------------------------------------------------------
// The parent: load, measure, compare.

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
  const opts = benchOptions(USAGE);
  if (opts.serve !== undefined) return serve(opts.serve, opts.emulatorUrl);

  const { summary, otherLoad, callsDuringLoad, sessions } = await runSessions({
    script: SELF,
    kinds: SERVERS,
    baseline: BASELINE,
    licenses: [benchLicense(TIERED_SKU, { tier: true }), benchLicense(UNITS_SKU, { units: true })],
    opts,
    header: (bench, run) => headerLine('express bench', 'GET /work -> {"ok":true}', bench, run),
    perSession: async (bench) => finishSession(bench, { arn: bench.arns[1] }),
  });
  console.log('');
  printServers(summary, SERVERS, LABELS, BASELINE, 36);
  console.log('');
  const checked = printChecks({ sessions, callsDuringLoad, countedOk: summary.drawdown.ok });
  printLoadWarning(otherLoad);

  console.log('');
  printNoiseFloor(summary);
  const tierVsBare = summary.tier.ratio;
  const tierVsLimit = pairedRatio(summary, 'tier', 'ratelimit');
  const drawdownVsBare = summary.drawdown.ratio;
  printGoal(`requireTier >= ${GOALS.tierVsBare} of bare`, tierVsBare >= GOALS.tierVsBare, ratio(tierVsBare));
  printGoal('requireTier not slower than express-rate-limit', tierVsLimit >= 1, `${ratio(tierVsLimit)} of its rate`);
  printGoal(
    `drawdown (batch) >= ${GOALS.drawdownVsBare} of bare`,
    drawdownVsBare >= GOALS.drawdownVsBare,
    ratio(drawdownVsBare),
  );
  const failures = SERVERS.reduce((sum, kind) => sum + summary[kind].failed, 0);
  if (!checked || failures > 0) process.exitCode = 1;
}

main().catch((error) => {
  console.error(`express bench failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
