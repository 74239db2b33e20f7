// Benchmark: what @licensegate/fastify costs a Fastify 5 route, side by side with the route alone and with
// @fastify/rate-limit (goals: a route's tier >= 0.97 of the bare route and not slower than @fastify/rate-limit;
// a drawdown charge in batch mode >= 0.95 of the bare route).
//
// Every server is a CHILD process running the same app: Fastify with @fastify/rate-limit registered (`global:
// false`: it limits only the routes that ask) and licenseGatePlugin registered with a gate made from options (tiers
// and a batch-mode dimension on one license), started at ready() against the emulator (which runs in this, the
// parent, process — License Manager is another machine for a real app). The children differ only in the options of
// the route GET /work -> {"ok":true}:
//   bare       none;
//   twin       none: a second bare server, the A/A control;
//   tier       config.licensegate.tier 'Basic' (the license grants Intermediate): checked in front of the handler;
//   drawdown   config.licensegate.drawdown { dimension: 'DataConsumption', units: 1 }: in front of the handler; batch
//              mode, batchUnits and batchIntervalMs so large that no report is due during the run (no License
//              Manager call on the request path);
//   ratelimit  config.rateLimit: @fastify/rate-limit's onRequest hook, its memory store, a limit that never
//              triggers;
//   noop       an onRequest hook that only calls done() (for information: what any hook costs Fastify);
//   alone      the bare route in a process that never loaded licensegate (for information; see the README).
// All of them are loaded AT THE SAME TIME, pinned to one CPU, with autocannon pinned to the other (see
// bench/lib/side-by-side.mjs): each server's rate is then set by its own cost per request, over the same moments.
// A ratio is a server's rate over the mean of bare's and twin's, per round; each figure is the median of the
// rounds. At each round's deadline autocannon sends nothing more and waits for the answers in flight, so every
// request sent is answered and counted. At the end every child closes its app (the plugin stops the gate);
// GetLicenseUsage must show exactly one unit per request the drawdown child served, and no child may have called
// License Manager during the load.
//
// Usage: node bench/fastify.mjs [--sessions N] [--rounds N] [--duration S] [--connections N] [--warmup S]
//        node bench/fastify.mjs --serve KIND EMULATOR_URL   (a child; prints `listening on URL`)
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
const SKU = 'lg-bench-fastify';
const SELF = fileURLToPath(import.meta.url);

const USAGE = `Usage: node bench/fastify.mjs [options]
${OPTIONS_USAGE}`;

// ------------------------------------------------------------------------------------------------------------
// The child: one server.

async function serve(kind, emulatorUrl) {
  if (!SERVERS.includes(kind)) throw new Error(`--serve takes one of ${SERVERS.join(', ')}; got '${kind}'.`);
  const { default: Fastify } = await import('fastify');
  const app = Fastify({ logger: false, keepAliveTimeout: 30_000 });
  let served = 0;
  const handler = (_request, reply) => {
    served++;
    reply.send({ ok: true });
  };
  let route = {};
  if (kind !== 'alone') {
    // The same app in every child: @fastify/rate-limit and licensegate registered, the gate started at ready().
    useDummyCredentials();
    const { silentLogger } = await import('@licensegate/core');
    const { licenseGatePlugin } = await import('@licensegate/fastify');
    const { default: rateLimit } = await import('@fastify/rate-limit');
    await app.register(rateLimit, { global: false });
    await app.register(licenseGatePlugin, {
      gate: {
        productSku: SKU,
        tiers: TIERS,
        drawdown: BATCH_DRAWDOWN,
        client: { endpoint: emulatorUrl, region: REGION },
        logger: silentLogger,
      },
    });
    const routes = {
      bare: {},
      twin: {},
      tier: { config: { licensegate: { tier: 'Basic' } } },
      drawdown: { config: { licensegate: { drawdown: { dimension: DIMENSION, units: 1 } } } },
      ratelimit: { config: { rateLimit: { max: Number.MAX_SAFE_INTEGER, timeWindow: 60_000 } } },
      noop: { onRequest: (_request, _reply, done) => done() },
    };
    route = routes[kind];
  }
  app.get('/work', route, handler);
  await app.listen({ host: HOST, port: 0 });
  serveChild(`http://${HOST}:${app.server.address().port}`, {
    report: async () => {
      app.server.closeAllConnections();
      await app.close(); // the plugin stops the gate it made: batch mode reports its units
      return { served };
    },
  });
}

// ------------------------------------------------------------------------------------------------------------
// The parent: load, measure, compare.

const LABELS = {
  bare: 'bare Fastify route',
  twin: 'bare route again (A/A control)',
  tier: "config.licensegate.tier 'Basic'",
  drawdown: 'config.licensegate.drawdown, batch',
  ratelimit: '@fastify/rate-limit (memory store)',
  noop: 'a no-op onRequest hook (done() only)',
  alone: 'bare route, licensegate not loaded',
};

async function main() {
  const opts = benchOptions(USAGE);
  if (opts.serve !== undefined) return serve(opts.serve, opts.emulatorUrl);

  const { summary, otherLoad, callsDuringLoad, sessions } = await runSessions({
    script: SELF,
    kinds: SERVERS,
    baseline: BASELINE,
    licenses: [benchLicense(SKU, { tier: true, units: true })],
    opts,
    header: (bench, run) => headerLine('fastify bench', 'Fastify 5, GET /work -> {"ok":true}', bench, run),
    perSession: async (bench) => finishSession(bench, { arn: bench.arns[0] }),
  });
  console.log('');
  printServers(summary, SERVERS, LABELS, BASELINE, 37);
  console.log('');
  const checked = printChecks({ sessions, callsDuringLoad, countedOk: summary.drawdown.ok });
  printLoadWarning(otherLoad);
  console.log(
    `a tier against the no-op onRequest hook (the plugin adds no hook; above 1, the check costs less than a hook): ` +
      `${ratio(pairedRatio(summary, 'tier', 'noop'))}`,
  );

  console.log('');
  printNoiseFloor(summary);
  const tierVsBare = summary.tier.ratio;
  const tierVsLimit = pairedRatio(summary, 'tier', 'ratelimit');
  const drawdownVsBare = summary.drawdown.ratio;
  printGoal(`tier >= ${GOALS.tierVsBare} of bare`, tierVsBare >= GOALS.tierVsBare, ratio(tierVsBare));
  printGoal('tier not slower than @fastify/rate-limit', tierVsLimit >= 1, `${ratio(tierVsLimit)} of its rate`);
  printGoal(
    `drawdown (batch) >= ${GOALS.drawdownVsBare} of bare`,
    drawdownVsBare >= GOALS.drawdownVsBare,
    ratio(drawdownVsBare),
  );
  const failures = SERVERS.reduce((sum, kind) => sum + summary[kind].failed, 0);
  if (!checked || failures > 0) process.exitCode = 1;
}

main().catch((error) => {
  console.error(`fastify bench failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
