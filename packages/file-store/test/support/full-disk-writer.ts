// A child process for the disk-full test, run under `ulimit -f` so that the kernel refuses to let the
// log grow past a size (EFBIG): a real failed write. It writes until a write fails, then prints one
// JSON line describing what it saw.
// Usage: node full-disk-writer.js <directory>
import { systemClock } from '@licensegate/core';
import { StoreUnavailableError } from '@licensegate/core/store';

import { FileStore } from '../../src/index.js';
import { CapturingLogger } from '@licensegate/core/testing';

const logger = new CapturingLogger();
const store = new FileStore({ directory: process.argv[2] ?? '', logger });
await store.init({ clock: systemClock });

let acknowledged = 0;
let failure: unknown;
for (let i = 1; failure === undefined; i += 1) {
  // Two writes of one flush: a put and an increment.
  const results = await Promise.allSettled([
    store.put('full:seats', 'anchor', { round: i }),
    store.increment('full:journal', 'units', 1),
  ]);
  const rejected = results.find((result) => result.status === 'rejected');
  if (rejected === undefined) acknowledged = i;
  else failure = rejected.reason;
}
const error = failure as Error & { code?: string; systemCode?: string; maybeApplied?: boolean; retryAfterMs?: number };
// Still full: another write fails too, and changes nothing either.
const again = await store.put('full:seats', 'other', 'x').then(
  () => 'written',
  (reason: Error) => reason.name,
);
const report = {
  acknowledged,
  error: {
    name: error.name,
    storeUnavailable: error instanceof StoreUnavailableError,
    code: error.code,
    systemCode: error.systemCode,
    maybeApplied: error.maybeApplied,
    retryAfterMs: error.retryAfterMs,
    message: error.message,
  },
  again,
  anchor: await store.get('full:seats', 'anchor'),
  other: await store.get('full:seats', 'other'),
  units: await store.get('full:journal', 'units'),
  failedFlushes: store.stats.failedFlushes,
  events: logger.entries.map((entry) => entry.fields['event']),
};
process.stdout.write(`${JSON.stringify(report)}\n`);
await store.shutdown();
