// A child process for the lock tests: opens a FileStore on a directory, prints "ready", and keeps it
// open until it is killed.
// Usage: node lock-holder.js <directory>
import { silentLogger, systemClock } from '@licensegate/core';

import { FileStore } from '../../src/index.js';

const store = new FileStore({ directory: process.argv[2] ?? '', logger: silentLogger });
await store.init({ clock: systemClock });
process.stdout.write('ready\n');
setInterval(() => {}, 60_000);
