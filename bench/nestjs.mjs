// Benchmark: what @licensegate/nestjs costs a Nest 12 route (Express platform), side by side with the route alone
// and with @nestjs/throttler (goals: @RequireTier >= 0.97 of the bare route, and not slower than the throttler
// guard; @Drawdown in batch mode is measured for information).
//
// Five servers, each in its own CHILD process (so the load generator shares no event loop with them), serve the
// same route and the same answer, GET /work -> {"ok":true}, from the same controller:
//   bare       the route alone (no guard, no interceptor);
//   noop       a global guard that returns true: what Nest itself spends on any guard (for information);
//   tier       @RequireTier('Basic') on the route, LicenseGateGuard as APP_GUARD: a gate made from options by
//              LicenseGateModule.forRoot(), against an emulator started inside that child;
//   drawdown   @Drawdown('DataConsumption', 1) with @UseInterceptors(LicenseGateInterceptor), batch mode,
//              batchUnits and batchIntervalMs so large that no report is due during the run (no License Manager
//              call on the request path);
//   throttler  @nestjs/throttler 6: ThrottlerGuard as APP_GUARD, its memory storage, a per-second limit (ttl 1 s)
//              that never triggers.
// Then, for a figure the machine's other load hardly moves, the tier and throttler children time their global guard
// alone, in-process, on the route's execution context, with requests from many addresses (ns per canActivate call).
// autocannon loads one server at a time, in rounds that rotate the order; each rate is the median of its rounds,
// and each ratio the median of the rounds' ratios (a round's servers ran seconds apart, under the same load). At
// each round's deadline autocannon sends nothing more and waits for the answers in flight, so every request sent
// is answered and counted. At the end the drawdown child closes its Nest app (the module stops the gate: one
// flush) and GetLicenseUsage must show exactly one unit per request it served.
//
// Usage: node bench/nestjs.mjs [--rounds N] [--duration S] [--connections N] [--warmup S]
//        node bench/nestjs.mjs --serve bare|noop|tier|drawdown|throttler   (a child; prints `listening on URL`)
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { availableParallelism, cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { clearTimeout, setTimeout } from 'node:timers';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import autocannon from 'autocannon';
import { machineBusyMs, processBusyMs } from './lib/cpu-time.mjs';

const SERVERS = ['bare', 'noop', 'tier', 'drawdown', 'throttler'];
const GOAL_TIER_VS_BARE = 0.97;
const HOST = '127.0.0.1';
const REGION = 'us-east-1';
const DIMENSION = 'DataConsumption';
const TIERED_SKU = 'lg-bench-nest-tiered';
const UNITS_SKU = 'lg-bench-nest-units';
const SELF = fileURLToPath(import.meta.url);

const USAGE = `Usage: node bench/nestjs.mjs [options]
  --rounds N        rounds; in each, every server is loaded once, in a rotating order (default 9)
  --duration S      seconds of load per server and round (default 2)
  --connections N   autocannon connections (default 20)
  --warmup S        seconds of load per server before the rounds, not counted (default 2)
Options of other benches (passed by bench/run.mjs) are ignored.
`;

// ------------------------------------------------------------------------------------------------------------
// The child: one Nest app. The bench is plain JavaScript, so decorators are applied by hand, as TypeScript's
// compiled output applies them.

/** An AWS Marketplace license: the Intermediate tier, or a drawdown pool that does not run out during a run. */
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
      sku === TIERED_SKU
        ? [{ Name: 'Intermediate', Value: 'Enabled', Unit: 'None' }]
        : [{ Name: DIMENSION, MaxCount: 1_000_000_000, Overage: false, Unit: 'Count', AllowCheckIn: true }],
    Beneficiary: '123456789012',
    ConsumptionConfiguration: { RenewType: 'None', ProvisionalConfiguration: { MaxTimeToLiveInMinutes: 60 } },
  };
}

/** Applies method decorators to `cls.prototype[name]`, the last one first (as `@a @b m()` does). */
function decorateMethod(cls, name, decorators) {
  const descriptor = Object.getOwnPropertyDescriptor(cls.prototype, name);
  for (const decorator of [...decorators].reverse()) decorator(cls.prototype, name, descriptor);
}

async function serve(kind) {
  if (!SERVERS.includes(kind)) throw new Error(`--serve takes one of ${SERVERS.join(', ')}; got '${kind}'.`);
  // The emulator accepts any well-formed signature; the SDK only needs credentials to sign with.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  process.env.AWS_ACCESS_KEY_ID ??= 'AKIDBENCH';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'licensegate-bench-secret';
  const { Controller, Get, Module, UseInterceptors } = await import('@nestjs/common');
  const { APP_GUARD, NestFactory } = await import('@nestjs/core');
  const { ExpressAdapter } = await import('@nestjs/platform-express');

  let served = 0;
  class WorkController {
    work() {
      served++;
      return { ok: true };
    }
  }
  const routeDecorators = [Get('work')];
  const imports = [];
  const providers = [];
  let lm;
  let arn;
  if (kind === 'tier' || kind === 'drawdown') {
    const { startEmulator } = await import('@licensegate/emulator');
    const { silentLogger } = await import('@licensegate/core');
    const nest = await import('@licensegate/nestjs');
    const sku = kind === 'tier' ? TIERED_SKU : UNITS_SKU;
    lm = await startEmulator({ host: HOST, port: 0 });
    [arn] = lm.addLicenses([benchLicense(sku)]);
    const client = { endpoint: lm.url, region: REGION };
    const gate =
      kind === 'tier'
        ? { productSku: sku, tiers: ['Basic', 'Intermediate', 'Premium'], client, logger: silentLogger }
        : {
            productSku: sku,
            drawdown: {
              [DIMENSION]: { mode: 'batch', batchUnits: Number.MAX_SAFE_INTEGER, batchIntervalMs: 24 * 3_600_000 },
            },
            client,
            logger: silentLogger,
          };
    imports.push(nest.LicenseGateModule.forRoot({ gate }));
    if (kind === 'tier') {
      routeDecorators.push(nest.RequireTier('Basic'));
      providers.push({ provide: APP_GUARD, useClass: nest.LicenseGateGuard });
    } else {
      routeDecorators.push(UseInterceptors(nest.LicenseGateInterceptor), nest.Drawdown(DIMENSION, 1));
    }
  } else if (kind === 'noop') {
    providers.push({ provide: APP_GUARD, useValue: { canActivate: () => true } });
  } else if (kind === 'throttler') {
    const { ThrottlerGuard, ThrottlerModule } = await import('@nestjs/throttler');
    // A per-second limit that never triggers. Its memory storage keeps one expiry per hit and address for the ttl,
    // and all the load comes from one address, so a longer ttl would make it slower with every request.
    imports.push(ThrottlerModule.forRoot([{ ttl: 1_000, limit: Number.MAX_SAFE_INTEGER }]));
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
  process.stdout.write(`listening on http://${HOST}:${server.address().port}\n`);

  const report = async () => {
    if (lm === undefined) {
      await app.close();
      return { served };
    }
    const callsDuringLoad = lm.calls();
    const checkoutsDuringLoad = lm.calls('CheckoutLicense');
    await app.close(); // the module stops the gate on application shutdown: batch mode reports its units
    const result = { served, callsDuringLoad, checkoutsDuringLoad, checkoutsAfterStop: lm.calls('CheckoutLicense') };
    if (kind === 'drawdown') {
      const { GetLicenseUsageCommand, LicenseManagerClient } = await import('@aws-sdk/client-license-manager');
      const seller = new LicenseManagerClient({ endpoint: lm.url, region: REGION, maxAttempts: 1 });
      const out = await seller.send(new GetLicenseUsageCommand({ LicenseArn: arn }));
      seller.destroy();
      result.consumed = Number(out.LicenseUsage?.EntitlementUsages?.find((u) => u.Name === DIMENSION)?.ConsumedValue);
    }
    return result;
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
  process.on('message', (message) => {
    if (message === 'micro') {
      micro()
        .then((result) => process.send({ micro: result }))
        .catch((error) => process.send({ micro: { error: String(error?.message ?? error) } }));
      return;
    }
    if (message !== 'report') return;
    server.closeAllConnections();
    report()
      .then((result) => process.send({ report: result }))
      .catch((error) => process.send({ report: { error: String(error?.message ?? error) } }))
      .finally(() => (lm?.close() ?? Promise.resolve()).finally(() => process.exit(0)));
  });
}

// ------------------------------------------------------------------------------------------------------------
// The parent: load, measure, compare.

function options() {
  const { values } = parseArgs({
    strict: false,
    options: {
      rounds: { type: 'string', default: '9' },
      duration: { type: 'string', default: '2' },
      connections: { type: 'string', default: '20' },
      warmup: { type: 'string', default: '2' },
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
  const whole = (name, min) => {
    const n = Number(values[name]);
    if (!Number.isInteger(n) || n < min) {
      throw new Error(`--${name} takes a whole number of ${min} or more; got '${values[name]}'.`);
    }
    return n;
  };
  return {
    serve: values.serve,
    rounds: whole('rounds', 1),
    duration: whole('duration', 1),
    connections: whole('connections', 1),
    warmup: whole('warmup', 0),
  };
}

/** Forks this file as a server child; answers the child and its URL. */
async function startChild(kind) {
  const child = fork(SELF, ['--serve', kind], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the ${kind} server did not start within 20 s`)), 20_000);
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

/** Asks a child to time its global guard in-process. */
async function microOf(server) {
  const answer = new Promise((resolve) => {
    const listener = (m) => {
      if (m.micro === undefined) return;
      server.child.off('message', listener);
      resolve(m.micro);
    };
    server.child.on('message', listener);
  });
  server.child.send('micro');
  const result = await answer;
  if (result.error !== undefined) throw new Error(`the ${server.kind} server's guard timing failed: ${result.error}`);
  return result.nsPerCall;
}

/** Asks a child for its report (it closes its app), then waits for it to exit. */
async function reportOf(server) {
  const exited = once(server.child, 'exit');
  const answer = new Promise((resolve) => server.child.once('message', (m) => resolve(m.report)));
  server.child.send('report');
  const report = await answer;
  await exited;
  return report;
}

// Linux's USER_HZ: /proc/stat and /proc/PID/stat count CPU time in 1/100 s.

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
// Above this share of the CPUs taken by other processes, the rates say more about them than about the guards.
const NOISY_LOAD = 0.1;

const LABELS = {
  bare: 'bare Nest route',
  noop: 'a guard that returns true (Nest alone)',
  tier: "@RequireTier('Basic') + LicenseGateGuard",
  drawdown: '@Drawdown(..., 1) batch + interceptor',
  throttler: '@nestjs/throttler (ThrottlerGuard)',
};

async function main() {
  const opts = options();
  if (opts.serve !== undefined) return serve(opts.serve);
  console.log(
    `nestjs bench: ${availableParallelism()} CPUs (${cpus()[0]?.model.trim() ?? 'unknown'}), node ${process.version}; ` +
      `Nest 12 on Express, GET /work -> {"ok":true}; autocannon ${opts.connections} connections; ${opts.rounds} ` +
      `rounds x ${opts.duration} s per server (rotating order), after ${opts.warmup} s of warm-up each; rates are ` +
      'medians of the rounds, ratios medians of the per-round ratios',
  );
  const servers = [];
  try {
    for (const kind of SERVERS) servers.push(await startChild(kind));
    if (opts.warmup > 0) for (const server of servers) await load(server, opts.warmup, opts.connections);
    const runs = Object.fromEntries(SERVERS.map((kind) => [kind, []]));
    for (let round = 0; round < opts.rounds; round++) {
      const order = servers.map((_, i) => servers[(i + round) % servers.length]);
      const line = [];
      for (const server of order) {
        const run = await load(server, opts.duration, opts.connections);
        runs[server.kind][round] = run;
        line.push(`${server.kind} ${fmt(run.rps)}`);
      }
      console.log(`round ${round + 1}: ${line.join(', ')} req/s`);
    }

    const micro = {};
    for (const server of servers)
      if (server.kind === 'tier' || server.kind === 'throttler') micro[server.kind] = await microOf(server);
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
    /** The median over the rounds of `kind`'s rate divided by `base`'s rate in the same round. */
    const ratioTo = (kind, base) => median(runs[kind].map((run, round) => run.rps / runs[base][round].rps));
    const bare = summary.bare;
    console.log('');
    for (const kind of SERVERS) {
      const s = summary[kind];
      const vsBare = kind === 'bare' ? '' : `  = ${ratio(ratioTo(kind, 'bare'))} of bare`;
      const cpu =
        s.cpuUs === undefined
          ? ''
          : `  server CPU ${s.cpuUs.toFixed(1)} µs/req` +
            (kind === 'bare' ? '' : ` (${s.cpuUs >= bare.cpuUs ? '+' : ''}${(s.cpuUs - bare.cpuUs).toFixed(1)})`);
      console.log(
        `${LABELS[kind].padEnd(42)}${fmt(s.rps).padStart(7)} req/s  p50 ${ms(s.p50)}  p99 ${ms(s.p99)}  ` +
          `non-2xx/errors ${s.failed}${vsBare}${cpu}`,
      );
    }

    console.log('');
    console.log(
      `in-process, the global guard alone on the route's context: LicenseGateGuard ${micro.tier.toFixed(0)} ns/call, ` +
        `ThrottlerGuard ${micro.throttler.toFixed(0)} ns/call (${(micro.throttler / micro.tier).toFixed(1)}x); ` +
        `LicenseGateGuard = ${((100 * micro.tier) / (bare.cpuUs * 1000)).toFixed(2)}% of a bare request's server CPU`,
    );

    const dd = reports.drawdown;
    const tier = reports.tier;
    for (const [kind, report] of Object.entries(reports)) {
      if (report?.error !== undefined) throw new Error(`the ${kind} server's report failed: ${report.error}`);
    }
    console.log('');
    console.log(
      `tier gate: License Manager calls during the load ${tier.callsDuringLoad} ` +
        `(CheckoutLicense ${tier.checkoutsDuringLoad}: the start only)`,
    );
    const exact = dd.consumed === dd.served;
    console.log(
      `drawdown: License Manager calls during the load ${dd.callsDuringLoad} (CheckoutLicense ` +
        `${dd.checkoutsDuringLoad}); at shutdown ${dd.checkoutsAfterStop - dd.checkoutsDuringLoad} CheckoutLicense; ` +
        `GetLicenseUsage ${fmt(dd.consumed)} units for ${fmt(dd.served)} requests served: ${exact ? 'equal' : 'MISMATCH'}`,
    );
    const failures = SERVERS.reduce((sum, kind) => sum + summary[kind].failed, 0);
    if (SERVERS.some((kind) => summary[kind].otherLoad > NOISY_LOAD)) {
      console.log(
        `warning: other processes took more than ${percent(NOISY_LOAD)} of the CPUs during some run; ` +
          'the rates say more about them than about the guards. The CPU µs/req figures are steadier.',
      );
    }

    console.log(
      `@RequireTier against the guard that returns true (what LicenseGateGuard adds to Nest's own guard step): ` +
        `${ratio(ratioTo('tier', 'noop'))}`,
    );
    const tierVsBare = ratioTo('tier', 'bare');
    const tierVsThrottler = ratioTo('tier', 'throttler');
    const verdict = (ok) => (ok ? 'met' : 'not met');
    console.log('');
    console.log(
      `goal @RequireTier >= ${GOAL_TIER_VS_BARE} of bare: ${verdict(tierVsBare >= GOAL_TIER_VS_BARE)} (${ratio(tierVsBare)})`,
    );
    console.log(
      `goal @RequireTier not slower than @nestjs/throttler: ${verdict(tierVsThrottler >= 1)} ` +
        `(${ratio(tierVsThrottler)} of its rate)`,
    );
    if (!exact || failures > 0 || tier.checkoutsDuringLoad !== 1 || dd.checkoutsDuringLoad !== 0) process.exitCode = 1;
  } finally {
    for (const server of servers) {
      if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGTERM');
    }
  }
}

main().catch((error) => {
  console.error(`nestjs bench failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
