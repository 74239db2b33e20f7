// A child process for the kill -9 test: writes to a FileStore without end, and prints each write the
// store acknowledged, one line each, on stdout:
//   inc <value>       an increment of the counter crash:journal/units by 1 resolved with <value>
//   put <i>           a put of crash:seats/seat-<i> = { holder: <i> } resolved
//   del? <i>          (printed BEFORE the call) a delete of crash:seats/seat-<i>, a seat put before, is made
//   del <i>           that delete resolved true
//   compactions <n>   the store has compacted its log n times (printed when the count changes)
// Usage: node durable-writer.js <directory> <writers in flight> <compactionThresholdBytes>
//
// Each line is written to fd 1 with writeSync before the writer goes on: process.stdout on a pipe is
// asynchronous on POSIX, so a line it had queued would die with the process at the SIGKILL, and the
// test would take an acknowledged write for an unacknowledged one.
import { writeSync } from 'node:fs';

import { silentLogger, systemClock } from '@licensegate/core';

import { FileStore } from '../../src/index.js';

const [directory = '', inFlight = '16', threshold = '8192'] = process.argv.slice(2);
const SLEEPER = new Int32Array(new SharedArrayBuffer(4));

/** Writes one line to stdout, synchronously: once this returns, the line is in the pipe. */
function print(line: string): void {
  let data = Buffer.from(`${line}\n`);
  while (data.length > 0) {
    try {
      data = data.subarray(writeSync(1, data));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      Atomics.wait(SLEEPER, 0, 0, 1); // the pipe is full: the reader catches up
    }
  }
}

const store = new FileStore({ directory, compactionThresholdBytes: Number(threshold), logger: silentLogger });
await store.init({ clock: systemClock });
print('ready');

let next = 0;
let compactions = 0;
async function writer(): Promise<never> {
  for (;;) {
    if (store.stats.compactions !== compactions) {
      compactions = store.stats.compactions;
      print(`compactions ${compactions}`);
    }
    const i = next++;
    if (i % 2 === 0) {
      const value = await store.increment('crash:journal', 'units', 1);
      print(`inc ${value}`);
    } else if (i % 10 === 9) {
      // A seat put 8 writes before: its put was made (in memory at least), so the delete finds it.
      print(`del? ${i - 8}`);
      if (await store.delete('crash:seats', `seat-${i - 8}`)) print(`del ${i - 8}`);
    } else {
      await store.put('crash:seats', `seat-${i}`, { holder: i });
      print(`put ${i}`);
    }
  }
}
await Promise.all(Array.from({ length: Number(inFlight) }, writer));
