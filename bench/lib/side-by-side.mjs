// Side-by-side HTTP load for the adapter benches (express.mjs, nestjs.mjs): several server children loaded at
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
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { clearTimeout, setTimeout } from 'node:timers';

import autocannon from 'autocannon';
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
  return { summary, otherLoad };
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

/** The ratio of the `a` rates to the `b` rates, round by round, as their median. */
export function pairedRatio(summary, a, b) {
  return median(summary[a].runs.map((run, i) => run.rps / summary[b].runs[i].rps));
}
