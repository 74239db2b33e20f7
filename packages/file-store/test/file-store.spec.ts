import assert from 'node:assert/strict';
import { appendFileSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { LicenseGateConfigurationError, silentLogger } from '@licensegate/core';
import { CapturingLogger, ManualClock } from '@licensegate/core/testing';

import { FileStore, FileStoreError, LOG_FORMAT, type FileStoreOptions } from '../src/index.js';
import { deleteLine } from '../src/log-format.js';
import { useTempDirectories } from './support/temp-directories.js';

const START = Date.parse('2026-01-01T00:00:00Z');
const NS = 'prod-abc:seats';

describe('FileStore', () => {
  const directories = useTempDirectories();
  const open: FileStore[] = [];
  afterEach(async () => {
    for (const store of open.splice(0)) await store.shutdown();
  });

  /** A store on `directory`, initialised with `clock`, shut down after the test. */
  async function openStore(
    directory: string,
    clock = new ManualClock(START),
    options: Omit<FileStoreOptions, 'directory'> = {},
  ): Promise<FileStore> {
    const store = new FileStore({ directory, logger: silentLogger, ...options });
    await store.init({ clock });
    open.push(store);
    return store;
  }

  /** Shuts a store down now (and not again after the test). */
  async function close(store: FileStore): Promise<void> {
    open.splice(open.indexOf(store), 1);
    await store.shutdown();
  }

  describe('options', () => {
    it('refuses bad options with ERR_LG_OPTION_STORE, naming the option', () => {
      const bad: [unknown, RegExp][] = [
        [undefined, /the options must be an object/],
        [{}, /directory must be the path/],
        [{ directory: '' }, /directory must be the path/],
        [{ directory: 42 }, /directory must be the path/],
        [{ directory: '/tmp/x', compactionThresholdBytes: 0 }, /compactionThresholdBytes/],
        [{ directory: '/tmp/x', compactionThresholdBytes: 1.5 }, /compactionThresholdBytes/],
        [{ directory: '/tmp/x', sweepIntervalMs: -1 }, /sweepIntervalMs/],
        [{ directory: '/tmp/x', sweepIntervalMs: 2 ** 31 }, /sweepIntervalMs/],
        [{ directory: '/tmp/x', logger: console.log }, /logger must have/],
        [{ directory: '/tmp/x', dir: '/tmp/y' }, /Unknown option "dir"\. It takes directory/],
      ];
      for (const [options, message] of bad) {
        assert.throws(
          () => new FileStore(options as FileStoreOptions),
          (error: unknown) =>
            error instanceof LicenseGateConfigurationError &&
            error.code === 'ERR_LG_OPTION_STORE' &&
            message.test(error.message),
          `options ${JSON.stringify(options)}`,
        );
      }
    });

    it('resolves a relative directory against the working directory, and says it is durable and not shared', () => {
      const store = new FileStore({ directory: 'relative/dir' });
      assert.equal(store.directory, join(process.cwd(), 'relative/dir'));
      assert.equal(store.durable, true);
      assert.equal(store.shared, false);
    });
  });

  describe('open and close', () => {
    it('rejects calls before init() and after the last shutdown() with ERR_LG_FILE_STORE_NOT_OPEN', async () => {
      const store = new FileStore({ directory: directories.make(), logger: silentLogger });
      const notOpen = (error: unknown) =>
        error instanceof FileStoreError && error.code === 'ERR_LG_FILE_STORE_NOT_OPEN';
      await assert.rejects(store.get(NS, 'k'), notOpen);
      await assert.rejects(store.put(NS, 'k', 1), notOpen);
      await store.init({ clock: new ManualClock(START) });
      await store.put(NS, 'k', 1);
      await store.shutdown();
      await assert.rejects(store.list(NS), notOpen);
      await assert.rejects(store.increment(NS, 'n', 1), notOpen);
    });

    it('creates a missing directory (with its parents), and refuses a path that is a file (ERR_LG_FILE_STORE_DIRECTORY)', async () => {
      const root = directories.make();
      const store = await openStore(join(root, 'a', 'b'));
      await store.put(NS, 'k', 1);
      assert.deepEqual(readdirSync(join(root, 'a', 'b')).sort(), ['store.lock', 'store.log']);
      writeFileSync(join(root, 'file'), 'not a directory');
      const onFile = new FileStore({ directory: join(root, 'file'), logger: silentLogger });
      await assert.rejects(
        onFile.init({ clock: new ManualClock(START) }),
        (error: unknown) => error instanceof FileStoreError && error.code === 'ERR_LG_FILE_STORE_DIRECTORY',
      );
    });

    it('is opened by the first init() and closed by the last shutdown() when gates share it', async () => {
      const directory = directories.make();
      const clock = new ManualClock(START);
      const store = new FileStore({ directory, logger: silentLogger });
      await store.init({ clock });
      await store.init({ clock });
      await store.put(NS, 'k', 'v');
      await store.shutdown();
      assert.equal((await store.get(NS, 'k'))?.value, 'v', 'one gate still uses it');
      await store.shutdown();
      await store.shutdown(); // one too many: nothing happens
      assert.deepEqual(readdirSync(directory), ['store.log'], 'the lock is released');
      await store.init({ clock }); // opened again, from the disk
      open.push(store);
      assert.equal((await store.get(NS, 'k'))?.value, 'v');
    });
  });

  describe('replay', () => {
    it('rebuilds values, versions and expiry exactly after a reopen', async () => {
      const directory = directories.make();
      const clock = new ManualClock(START);
      const store = await openStore(directory, clock);
      await store.put(NS, 'seat-1', { holders: ['alice'], token: 't1' });
      await store.put(NS, 'seat-1', { holders: ['alice', 'bob'], token: 't1' }, { ttlMs: 60_000 });
      await store.put(NS, 'seat-2', 'short', { ttlMs: 1_000 });
      await store.put(NS, 'gone', 'x');
      await store.delete(NS, 'gone');
      await store.put(NS, 'again', 'a');
      await store.delete(NS, 'again');
      await store.put(NS, 'again', 'b');
      await store.increment('prod-abc:drawdown', 'pending', 5);
      await store.increment('prod-abc:drawdown', 'pending', -2, { ttlMs: 30_000 });
      await close(store);

      const reopened = await openStore(directory, clock);
      assert.deepEqual(await reopened.get(NS, 'seat-1'), {
        value: { holders: ['alice', 'bob'], token: 't1' },
        version: 2,
        expiresAt: START + 60_000,
      });
      assert.deepEqual(await reopened.get(NS, 'seat-2'), { value: 'short', version: 1, expiresAt: START + 1_000 });
      assert.equal(await reopened.get(NS, 'gone'), undefined);
      assert.deepEqual(await reopened.get(NS, 'again'), { value: 'b', version: 1, expiresAt: null });
      assert.deepEqual(await reopened.get('prod-abc:drawdown', 'pending'), {
        value: 3,
        version: 2,
        expiresAt: START + 30_000,
      });
      assert.equal(await reopened.put(NS, 'seat-1', 'next', { ifVersion: 2 }), 3, 'versions go on from the disk');
    });

    it('reads expiry against the clock of the new run: a record expired while closed is gone, and its key starts again at 1', async () => {
      const directory = directories.make();
      const clock = new ManualClock(START);
      const store = await openStore(directory, clock);
      await store.put(NS, 'lease', 'a', { ttlMs: 5_000 });
      await store.put(NS, 'lease', 'b', { ttlMs: 5_000 });
      await close(store);
      await clock.advance(5_000);
      const reopened = await openStore(directory, clock);
      assert.equal(await reopened.get(NS, 'lease'), undefined);
      assert.equal(reopened.size, 0, 'expired records do not even come back into memory');
      assert.equal(await reopened.put(NS, 'lease', 'c', { ifAbsent: true }), 1);
    });

    it('keeps keys and values of any characters, and JSON as written', async () => {
      const directory = directories.make();
      const store = await openStore(directory);
      const keys = ['ключ', '🎫 seat', 'line\nbreak', 'nul\u0000byte', 'lone \ud800 surrogate', '"quoted"', '\\'];
      for (const key of keys) await store.put(`ns:${key}`, key, { key, n: 0.1, big: Number.MAX_SAFE_INTEGER });
      await close(store);
      const reopened = await openStore(directory);
      for (const key of keys) {
        assert.deepEqual((await reopened.get(`ns:${key}`, key))?.value, { key, n: 0.1, big: Number.MAX_SAFE_INTEGER });
      }
      const log = readFileSync(join(directory, 'store.log'), 'utf8');
      assert.equal(
        log.split('\n').length,
        1 + 1 + keys.length * 2 + 1,
        'one line each: header, snapshot commit, a put and a commit per write',
      );
    });
  });

  describe('durability and group commit', () => {
    it('answers a write only once it is on disk: its line is in the file when the call resolves', async () => {
      const directory = directories.make();
      const store = await openStore(directory);
      await store.put(NS, 'seat-9', { token: 'tok-9' });
      assert.match(
        readFileSync(join(directory, 'store.log'), 'utf8'),
        /"seat-9",1,null,"\{\\"token\\":\\"tok-9\\"\}"\]/,
      );
      assert.equal(store.stats.pendingKeys, 0);
    });

    it('flushes the writes of one turn together: 200 concurrent increments take one fsync, and count exactly after a reopen', async () => {
      const directory = directories.make();
      const store = await openStore(directory);
      const before = store.stats.flushes;
      const results = await Promise.all(Array.from({ length: 200 }, () => store.increment('j:drawdown', 'units', 1)));
      assert.deepEqual(
        results.sort((a, b) => a - b),
        Array.from({ length: 200 }, (_, i) => i + 1),
      );
      assert.equal(store.stats.flushes - before, 1, 'one flush for the 200');
      assert.equal(store.stats.records, 200);
      await close(store);
      const reopened = await openStore(directory);
      assert.deepEqual(await reopened.get('j:drawdown', 'units'), { value: 200, version: 200, expiresAt: null });
    });

    it('with writers that each wait for their write, puts the writes made during one fsync into the next', async () => {
      const directory = directories.make();
      const store = await openStore(directory);
      const writers = 32;
      const rounds = 20;
      const before = store.stats.flushes;
      await Promise.all(
        Array.from({ length: writers }, async (_, w) => {
          for (let round = 0; round < rounds; round += 1) await store.increment('j:drawdown', `w${w}`, 1);
        }),
      );
      const flushes = store.stats.flushes - before;
      assert.ok(flushes <= rounds + 1, `${writers * rounds} writes took ${flushes} flushes; expected about ${rounds}`);
      await close(store);
      const reopened = await openStore(directory);
      for (let w = 0; w < writers; w += 1) assert.equal((await reopened.get('j:drawdown', `w${w}`))?.value, rounds);
    });

    it('lets a read of a key with a write on its way wait for that write, and answers reads of other keys at once', async () => {
      const store = await openStore(directories.make());
      await store.put(NS, 'clean', 'c');
      const order: string[] = [];
      const write = store.put(NS, 'dirty', 'd').then(() => order.push('put dirty'));
      const readDirty = store.get(NS, 'dirty').then((record) => order.push(`get dirty ${record?.value}`));
      const readClean = store.get(NS, 'clean').then((record) => order.push(`get clean ${record?.value}`));
      const listing = store.list(NS).then((records) => order.push(`list ${records.length}`));
      const refused = store.put(NS, 'dirty', 'x', { ifAbsent: true }).then((v) => order.push(`ifAbsent ${v}`));
      await Promise.all([write, readDirty, readClean, listing, refused]);
      assert.equal(order[0], 'get clean c', 'the clean key is answered before the flush');
      assert.deepEqual(order.slice(1).sort(), ['get dirty d', 'ifAbsent undefined', 'list 2', 'put dirty'].sort());
      assert.ok(
        order.indexOf('put dirty') < order.indexOf('get dirty d'),
        'the read of the dirty key waited for its flush',
      );
    });
  });

  describe('a torn last flush and damage', () => {
    /** Writes `a` in one flush and `b` in another, closes, and answers the log and where b's flush starts. */
    async function twoFlushes(directory: string): Promise<{ log: string; secondFlushAt: number }> {
      const store = await openStore(directory);
      await store.put(NS, 'a', 1);
      const secondFlushAt = statSync(join(directory, 'store.log')).size;
      await store.put(NS, 'b', { long: 'x'.repeat(100) });
      await close(store);
      return { log: join(directory, 'store.log'), secondFlushAt };
    }

    it('leaves out a flush cut short by a crash, with a warning, and cuts it off the file', async () => {
      // Cut in the commit line, in the record line, and just after the record line's checksum.
      for (const cut of [
        (size: number) => size - 1,
        (_: number, at: number) => at + 60,
        (_: number, at: number) => at + 9,
      ]) {
        const directory = directories.make();
        const { log, secondFlushAt } = await twoFlushes(directory);
        const cutAt = cut(statSync(log).size, secondFlushAt);
        truncateSync(log, cutAt);
        const logger = new CapturingLogger();
        const store = await openStore(directory, new ManualClock(START), { logger });
        assert.equal((await store.get(NS, 'a'))?.value, 1);
        assert.equal(await store.get(NS, 'b'), undefined, 'the torn flush is left out');
        const [torn] = logger.events('licensegate.file_store.torn_tail');
        assert.equal(torn?.level, 'warn');
        assert.equal(torn?.fields['bytes'], cutAt - secondFlushAt);
        assert.equal(statSync(log).size, secondFlushAt, 'the torn bytes are cut off');
        await store.put(NS, 'b', 2); // written where the torn flush was
        await close(store);
        const again = await openStore(directory, new ManualClock(START), { logger });
        assert.equal((await again.get(NS, 'b'))?.value, 2);
        assert.equal(logger.events('licensegate.file_store.torn_tail').length, 1, 'the log is sound again');
      }
    });

    it('leaves out garbage after the last commit (zeros of a power loss, a record without its commit line)', async () => {
      const directory = directories.make();
      const { log } = await twoFlushes(directory);
      appendFileSync(log, Buffer.alloc(4096));
      let logger = new CapturingLogger();
      const store = await openStore(directory, new ManualClock(START), { logger });
      assert.equal((await store.get<{ long: string }>(NS, 'b'))?.value.long.length, 100);
      assert.equal(logger.events('licensegate.file_store.torn_tail')[0]?.fields['bytes'], 4096);
      await close(store);
      // A whole record line whose commit line never made it: that flush was never acknowledged.
      appendFileSync(log, deleteLine(NS, 'a'));
      logger = new CapturingLogger();
      const reopened = await openStore(directory, new ManualClock(START), { logger });
      assert.equal(logger.events('licensegate.file_store.torn_tail')[0]?.fields['records'], 1);
      assert.equal((await reopened.get(NS, 'a'))?.value, 1, 'the uncommitted delete is not applied');
    });

    it('refuses a log damaged before its last commit (ERR_LG_FILE_STORE_CORRUPT), saying where to cut it', async () => {
      const directory = directories.make();
      const { log, secondFlushAt } = await twoFlushes(directory);
      const bytes = readFileSync(log);
      const aAt = bytes.indexOf('"a",1');
      bytes[aAt + 1] = 'z'.charCodeAt(0); // "a" becomes "z": the checksum no longer holds
      writeFileSync(log, bytes);
      const store = new FileStore({ directory, logger: silentLogger });
      const error = await store.init({ clock: new ManualClock(START) }).then(
        () => assert.fail('init() should have failed'),
        (reason: unknown) => reason as FileStoreError,
      );
      assert.equal(error.code, 'ERR_LG_FILE_STORE_CORRUPT');
      const cutAt = Number(/truncate -s (\d+)/.exec(error.message)?.[1]);
      assert.ok(cutAt > 0 && cutAt < secondFlushAt, error.message);
      assert.deepEqual(readdirSync(directory), ['store.log'], 'nothing stays held: the lock is released');
      // Doing what the message says keeps what precedes the damage.
      truncateSync(log, cutAt);
      const repaired = await openStore(directory);
      assert.equal(await repaired.get(NS, 'a'), undefined);
      assert.deepEqual(await repaired.list(NS), []);
    });

    it('refuses a damaged snapshot, and a file that is not a log of this format (ERR_LG_FILE_STORE_FORMAT)', async () => {
      const directory = directories.make();
      const store = await openStore(directory, new ManualClock(START), { compactionThresholdBytes: 1 });
      for (let i = 0; i < 20; i += 1) await store.put(NS, `k${i % 3}`, i);
      assert.ok(store.stats.compactions > 0);
      await close(store);
      const log = join(directory, 'store.log');
      const bytes = readFileSync(log);
      const firstRecord = bytes.indexOf('\n') + 12;
      bytes.writeUInt8((bytes[firstRecord] ?? 0) ^ 1, firstRecord);
      writeFileSync(log, bytes);
      const corrupt = new FileStore({ directory, logger: silentLogger });
      await assert.rejects(
        corrupt.init({ clock: new ManualClock(START) }),
        (error: unknown) =>
          error instanceof FileStoreError &&
          error.code === 'ERR_LG_FILE_STORE_CORRUPT' &&
          /snapshot is damaged/.test(error.message),
      );

      writeFileSync(log, 'hello\n');
      await assert.rejects(
        corrupt.init({ clock: new ManualClock(START) }),
        (error: unknown) => error instanceof FileStoreError && error.code === 'ERR_LG_FILE_STORE_FORMAT',
      );
      const json = JSON.stringify(['licensegate-file-store', LOG_FORMAT + 1, 0]);
      const { crc32 } = await import('node:zlib');
      writeFileSync(log, `${crc32(json).toString(16).padStart(8, '0')} ${json}\n`);
      await assert.rejects(
        corrupt.init({ clock: new ManualClock(START) }),
        (error: unknown) =>
          error instanceof FileStoreError &&
          error.code === 'ERR_LG_FILE_STORE_FORMAT' &&
          new RegExp(`format ${LOG_FORMAT + 1}`).test(error.message),
      );
    });
  });

  describe('compaction', () => {
    it('rewrites the log as a snapshot of the live records when it grows past the threshold; the state stays the same', async () => {
      const directory = directories.make();
      const clock = new ManualClock(START);
      const logger = new CapturingLogger();
      const store = await openStore(directory, clock, { compactionThresholdBytes: 4_096, logger });
      await store.put('c:seats', 'expiring', 'soon gone', { ttlMs: 1_000 });
      for (let i = 0; i < 400; i += 1) {
        await Promise.all([
          store.put('c:seats', `seat-${i % 10}`, { holder: i }, { ttlMs: 3_600_000 }),
          store.increment('c:drawdown', 'units', 3),
          i % 7 === 0 ? store.delete('c:seats', `seat-${(i + 3) % 10}`) : Promise.resolve(),
        ]);
        if (i === 10) await clock.advance(1_000);
      }
      const stats = store.stats;
      assert.ok(stats.compactions >= 3, `${stats.compactions} compactions`);
      assert.ok(stats.bytes < 3 * 4_096, `the log stays small: ${stats.bytes} bytes`);
      const byKey = (a: { key: string }, b: { key: string }) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
      const state = { seats: (await store.list('c:seats')).sort(byKey), units: await store.get('c:drawdown', 'units') };
      assert.equal(state.units?.value, 1_200);
      assert.equal(state.units?.version, 400);
      assert.doesNotMatch(
        readFileSync(join(directory, 'store.log'), 'utf8'),
        /expiring/,
        'expired records are dropped',
      );
      assert.equal(logger.events('licensegate.file_store.compacted').length, stats.compactions);
      await close(store);
      const reopened = await openStore(directory, clock, { compactionThresholdBytes: 4_096 });
      assert.deepEqual(
        { seats: (await reopened.list('c:seats')).sort(byKey), units: await reopened.get('c:drawdown', 'units') },
        state,
      );
    });

    it('compacts at open a log that is past its threshold', async () => {
      const directory = directories.make();
      const store = await openStore(directory);
      for (let i = 0; i < 100; i += 1) await store.increment('c:drawdown', 'units', 1);
      await close(store);
      const big = statSync(join(directory, 'store.log')).size;
      const reopened = await openStore(directory, new ManualClock(START), { compactionThresholdBytes: 1_000 });
      assert.ok(statSync(join(directory, 'store.log')).size < big / 10);
      assert.deepEqual(await reopened.get('c:drawdown', 'units'), { value: 100, version: 100, expiresAt: null });
    });

    it('survives a crash during compaction: a new log cut short next to the old one is removed at open', async () => {
      const directory = directories.make();
      const store = await openStore(directory);
      await store.put(NS, 'seat-1', { holder: 'alice' });
      await store.increment('c:drawdown', 'units', 7);
      await close(store);
      // What a crash in the middle of a compaction leaves: the old log whole, the new one partly written.
      const old = readFileSync(join(directory, 'store.log'));
      writeFileSync(join(directory, 'store.log.compacting'), old.subarray(0, old.length - 20));
      const reopened = await openStore(directory);
      assert.deepEqual(await reopened.get(NS, 'seat-1'), { value: { holder: 'alice' }, version: 1, expiresAt: null });
      assert.equal((await reopened.get('c:drawdown', 'units'))?.value, 7);
      assert.deepEqual(readdirSync(directory).sort(), ['store.lock', 'store.log']);
    });
  });

  describe('memory', () => {
    it('sweeps expired records out of memory every sweepIntervalMs, on the clock given to init()', async () => {
      const clock = new ManualClock(START);
      const store = await openStore(directories.make(), clock, { sweepIntervalMs: 10_000 });
      await store.put(NS, 'short', 1, { ttlMs: 1_000 });
      await store.put(NS, 'long', 2);
      assert.equal(store.size, 2);
      await clock.advance(9_999);
      assert.equal(store.size, 2);
      await clock.advance(1);
      assert.equal(store.size, 1);
    });
  });
});
