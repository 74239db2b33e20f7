// Benchmark: what @licensegate/nestjs costs a Nest 12 route (Express platform), side by side with the route alone
// and with @nestjs/throttler (goals: @RequireTier >= 0.97 of the bare route, and not slower than the throttler
// guard; @Drawdown in batch mode >= 0.95 of the bare route).
//
// Every server is a CHILD process running the same Nest app: LicenseGateModule with two gates started against the
// emulator (which runs in this, the parent, process) and ThrottlerModule; the children differ only in what guards
// or intercepts GET /work -> {"ok":true}:
//   bare       nothing;
//   twin       nothing: a second bare server, the A/A control;
//   noop       a global guard that returns true: what Nest itself spends on any guard (for information);
//   tier       @RequireTier('Basic') on the route, LicenseGateGuard as APP_GUARD (the license grants Intermediate);
//   drawdown   @Drawdown('DataConsumption', 1) with @UseGuards(LicenseGateGuard) on the 'usage' gate (no interceptor),
//              batch mode, batchUnits and batchIntervalMs so large that no report is due during the run;
//   throttler  @nestjs/throttler: ThrottlerGuard as APP_GUARD, its memory storage, a per-second limit (ttl 1 s)
//              that never triggers.
// All of them are loaded AT THE SAME TIME, pinned to one CPU, with autocannon pinned to the other (see
// bench/lib/side-by-side.mjs). A ratio is a server's rate over the mean of bare's and twin's, per round; each
// figure is the median of the rounds. Then, for a figure no scheduling moves, the tier and throttler children time
// their global guard alone, in-process, on the route's execution context (ns per canActivate call). At the end
// every child closes its app (the module stops the gates); GetLicenseUsage must show exactly one unit per request
// the drawdown child served, and no child may have called License Manager during the load.
//
// Usage: node bench/nestjs.mjs [--rounds N] [--duration S] [--connections N] [--warmup S]
//        node bench/nestjs.mjs --serve KIND EMULATOR_URL   (a child; prints `listening on URL`)
import { performance } from 'node:perf_hooks';
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
  ask,
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
import { median } from './lib/stats.mjs';

const SERVERS = ['bare', 'twin', 'noop', 'tier', 'drawdown', 'throttler'];
const BASELINE = ['bare', 'twin'];
const GOAL_TIER_VS_BARE = 0.97;
const GOAL_DRAWDOWN_VS_BARE = 0.95;
const HOST = '127.0.0.1';
const TIERED_SKU = 'lg-bench-nest-tiered';
const UNITS_SKU = 'lg-bench-nest-units';
const SELF = fileURLToPath(import.meta.url);

const USAGE = `Usage: node bench/nestjs.mjs [options]
${OPTIONS_USAGE}`;

// ------------------------------------------------------------------------------------------------------------
// The child: one Nest app. The bench is plain JavaScript, so decorators are applied by hand, as TypeScript's
// compiled output applies them.

/** Applies method decorators to `cls.prototype[name]`, the last one first (as `@a @b m()` does). */
function decorateMethod(cls, name, decorators) {
  const descriptor = Object.getOwnPropertyDescriptor(cls.prototype, name);
  for (const decorator of [...decorators].reverse()) decorator(cls.prototype, name, descriptor);
}

async function serve(kind, emulatorUrl) {
  if (!SERVERS.includes(kind)) throw new Error(`--serve takes one of ${SERVERS.join(', ')}; got '${kind}'.`);
  useDummyCredentials(); // the emulator accepts any well-formed signature; the SDK only needs credentials to sign with
  const { Controller, Get, Module, UseGuards } = await import('@nestjs/common');
  const { APP_GUARD, NestFactory } = await import('@nestjs/core');
  const { ExpressAdapter } = await import('@nestjs/platform-express');
  const { silentLogger } = await import('@licensegate/core');
  const nest = await import('@licensegate/nestjs');
  const { ThrottlerGuard, ThrottlerModule } = await import('@nestjs/throttler');

  let served = 0;
  class WorkController {
    work() {
      served++;
      return { ok: true };
    }
  }
  const client = { endpoint: emulatorUrl, region: REGION };
  // The same app in every child: both gates started (the module starts them at boot), the throttler module loaded.
  // A per-second limit that never triggers: the throttler's memory storage keeps one expiry per hit and address for
  // the ttl, and all the load comes from one address, so a longer ttl would make it slower with every request.
  const imports = [
    nest.LicenseGateModule.forRoot({
      gate: { productSku: TIERED_SKU, tiers: TIERS, client, logger: silentLogger },
    }),
    nest.LicenseGateModule.forRoot({
      name: 'usage',
      gate: {
        productSku: UNITS_SKU,
        drawdown: BATCH_DRAWDOWN,
        client,
        logger: silentLogger,
      },
    }),
    ThrottlerModule.forRoot([{ ttl: 1_000, limit: Number.MAX_SAFE_INTEGER }]),
  ];
  const routeDecorators = [Get('work')];
  const providers = [];
  if (kind === 'tier') {
    routeDecorators.push(nest.RequireTier('Basic'));
    providers.push({ provide: APP_GUARD, useClass: nest.LicenseGateGuard });
  } else if (kind === 'drawdown') {
    routeDecorators.push(nest.UseLicenseGate('usage'), UseGuards(nest.LicenseGateGuard), nest.Drawdown(DIMENSION, 1));
  } else if (kind === 'noop') {
    providers.push({ provide: APP_GUARD, useValue: { canActivate: () => true } });
  } else if (kind === 'throttler') {
    providers.push({ provide: APP_GUARD, useClass: ThrottlerGuard });
  }
  decorateMethod(WorkController, 'work', routeDecorators);
  Controller()(WorkController);
  class BenchModule {}
  Module({ imports, controllers: [WorkController], providers })(BenchModule);

  const app = await NestFactory.create(BenchModule, new ExpressAdapter(), { logger: ['error', 'warn'] });
  await app.listen(0, HOST);
  const server = app.getHttpServer();
  server.keepAliveTimeout = 30_000;

  const report = async () => {
    server.closeAllConnections();
    await app.close(); // the module stops the gates on application shutdown: batch mode reports its units
    return { served };
  };
  /**
   * The app's global guard alone (LicenseGateGuard for tier, ThrottlerGuard for throttler), called as Nest's
   * GuardsConsumer calls it (awaited only when it returns a promise) on the route's execution context: ns per call,
   * the median of a few rounds. No HTTP, so no noise from the load generator; it leaves out the work Nest does for
   * any guard at all (an async call and a context per request), which the HTTP runs include.
   */
  const micro = async () => {
    const { ApplicationConfig } = await import('@nestjs/core');
    const { ExecutionContextHost } = await import('@nestjs/core/helpers/execution-context-host.js');
    const [guard] = app.get(ApplicationConfig).getGlobalGuards();
    if (guard === undefined) return { nsPerCall: undefined };
    // Requests from 65,536 addresses in turn, as from many clients: the throttler's lists stay short.
    const contexts = Array.from({ length: 65_536 }, (_, i) => {
      const req = { ip: `10.1.${i >> 8}.${i & 255}`, headers: {}, method: 'GET', url: '/work' };
      const res = { setHeader() {}, header() {} };
      const context = new ExecutionContextHost([req, res, () => {}], WorkController, WorkController.prototype.work);
      context.setType('http');
      return context;
    });
    let next = 0;
    const rounds = [];
    for (let round = 0; round < 5; round++) {
      let calls = 0;
      const started = performance.now();
      while (performance.now() - started < 200) {
        for (let i = 0; i < 1000; i++) {
          const result = guard.canActivate(contexts[next++ & 65_535]);
          if ((typeof result === 'boolean' ? result : await result) !== true) throw new Error('the guard refused');
        }
        calls += 1000;
      }
      rounds.push(((performance.now() - started) * 1e6) / calls);
    }
    rounds.sort((a, b) => a - b);
    return { nsPerCall: rounds[2] };
  };
  serveChild(`http://${HOST}:${server.address().port}`, { report, handlers: { micro } });
}

// ------------------------------------------------------------------------------------------------------------
// The parent: load, measure, compare.

const LABELS = {
  bare: 'bare Nest route',
  twin: 'bare route again (A/A control)',
  noop: 'a guard that returns true (Nest alone)',
  tier: "@RequireTier('Basic') + LicenseGateGuard",
  drawdown: '@Drawdown(..., 1) batch + LicenseGateGuard',
  throttler: '@nestjs/throttler (ThrottlerGuard)',
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
    header: (bench, run) => headerLine('nestjs bench', 'Nest 12 on Express, GET /work -> {"ok":true}', bench, run),
    perSession: async (bench) => {
      const byKind = Object.fromEntries(bench.servers.map((server) => [server.kind, server]));
      const micro = {};
      for (const kind of ['tier', 'throttler']) {
        const answer = await ask(byKind[kind], 'micro', 'micro');
        if (answer.error !== undefined) throw new Error(`the ${kind} server's guard timing failed: ${answer.error}`);
        micro[kind] = answer.nsPerCall;
      }
      const { served, consumed } = await finishSession(bench, { arn: bench.arns[1] });
      return { micro, served, consumed };
    },
  });
  console.log('');
  const bareCpu = printServers(summary, SERVERS, LABELS, BASELINE, 42);
  console.log('');
  const micro = {
    tier: median(sessions.map((s) => s.micro.tier)),
    throttler: median(sessions.map((s) => s.micro.throttler)),
  };
  console.log(
    `in-process, the global guard alone on the route's context: LicenseGateGuard ${micro.tier.toFixed(0)} ns/call, ` +
      `ThrottlerGuard ${micro.throttler.toFixed(0)} ns/call (${(micro.throttler / micro.tier).toFixed(1)}x); ` +
      `LicenseGateGuard = ${((100 * micro.tier) / (bareCpu * 1000)).toFixed(2)}% of a bare request's server CPU`,
  );
  const checked = printChecks({ sessions, callsDuringLoad, countedOk: summary.drawdown.ok });
  printLoadWarning(otherLoad);
  console.log(
    `@RequireTier against the guard that returns true (what LicenseGateGuard adds to Nest's own guard step): ` +
      `${ratio(pairedRatio(summary, 'tier', 'noop'))}`,
  );

  console.log('');
  printNoiseFloor(summary);
  const tierVsBare = summary.tier.ratio;
  const tierVsThrottler = pairedRatio(summary, 'tier', 'throttler');
  printGoal(`@RequireTier >= ${GOAL_TIER_VS_BARE} of bare`, tierVsBare >= GOAL_TIER_VS_BARE, ratio(tierVsBare));
  printGoal(
    '@RequireTier not slower than @nestjs/throttler',
    tierVsThrottler >= 1,
    `${ratio(tierVsThrottler)} of its rate`,
  );
  const drawdownVsBare = summary.drawdown.ratio;
  printGoal(
    `@Drawdown (batch) >= ${GOAL_DRAWDOWN_VS_BARE} of bare`,
    drawdownVsBare >= GOAL_DRAWDOWN_VS_BARE,
    ratio(drawdownVsBare),
  );
  const failures = SERVERS.reduce((sum, kind) => sum + summary[kind].failed, 0);
  if (!checked || failures > 0) process.exitCode = 1;
}

main().catch((error) => {
  console.error(`nestjs bench failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
