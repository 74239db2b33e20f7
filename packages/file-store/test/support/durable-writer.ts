// A child process for the kill -9 test: writes to a FileStore without end, and prints each write the
// store acknowledged, one line each, on stdout:
//   inc <value>       an increment of the counter crash:journal/units by 1 resolved with <value>
//   put <i>           a put of crash:seats/seat-<i> = { holder: <i> } resolved
//   del? <i>          (printed BEFORE the call) a delete of crash:seats/seat-<i>, a seat put before, is made
//   del <i>           that delete resolved true
//   compactions <n>   the store has compacted its log n times (printed when the count changes)
// Usage: node durable-writer.js <directory> <writers in flight> <compactionThresholdBytes>
import { silentLogger, systemClock } from '@licensegate/core';

import { FileStore } from '../../src/index.js';

const [directory = '', inFlight = '16', threshold = '8192'] = process.argv.slice(2);
const store = new FileStore({ directory, compactionThresholdBytes: Number(threshold), logger: silentLogger });
await store.init({ clock: systemClock });
process.stdout.write('ready\n');

let next = 0;
let compactions = 0;
async function writer(): Promise<never> {
  for (;;) {
    if (store.stats.compactions !== compactions) {
      compactions = store.stats.compactions;
      process.stdout.write(`compactions ${compactions}\n`);
    }
    const i = next++;
    if (i % 2 === 0) {
      const value = await store.increment('crash:journal', 'units', 1);
      process.stdout.write(`inc ${value}\n`);
    } else if (i % 10 === 9) {
      // A seat put 8 writes before: its put was made (in memory at least), so the delete finds it.
      process.stdout.write(`del? ${i - 8}\n`);
      if (await store.delete('crash:seats', `seat-${i - 8}`)) process.stdout.write(`del ${i - 8}\n`);
    } else {
      await store.put('crash:seats', `seat-${i}`, { holder: i });
      process.stdout.write(`put ${i}\n`);
    }
  }
}
await Promise.all(Array.from({ length: Number(inFlight) }, writer));
