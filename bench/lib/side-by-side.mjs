// Side-by-side HTTP load for the adapter benches (express.mjs, fastify.mjs, nestjs.mjs): several server children loaded at
// the same time, one autocannon instance each, so that every server sees the same machine at the same moments.
//
// Why at the same time. On a shared 2-core VM the speed of a core drifts by 10–20% from one second to the next
// (a fixed loop of 3e7 additions took 0.15–0.22 s in six runs), so two runs of the same server a few seconds
// apart differ by as much as the middleware costs. Servers loaded together on ONE core share that drift: the
// scheduler gives each busy process an equal share of the core, so each one's rate is set by its own cost per
// request, and the ratio of two rates is the ratio of their costs, measured over the same moments. Six copies
// of the same server measured this way stay within about 1% of each other over 8 rounds.
//
// Layout. When `taskset` is there and the machine has 2 CPUs or more, the servers are pinned to the last CPU and
// the bench (autocannon) to the first, so the load generator never takes a server's time; otherwise nothing is
// pinned, and the bench says so. Each server child is `node SCRIPT --serve KIND ...args`, prints
// `listening on URL` when ready, and answers IPC messages of the caller's own protocol.
import { execFileSync, fork } from 'node:child_process';
import { once } from 'node:events';
import { availableParallelism, cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { clearTimeout, setTimeout } from 'node:timers';
import { parseArgs } from 'node:util';

import autocannon from 'autocannon';
import { DIMENSION, REGION, useDummyCredentials } from './bench-app.mjs';
import { machineBusyMs, processBusyMs } from './cpu-time.mjs';
import { median } from './stats.mjs';

/** The machine's CPUs, read before this process pins itself (then `availableParallelism()` answers 1). */
export const MACHINE_CPUS = availableParallelism();

/** Pins a process (all its threads) to one CPU; whether it worked. */
function pin(pid, cpu) {
  try {
    execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts one server child per kind and pins them (see the top of this file).
 * @returns {{ servers: {kind: string, child: import('node:child_process').ChildProcess, url: string}[], pinned: boolean, stop: () => void }}
 */
export async function startServers({ script, kinds, args = [], startTimeoutMs = 30_000 }) {
  const cpus = MACHINE_CPUS;
  const pinned = cpus >= 2 && pin(process.pid, 0);
  const servers = [];
  const stop = () => {
    for (const { child } of servers) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    }
  };
  try {
    for (const kind of kinds) {
      const child = fork(script, ['--serve', kind, ...args], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
      servers.push({ kind, child, url: '' });
      servers.at(-1).url = await listeningUrl(child, kind, startTimeoutMs);
      if (pinned && !pin(child.pid, cpus - 1)) throw new Error(`could not pin the ${kind} server to CPU ${cpus - 1}`);
    }
  } catch (error) {
    stop();
    throw error;
  }
  return { servers, pinned, stop };
}

async function listeningUrl(child, kind, timeoutMs) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the ${kind} server did not start within ${timeoutMs / 1000} s`)),
      timeoutMs,
    );
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
}

/**
 * One autocannon run of `path` against one server. At the deadline each connection sends nothing more once its
 * in-flight answer is in (autocannon's per-client `responseMax`), so every request sent is answered and counted;
 * the rate is taken up to the last answer.
 */
function loadOne(server, path, seconds, connections) {
  const clients = [];
  let firstAt = 0;
  let lastAt = 0;
  const cpu0 = processBusyMs(server.child.pid);
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${server.url}${path}`,
        connections,
        duration: seconds + 60, // a backstop: the drain below ends the run
        setupClient: (client) => {
          if (typeof client.reqsMade !== 'number') throw new Error('autocannon internals changed: no reqsMade');
          clients.push(client);
        },
      },
      (error, result) => {
        if (error) return reject(error);
        const cpu1 = processBusyMs(server.child.pid);
        const answered = result['1xx'] + result['2xx'] + result['3xx'] + result['4xx'] + result['5xx'];
        resolve({
          answered,
          ok: result['2xx'],
          failed: answered - result['2xx'] + result.errors,
          rps: answered / ((lastAt - firstAt) / 1000),
          p50: result.latency.p50,
          p99: result.latency.p99,
          cpuUs: cpu0 === undefined || cpu1 === undefined ? undefined : ((cpu1 - cpu0) * 1000) / answered,
        });
      },
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
}

/**
 * Loads every server at once for `seconds`; autocannon instances start in `order` (rotated by the caller from
 * round to round, so no server is always first). Also reports the share of the CPUs other processes took.
 * @returns {Promise<{ runs: Record<string, ReturnType<typeof loadOne>>, otherLoad: number | undefined }>}
 */
export async function loadAll(servers, { path, seconds, connections, order = servers }) {
  const machine0 = machineBusyMs();
  const self0 = process.cpuUsage();
  const busy0 = servers.map((s) => processBusyMs(s.child.pid));
  const t0 = performance.now();
  const results = await Promise.all(order.map((server) => loadOne(server, path, seconds, connections)));
  const wallMs = performance.now() - t0;
  const machine1 = machineBusyMs();
  const busy1 = servers.map((s) => processBusyMs(s.child.pid));
  const self = process.cpuUsage(self0);
  const runs = Object.fromEntries(order.map((server, i) => [server.kind, results[i]]));
  const known = ![machine0, machine1, ...busy0, ...busy1].includes(undefined);
  const serversMs = known ? busy1.reduce((sum, b, i) => sum + b - busy0[i], 0) : 0;
  const otherLoad = known
    ? Math.max(0, machine1 - machine0 - serversMs - (self.user + self.system) / 1000) / (wallMs * MACHINE_CPUS)
    : undefined;
  return { runs, otherLoad };
}

/**
 * The warm-up and the counted rounds. In each round every server is loaded at once; a kind's ratio in a round
 * is its rate over the mean rate of the `baseline` kinds (the bare route and its twin), and `controls` pairs
 * give an A/A ratio (twin over bare) that shows how far two identical servers drift apart.
 * @returns per kind: its runs, and the median over the rounds of its rate, latencies, CPU per request and ratio
 */
export async function rounds(servers, { path, rounds: count, seconds, warmup, connections, baseline, onRound }) {
  if (warmup > 0) await loadAll(servers, { path, seconds: warmup, connections });
  const byKind = Object.fromEntries(servers.map((s) => [s.kind, { runs: [], ratios: [] }]));
  let otherLoad = 0;
  for (let round = 0; round < count; round++) {
    const order = servers.map((_, i) => servers[(i + round) % servers.length]);
    const { runs, otherLoad: other } = await loadAll(servers, { path, seconds, connections, order });
    otherLoad = Math.max(otherLoad, other ?? 0);
    const base = baseline.reduce((sum, kind) => sum + runs[kind].rps, 0) / baseline.length;
    for (const server of servers) {
      byKind[server.kind].runs.push(runs[server.kind]);
      byKind[server.kind].ratios.push(runs[server.kind].rps / base);
    }
    onRound?.(round, runs, base);
  }
  return { summary: summarize(byKind), byKind, otherLoad };
}

/** Per kind, the medians over its rounds: rate, latencies, CPU per request, ratio to the baseline. */
export function summarize(byKind) {
  const summary = {};
  for (const [kind, { runs, ratios }] of Object.entries(byKind)) {
    const of = (pick) => median(runs.map(pick).filter((v) => v !== undefined && Number.isFinite(v)));
    summary[kind] = {
      runs,
      ratios,
      rps: of((r) => r.rps),
      p50: of((r) => r.p50),
      p99: of((r) => r.p99),
      cpuUs: of((r) => r.cpuUs),
      ratio: median(ratios),
      ok: runs.reduce((sum, r) => sum + r.ok, 0),
      failed: runs.reduce((sum, r) => sum + r.failed, 0),
    };
  }
  return summary;
}

/**
 * Runs `opts.sessions` sessions (default: one per kind), each with NEW server processes ({@link startBench}), its
 * warm-up and its rounds ({@link measure}); then `perSession(bench)` (the caller's checks and reports; the servers
 * are stopped after it). A process keeps the speed its JIT and heap layout gave it for its whole life, so two
 * identical servers can differ by 1–3% for a whole session; fresh processes per session average that out. And a
 * server's rate moves with its place in the start order (see bench/README.md), so the order rotates by one each
 * session: with one session per kind, each kind takes each place once. `header(bench,
 * opts)` makes the run's first line, with the options as run (the sessions resolved).
 * @returns the medians over the rounds of all sessions, the largest other load, the License Manager calls made
 *   during the loads, and what each `perSession` returned
 */
export async function runSessions({ script, kinds, baseline, licenses, opts: given, header, perSession }) {
  const opts = { ...given, sessions: given.sessions ?? kinds.length };
  const byKind = Object.fromEntries(kinds.map((kind) => [kind, { runs: [], ratios: [] }]));
  const sessions = [];
  let otherLoad = 0;
  let callsDuringLoad = 0;
  for (let session = 0; session < opts.sessions; session++) {
    // The servers start in an order rotated from session to session, so each kind takes each start position in
    // turn: a server's rate depends on its place in the start order (see bench/README.md).
    const order = kinds.map((_, i) => kinds[(i + session) % kinds.length]);
    const bench = await startBench({ script, kinds: order, licenses });
    try {
      if (session === 0) console.log(header(bench, opts));
      if (opts.sessions > 1) console.log(`session ${session + 1} of ${opts.sessions} (new server processes)`);
      const measured = await measure(bench, opts, { kinds, baseline });
      for (const kind of kinds) {
        byKind[kind].runs.push(...measured.byKind[kind].runs);
        byKind[kind].ratios.push(...measured.byKind[kind].ratios);
      }
      otherLoad = Math.max(otherLoad, measured.otherLoad);
      callsDuringLoad += measured.callsDuringLoad;
      sessions.push(await perSession(bench));
    } finally {
      await bench.stop();
    }
  }
  return { summary: summarize(byKind), otherLoad, callsDuringLoad, sessions };
}

/** Sends `message` to a server child and resolves with the `key` field of its first answer that has one. */
export function ask(server, message, key) {
  return new Promise((resolve) => {
    const listener = (answer) => {
      if (answer?.[key] === undefined) return;
      server.child.off('message', listener);
      resolve(answer[key]);
    };
    server.child.on('message', listener);
    server.child.send(message);
  });
}

/** Asks a server child for its final report (the child then stops and exits); waits for the exit. */
export async function finalReport(server) {
  const exited = once(server.child, 'exit');
  const report = await ask(server, 'report', 'report');
  await exited;
  return report;
}

/**
 * The end of a session: every server's final report (each child stops its app and gates, so the drawdown gate
 * reports its units, and exits), then the units License Manager counts as consumed on the license `arn`.
 * @returns the reports by kind, what the `kind` server served, and the units consumed
 * @throws Error when a child's report failed
 */
export async function finishSession(bench, { arn, kind = 'drawdown' }) {
  const reports = {};
  for (const server of bench.servers) reports[server.kind] = await finalReport(server);
  for (const [name, report] of Object.entries(reports)) {
    if (report?.error !== undefined) throw new Error(`the ${name} server's report failed: ${report.error}`);
  }
  const consumed = await consumedUnits({ endpoint: bench.lm.url, region: REGION, arn, dimension: DIMENSION });
  return { reports, served: reports[kind].served, consumed };
}

/** The ratio of the `a` rates to the `b` rates, round by round, as their median. */
export function pairedRatio(summary, a, b) {
  return median(summary[a].runs.map((run, i) => run.rps / summary[b].runs[i].rps));
}

/**
 * An adapter bench's setup: dummy AWS credentials (the emulator checks only the form of a signature), the emulator
 * in this process with `licenses`, and one server child per kind, each given the emulator's URL.
 * @returns the emulator, the licenses' ARNs, the servers, and `stop()` for all of them
 */
export async function startBench({ script, kinds, licenses }) {
  useDummyCredentials();
  const { startEmulator } = await import('@licensegate/emulator');
  const lm = await startEmulator({ host: '127.0.0.1', port: 0 });
  const arns = lm.addLicenses(licenses);
  try {
    const started = await startServers({ script, kinds, args: [lm.url] });
    return { lm, arns, ...started, stop: () => (started.stop(), lm.close()) };
  } catch (error) {
    await lm.close();
    throw error;
  }
}

/**
 * The warm-up and the counted rounds of a bench from {@link startBench}, printing each round; also the License
 * Manager calls made meanwhile (by all servers).
 */
export async function measure(bench, opts, { kinds, baseline }) {
  const callsBefore = bench.lm.calls();
  const result = await rounds(bench.servers, {
    path: '/work',
    rounds: opts.rounds,
    seconds: opts.duration,
    warmup: opts.warmup,
    connections: opts.connections,
    baseline,
    onRound: roundPrinter(kinds, baseline),
  });
  return { ...result, callsDuringLoad: bench.lm.calls() - callsBefore };
}

// ------------------------------------------------------------------------------------------------------------
// What the adapter benches print, the same way.

/** Formats: whole numbers with separators, milliseconds, ratios, shares. */
export const fmt = (n) => Math.round(n).toLocaleString('en-US');
export const ms = (n) => `${n < 10 ? n.toFixed(1) : Math.round(n)} ms`;
export const ratio = (n) => n.toFixed(3);
export const percent = (share) => `${Math.round(100 * share)}%`;

/** How far the A/A control may stray from 1 before a run is too noisy to judge a goal. */
export const NOISE_TOLERANCE = 0.02;
/** Other processes' share of the CPUs above which a run gets a warning. */
const NOISY_LOAD = 0.1;

/**
 * The options of an adapter bench: `--rounds`, `--duration`, `--connections`, `--warmup`, and for a child
 * `--serve KIND EMULATOR_URL`. Prints `usage` and exits on `--help`; unknown options (other benches', passed by
 * bench/run.mjs) are ignored with a note.
 */
export function benchOptions(usage) {
  const { values, positionals } = parseArgs({
    strict: false,
    allowPositionals: true,
    options: {
      sessions: { type: 'string' },
      rounds: { type: 'string', default: '3' },
      duration: { type: 'string', default: '3' },
      connections: { type: 'string', default: '8' },
      warmup: { type: 'string', default: '8' },
      serve: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(usage);
    process.exit(0);
  }
  const known = new Set(['sessions', 'rounds', 'duration', 'connections', 'warmup', 'serve', 'help']);
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
    sessions: values.sessions === undefined ? undefined : number('sessions', 1, true),
    rounds: number('rounds', 1, true),
    duration: number('duration', 0.5, false),
    connections: number('connections', 1, true),
    warmup: number('warmup', 0, false),
  };
}

/** The usage lines of the options {@link benchOptions} reads. */
export const OPTIONS_USAGE = `  --sessions N      sessions, each with new server processes started in an order rotated by one
                    (default: one per server, so each server takes each start position once)
  --rounds N        counted rounds per session; in each, every server is loaded at once (default 3)
  --duration S      seconds of each round (default 3)
  --connections N   autocannon connections per server (default 8)
  --warmup S        seconds of load before each session's rounds, not counted (default 8)
Options of other benches (passed by bench/run.mjs) are ignored.
`;

/** The first line of a run: the machine, what is served, and how it is loaded. */
export function headerLine(name, what, { servers, pinned }, opts) {
  return (
    `${name}: ${MACHINE_CPUS} CPUs (${cpus()[0]?.model.trim() ?? 'unknown'}), node ${process.version}; ${what}; ` +
    `${servers.length} servers loaded at once` +
    (pinned
      ? `, pinned to CPU ${MACHINE_CPUS - 1} (autocannon on CPU 0)`
      : ' (not pinned: taskset missing or one CPU)') +
    `; ${opts.connections} connections each; ${opts.sessions} session(s) of ${opts.rounds} rounds of ${opts.duration} s ` +
    `after ${opts.warmup} s of warm-up; figures are medians of all rounds`
  );
}

/** An `onRound` for {@link rounds} that prints each round's ratios to the baseline. */
export function roundPrinter(kinds, baseline) {
  return (round, runs, base) =>
    console.log(
      `round ${round + 1}: bare ${fmt(base)} req/s; ` +
        kinds
          .filter((k) => !baseline.includes(k))
          .map((k) => `${k} ${ratio(runs[k].rps / base)}`)
          .join(', '),
    );
}

/** One line per server: rate, latencies, failures, ratio to the baseline, CPU per request. */
export function printServers(summary, kinds, labels, baseline, width) {
  const baseCpu = baseline.reduce((sum, kind) => sum + summary[kind].cpuUs, 0) / baseline.length;
  for (const kind of kinds) {
    const s = summary[kind];
    const vsBare = baseline.includes(kind) ? '' : `  = ${ratio(s.ratio)} of bare`;
    const cpu =
      s.cpuUs === undefined
        ? ''
        : `  server CPU ${s.cpuUs.toFixed(0)} µs/req` +
          (baseline.includes(kind)
            ? ''
            : ` (${s.cpuUs >= baseCpu ? '+' : '-'}${Math.abs(s.cpuUs - baseCpu).toFixed(0)})`);
    console.log(
      `${labels[kind].padEnd(width)}${fmt(s.rps).padStart(6)} req/s  p50 ${ms(s.p50)}  p99 ${ms(s.p99)}  ` +
        `non-2xx/errors ${s.failed}${vsBare}${cpu}`,
    );
  }
  return baseCpu;
}

/**
 * The two checks of a run: no License Manager call during the loads, and GetLicenseUsage equal to the requests the
 * drawdown server served, in every session (`sessions[i].served`, `sessions[i].consumed`).
 * @returns whether both hold
 */
export function printChecks({ sessions, callsDuringLoad, countedOk }) {
  const served = sessions.reduce((sum, s) => sum + s.served, 0);
  const consumed = sessions.reduce((sum, s) => sum + s.consumed, 0);
  const exact = sessions.every((s) => s.consumed === s.served);
  console.log(
    `License Manager calls during the load, all servers: ${callsDuringLoad} (none expected: tier answers are cached, drawdown is batched)`,
  );
  console.log(
    `drawdown: GetLicenseUsage ${fmt(consumed)} units for ${fmt(served)} requests served (warm-up included; ` +
      `${fmt(countedOk)} 2xx in the counted rounds): ${exact ? 'equal' : 'MISMATCH'}`,
  );
  return exact && callsDuringLoad === 0;
}

/** The warning when other processes took a large share of the CPUs. */
export function printLoadWarning(otherLoad) {
  if (otherLoad <= NOISY_LOAD) return;
  console.log(
    `warning: other processes took up to ${percent(otherLoad)} of the CPUs during a round; the servers share ` +
      'their core equally all the same, so the ratios hold better than the rates.',
  );
}

/** The noise-floor line (twin over bare); whether the run is too noisy to judge. */
export function printNoiseFloor(summary) {
  const aa = pairedRatio(summary, 'twin', 'bare');
  const tooNoisy = Math.abs(aa - 1) > NOISE_TOLERANCE;
  console.log(
    `noise floor: the twin measured ${ratio(aa)} of bare` +
      (tooNoisy
        ? ` — more than ${NOISE_TOLERANCE} from 1: this run is too noisy to judge the goals; run again on a quieter machine`
        : ` (within ${NOISE_TOLERANCE} of 1)`),
  );
  return tooNoisy;
}

/** A goal's verdict line. */
export function printGoal(text, met, figure) {
  console.log(`goal ${text}: ${met ? 'met' : 'not met'} (${figure})`);
}

/** Units of a dimension consumed, as License Manager (the emulator) answers a seller's GetLicenseUsage. */
export async function consumedUnits({ endpoint, region, arn, dimension }) {
  const { GetLicenseUsageCommand, LicenseManagerClient } = await import('@aws-sdk/client-license-manager');
  const seller = new LicenseManagerClient({ endpoint, region, maxAttempts: 1 });
  try {
    const out = await seller.send(new GetLicenseUsageCommand({ LicenseArn: arn }));
    return Number(out.LicenseUsage?.EntitlementUsages?.find((u) => u.Name === dimension)?.ConsumedValue);
  } finally {
    seller.destroy();
  }
}
