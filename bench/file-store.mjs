// Benchmark: the durable file store of @licensegate/file-store, against MemoryStore (the default store, which keeps
// nothing across a crash) and against the disk's own floor.
//
//   1. Durable increments per second, one at a time (each awaited before the next): FileStore, MemoryStore, and the
//      floor — a bare loop of one 100-byte write + fdatasync on a file in the same directory, the least a durable
//      write can cost on this disk. Alternating rounds; the median of each.
//   2. The same with 64 increments in flight (group commit): the writes made during one fsync share the next. The
//      line shows the writes per fsync the store made.
//   3. p50 / p99 latency of one durable write (a put of a seat-like record, awaited), with MemoryStore and the floor.
//   4. For information: opening a store whose log holds --records records (replay), and compacting them.
// Check: after the runs, the directory is opened again and every counter must hold exactly the increments the
// store acknowledged; otherwise the bench exits with 1.
//
// The store's directory is a temporary one under os.tmpdir(), removed at the end: the figures are those of that
// disk (`df` of it is printed).
//
// Usage: node bench/file-store.mjs [--rounds N] [--round-ms MS] [--concurrency N] [--writes N] [--records N]
import { Buffer } from 'node:buffer';
import { execFileSync } from 'node:child_process';
import { closeSync, fdatasync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

import { MemoryStore, silentLogger, systemClock } from '@licensegate/core';
import { FileStore } from '@licensegate/file-store';

import { machineBusyMs } from './lib/cpu-time.mjs';
import { median, percentile } from './lib/stats.mjs';
import { wholeNumberOptions } from './lib/options.mjs';

const USAGE = `Usage: node bench/file-store.mjs [options]
  --rounds N       alternating rounds of each throughput loop; the median is reported (default 5)
  --round-ms MS    length of one round (default 400)
  --concurrency N  increments in flight in the group-commit runs (default 64)
  --writes N       durable writes timed one by one for the latency figures, per store (default 2000)
  --records N      records of the log opened and compacted in part 4 (default 100000)
Options of other benches (passed by bench/run.mjs) are ignored.
`;

function options() {
  return wholeNumberOptions(USAGE, { rounds: 5, 'round-ms': 400, concurrency: 64, writes: 2000, records: 100000 });
}

// ------------------------------------------------------------------------------------ the contenders

/** The disk's floor: one 100-byte append + fdatasync, awaited, in a file of the bench's directory. */
function floor(directory) {
  const fd = openSync(join(directory, 'floor.bin'), 'w');
  const line = Buffer.alloc(100, 0x61);
  let position = 0;
  return {
    write: async () => {
      position += writeSync(fd, line, 0, line.length, position);
      await new Promise((resolve, reject) => fdatasync(fd, (error) => (error ? reject(error) : resolve())));
    },
    close: () => closeSync(fd),
  };
}

/** Increments of one counter, `inFlight` at a time, for `ms`; answers the rate and how many resolved. */
async function incrementsFor(increment, inFlight, ms) {
  let done = 0;
  const deadline = performance.now() + ms;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < deadline) {
        await increment();
        done += 1;
      }
    }),
  );
  return { rate: (done * 1000) / (performance.now() - t0), done };
}

// ------------------------------------------------------------------------------------ report

const fmt = (n) => Math.round(n).toLocaleString('en-US');
const ms = (n) => `${n.toFixed(n < 1 ? 3 : 2)} ms`;
const pad = (label) => label.padEnd(50);

/** Runs `work`; answers its result and the share of all CPUs that other processes took meanwhile. */
async function measured(work) {
  const machine0 = machineBusyMs();
  const self0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await work();
  const wallMs = performance.now() - t0;
  const machine1 = machineBusyMs();
  const self = process.cpuUsage(self0);
  if (machine0 === undefined || machine1 === undefined) return { result, note: '' };
  const otherMs = machine1 - machine0 - (self.user + self.system) / 1000;
  const share = Math.max(0, otherMs / (wallMs * availableParallelism()));
  const note = `  (other processes: ${(100 * share).toFixed(0)}% of the CPUs)`;
  return { result, note: share > 0.1 ? `${note}  WARNING: the machine was busy; figures are low` : note };
}

async function main() {
  const opts = options();
  const root = mkdtempSync(join(tmpdir(), 'licensegate-bench-file-store-'));
  let failed = false;
  try {
    let disk = '';
    try {
      disk = execFileSync('df', ['-hT', root], { encoding: 'utf8' }).trim().split('\n').pop() ?? '';
    } catch {
      // no df: the line is left out
    }
    console.log(`directory ${root}${disk ? `\n  on: ${disk.replace(/\s+/g, ' ')}` : ''}`);

    const directory = join(root, 'store');
    const file = new FileStore({ directory, logger: silentLogger });
    await file.init({ clock: systemClock });
    const memory = new MemoryStore();
    await memory.init({ clock: systemClock });
    const bare = floor(root);
    const acknowledged = new Map();
    const count = (key) => () =>
      file.increment('bench:drawdown', key, 1).then(() => acknowledged.set(key, (acknowledged.get(key) ?? 0) + 1));

    // -------------------------------------------------------------------------------- 1 and 2
    for (const inFlight of [1, opts.concurrency]) {
      console.log(
        inFlight === 1
          ? `\n1. Durable increments per second, one at a time (${opts.rounds} alternating rounds of ${opts.roundMs} ms; median)`
          : `\n2. Durable increments per second, ${inFlight} in flight (group commit)`,
      );
      const rates = { memory: [], file: [], floor: [] };
      const flushes0 = file.stats.flushes;
      let fileDone = 0;
      const run = await measured(async () => {
        for (let round = 0; round < opts.rounds; round++) {
          rates.memory.push(
            (await incrementsFor(() => memory.increment('bench:drawdown', 'units', 1), inFlight, opts.roundMs)).rate,
          );
          const fileRun = await incrementsFor(count(`units-${inFlight}`), inFlight, opts.roundMs);
          rates.file.push(fileRun.rate);
          fileDone += fileRun.done;
          if (inFlight === 1) rates.floor.push((await incrementsFor(bare.write, 1, opts.roundMs)).rate);
        }
      });
      const m = median(rates.memory);
      const f = median(rates.file);
      console.log(`   ${pad('MemoryStore (baseline: in memory, not durable)')} ${fmt(m).padStart(11)} /s`);
      console.log(
        `   ${pad('FileStore (fsync per flush)')} ${fmt(f).padStart(11)} /s  = ${(f / m).toFixed(4)} of the baseline`,
      );
      if (inFlight === 1) {
        const b = median(rates.floor);
        console.log(
          `   ${pad('floor: write(100 B) + fdatasync, bare loop')} ${fmt(b).padStart(11)} /s  (FileStore = ${(f / b).toFixed(2)} of it)`,
        );
      } else {
        const flushes = file.stats.flushes - flushes0;
        console.log(`   ${pad('writes per fsync (FileStore)')} ${(fileDone / flushes).toFixed(1).padStart(11)}`);
      }
      console.log(`  ${run.note}`);
    }

    // -------------------------------------------------------------------------------- 3
    console.log(
      `\n3. Latency of one durable write: a put of a seat record, awaited (${fmt(opts.writes)} each, alternating)`,
    );
    const samples = { memory: [], file: [], floor: [] };
    const seat = (i) => ({
      token: 'x'.repeat(64),
      holders: [`session-${i}`],
      acquiredAt: Date.now(),
      lease: Date.now() + 3_600_000,
    });
    const lat = await measured(async () => {
      for (let i = 0; i < opts.writes; i++) {
        let t0 = performance.now();
        await memory.put('bench:seats', `seat-${i % 100}`, seat(i), { ttlMs: 3_600_000 });
        samples.memory.push(performance.now() - t0);
        t0 = performance.now();
        await file.put('bench:seats', `seat-${i % 100}`, seat(i), { ttlMs: 3_600_000 });
        samples.file.push(performance.now() - t0);
        t0 = performance.now();
        await bare.write();
        samples.floor.push(performance.now() - t0);
      }
    });
    for (const [name, label] of [
      ['memory', 'MemoryStore (baseline)'],
      ['file', 'FileStore'],
      ['floor', 'floor: write(100 B) + fdatasync'],
    ]) {
      const sorted = samples[name].sort((a, b) => a - b);
      console.log(`   ${pad(label)} p50 ${ms(percentile(sorted, 50))}   p99 ${ms(percentile(sorted, 99))}`);
    }
    console.log(`  ${lat.note}`);
    bare.close();
    await file.shutdown();
    await memory.shutdown();

    // Check: what the store acknowledged is what a reopen finds.
    const check = new FileStore({ directory, logger: silentLogger });
    await check.init({ clock: systemClock });
    for (const [key, n] of acknowledged) {
      const value = (await check.get('bench:drawdown', key))?.value;
      if (value !== n) {
        failed = true;
        console.error(`   MISMATCH: ${key} holds ${value} after a reopen; ${n} increments were acknowledged`);
      }
    }
    await check.shutdown();
    console.log(
      `\n   check: every counter holds exactly the increments acknowledged, after a reopen: ${failed ? 'NO' : 'yes'}`,
    );

    // -------------------------------------------------------------------------------- 4
    console.log(`\n4. For information: a log of ${fmt(opts.records)} seat records`);
    const big = join(root, 'big');
    const writer = new FileStore({ directory: big, logger: silentLogger });
    await writer.init({ clock: systemClock });
    for (let i = 0; i < opts.records; i += 1000) {
      await Promise.all(
        Array.from({ length: Math.min(1000, opts.records - i) }, (_, j) =>
          writer.put('bench:seats', `seat-${i + j}`, seat(i + j)),
        ),
      );
    }
    await writer.shutdown();
    const size = statSync(join(big, 'store.log')).size;
    let t0 = performance.now();
    const reader = new FileStore({ directory: big, logger: silentLogger });
    await reader.init({ clock: systemClock });
    const openMs = performance.now() - t0;
    console.log(
      `   ${pad(`open (replay of ${(size / 1048576).toFixed(1)} MiB)`)} ${ms(openMs)}  (${reader.size} records)`,
    );
    await reader.shutdown();
    const compacting = new FileStore({ directory: big, logger: silentLogger, compactionThresholdBytes: 1 });
    t0 = performance.now();
    await compacting.init({ clock: systemClock }); // past its threshold: compacted at open
    const compactMs = performance.now() - t0;
    console.log(
      `   ${pad('open with compaction (replay + snapshot + fsync + rename)')} ${ms(compactMs)}  (now ${(statSync(join(big, 'store.log')).size / 1048576).toFixed(1)} MiB)`,
    );
    await compacting.shutdown();
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  if (failed) {
    console.error('bench/file-store.mjs: a counter lost or gained increments across a reopen');
    process.exitCode = 1;
  }
}

await main();
