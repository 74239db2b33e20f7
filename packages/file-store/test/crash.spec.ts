import assert from 'node:assert/strict';

import { CapturingLogger, ManualClock } from '@licensegate/core/testing';

import { FileStore } from '../src/index.js';
import { ScriptChild } from './support/child-process.js';
import { useTempDirectories } from './support/temp-directories.js';

const START = Date.parse('2026-01-01T00:00:00Z');

describe('FileStore: crashes and a full disk, in child processes', function () {
  this.timeout(30_000); // child processes on a busy 2-core machine
  const directories = useTempDirectories();
  const open: FileStore[] = [];
  const children: ScriptChild[] = [];
  afterEach(async () => {
    for (const store of open.splice(0)) await store.shutdown();
    for (const child of children.splice(0)) await child.kill();
  });

  async function openStore(directory: string, logger: CapturingLogger): Promise<FileStore> {
    const store = new FileStore({ directory, logger });
    await store.init({ clock: new ManualClock(START) });
    open.push(store);
    return store;
  }

  const IN_FLIGHT = 16;
  const runs = [
    { threshold: 16 * 1024 * 1024, acknowledged: 400, what: 'without compaction', compacts: false },
    { threshold: 4_096, acknowledged: 700, what: 'compacting every few dozen flushes', compacts: true },
    { threshold: 4_096, acknowledged: 1_500, what: 'compacting every few dozen flushes, later', compacts: true },
  ];
  for (const run of runs) {
    it(`loses no acknowledged write when the writer is killed with SIGKILL mid-stream (${run.what})`, async () => {
      const directory = directories.make();
      const child = new ScriptChild('durable-writer.js', [directory, String(IN_FLIGHT), String(run.threshold)]);
      children.push(child);
      await child.until((lines) => lines.length >= run.acknowledged, 20_000);
      await child.kill();
      // Killed, not dead of its own (a write that failed would have ended the writer first).
      assert.deepEqual(await child.exited, { code: null, signal: 'SIGKILL' }, child.stderr);

      const increments = child.lines.filter((line) => line.startsWith('inc ')).map((line) => Number(line.slice(4)));
      const puts = child.lines.filter((line) => line.startsWith('put ')).map((line) => line.slice(4));
      const deleteTried = new Set(child.lines.filter((line) => line.startsWith('del? ')).map((line) => line.slice(5)));
      const deleted = child.lines.filter((line) => line.startsWith('del ')).map((line) => line.slice(4));
      assert.ok(increments.length > 50 && puts.length > 50 && deleted.length > 5, 'the child wrote all three kinds');
      const compacted = child.lines.some((line) => line.startsWith('compactions '));
      assert.equal(compacted, run.compacts, 'compactions ran in the child while it wrote, or not');

      const logger = new CapturingLogger();
      const store = await openStore(directory, logger);
      assert.equal(logger.events('licensegate.file_store.lock_taken_over').length, 1);

      // Every acknowledged increment is counted; at most the ones in flight beyond.
      const counter = (await store.get<number>('crash:journal', 'units'))?.value ?? 0;
      assert.ok(counter >= increments.length, `counter ${counter} < ${increments.length} acknowledged`);
      assert.ok(counter >= Math.max(...increments), `counter ${counter} < a value the child was told`);
      assert.ok(
        counter <= increments.length + IN_FLIGHT,
        `counter ${counter} > ${increments.length} + ${IN_FLIGHT} (highest value told ${Math.max(...increments)}; ` +
          `${child.lines.length} lines; the last: ${child.lines.slice(-5).join(' | ')}; exit ${JSON.stringify(await child.exited)}; ` +
          `stderr: ${child.stderr.slice(0, 500)})`,
      );
      // Every acknowledged put is there, unless a delete of it was made; every acknowledged delete holds.
      for (const i of puts) {
        const record = await store.get(`crash:seats`, `seat-${i}`);
        if (!deleteTried.has(i)) assert.deepEqual(record?.value, { holder: Number(i) }, `seat-${i}`);
      }
      for (const i of deleted) assert.equal(await store.get('crash:seats', `seat-${i}`), undefined, `seat-${i}`);
    });
  }

  it('refuses a write the disk refuses (EFBIG under ulimit -f) with FileStoreWriteError, changing nothing in memory or on disk', async () => {
    const directory = directories.make();
    const child = new ScriptChild('full-disk-writer.js', [directory], 64);
    children.push(child);
    await child.until((lines) => lines.length >= 1, 20_000);
    const report = JSON.parse(child.lines[0] ?? '');
    assert.deepEqual(await child.exited, { code: 0, signal: null }, child.stderr);

    assert.ok(report.acknowledged > 20, `${report.acknowledged} rounds before the limit`);
    assert.equal(report.error.name, 'FileStoreWriteError');
    assert.equal(report.error.storeUnavailable, true, 'the typed store outage every store raises');
    assert.equal(report.error.code, 'ERR_LG_LICENSE_UNAVAILABLE', 'a LicenseUnavailableError: 503 for a request');
    assert.equal(report.error.systemCode, 'EFBIG');
    assert.equal(report.error.maybeApplied, false);
    assert.equal(report.error.retryAfterMs, 1_000);
    assert.match(report.error.message, /file-size limit/);
    assert.equal(report.again, 'FileStoreWriteError', 'still full: the next write fails too');
    // Memory holds what the disk holds: the last acknowledged round, nothing of the refused ones.
    assert.deepEqual(report.anchor, {
      value: { round: report.acknowledged },
      version: report.acknowledged,
      expiresAt: null,
    });
    assert.equal(report.other, undefined);
    assert.equal(report.units.value, report.acknowledged);
    assert.ok(report.failedFlushes >= 2);
    assert.deepEqual(
      report.events.filter((event: string) => event === 'licensegate.file_store.write_failed'),
      ['licensegate.file_store.write_failed'],
      'logged once per outage',
    );

    // The disk holds exactly the acknowledged rounds: the refused bytes were cut off, nothing is torn.
    const logger = new CapturingLogger();
    const store = await openStore(directory, logger);
    assert.deepEqual(await store.get('full:seats', 'anchor'), report.anchor);
    assert.equal((await store.get('full:journal', 'units'))?.value, report.acknowledged);
    assert.equal(await store.get('full:seats', 'other'), undefined);
    assert.deepEqual(logger.events('licensegate.file_store.torn_tail'), []);
    assert.equal(await store.increment('full:journal', 'units', 1), report.acknowledged + 1, 'writes work again');
  });
});
