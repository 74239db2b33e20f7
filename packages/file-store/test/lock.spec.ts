import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { silentLogger } from '@licensegate/core';
import { CapturingLogger, ManualClock } from '@licensegate/core/testing';

import { FileStore, FileStoreLockedError } from '../src/index.js';
import { ScriptChild } from './support/child-process.js';
import { useTempDirectories } from './support/temp-directories.js';

const START = Date.parse('2026-01-01T00:00:00Z');

describe('FileStore: one process per directory (store.lock)', () => {
  const directories = useTempDirectories();
  const open: FileStore[] = [];
  const children: ScriptChild[] = [];
  afterEach(async () => {
    for (const store of open.splice(0)) await store.shutdown();
    for (const child of children.splice(0)) await child.kill();
  });

  async function openStore(directory: string, logger = new CapturingLogger()): Promise<FileStore> {
    const store = new FileStore({ directory, logger });
    await store.init({ clock: new ManualClock(START) });
    open.push(store);
    return store;
  }

  async function lockedError(directory: string): Promise<FileStoreLockedError> {
    const store = new FileStore({ directory, logger: silentLogger });
    return store.init({ clock: new ManualClock(START) }).then(
      () => {
        open.push(store);
        return assert.fail('init() should have failed');
      },
      (error: unknown) => {
        assert.ok(error instanceof FileStoreLockedError, String(error));
        assert.equal(error.code, 'ERR_LG_FILE_STORE_LOCKED');
        return error;
      },
    );
  }

  it('refuses a second store object of this process on the same directory, and leaves the first working', async () => {
    const directory = directories.make();
    const first = await openStore(directory);
    await first.put('l:seats', 'k', 1);
    const error = await lockedError(directory);
    assert.equal(error.pid, process.pid);
    assert.match(error.message, /already open in this process/);
    assert.equal(await first.put('l:seats', 'k', 2), 2);
    await first.shutdown();
    open.splice(open.indexOf(first), 1);
    const second = await openStore(directory);
    assert.equal((await second.get('l:seats', 'k'))?.value, 2, 'once the first is closed, the second opens');
  });

  it('refuses a directory that a live child process holds, naming its pid; takes the lock over once it is killed -9', async () => {
    const directory = directories.make();
    const child = new ScriptChild('lock-holder.js', [directory]);
    children.push(child);
    await child.until((lines) => lines.includes('ready'));
    const error = await lockedError(directory);
    assert.equal(error.pid, child.process.pid);
    assert.match(error.message, new RegExp(`another process \\(pid ${child.process.pid}\\)`));

    await child.kill();
    const logger = new CapturingLogger();
    const store = await openStore(directory, logger);
    const [takeover] = logger.events('licensegate.file_store.lock_taken_over');
    assert.equal(takeover?.level, 'warn');
    assert.equal(takeover?.fields['previousPid'], child.process.pid);
    assert.equal(JSON.parse(readFileSync(join(directory, 'store.lock'), 'utf8')).pid, process.pid);
    await store.put('l:seats', 'k', 'mine now');
  });

  describe('locks left by processes that are gone (written by hand, as the dead process left them)', () => {
    let bootId: string;
    before(function () {
      if (!existsSync('/proc/self/stat') || !existsSync('/proc/sys/kernel/random/boot_id')) this.skip(); // not Linux
      bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    });

    function leaveLock(directory: string, lock: object): void {
      writeFileSync(join(directory, 'store.lock'), JSON.stringify({ hostname: 'old-host', ...lock }));
    }

    async function takesOver(directory: string): Promise<string> {
      const logger = new CapturingLogger();
      await openStore(directory, logger);
      const [takeover] = logger.events('licensegate.file_store.lock_taken_over');
      assert.ok(takeover, 'a warning says the lock was taken over');
      return takeover.message;
    }

    it('takes over a lock with THIS pid from a previous life (pid 1 of a restarted container): another start time', async () => {
      const directory = directories.make();
      leaveLock(directory, { pid: process.pid, bootId, startTime: '1', nonce: 'previous-life' });
      assert.match(await takesOver(directory), /previous run with this same pid/);
    });

    it('takes over a lock of a pid that no longer runs', async () => {
      const directory = directories.make();
      const gone = spawnSync(process.execPath, ['-e', '0']).pid;
      leaveLock(directory, { pid: gone, bootId, startTime: '1', nonce: 'n' });
      assert.match(await takesOver(directory), new RegExp(`pid ${gone}, which is no longer running`));
    });

    it('takes over a lock whose pid now belongs to another process (pid reused: another start time), or of another boot', async () => {
      const reused = directories.make();
      leaveLock(reused, { pid: process.ppid, bootId, startTime: '1', nonce: 'n' });
      await takesOver(reused);
      const otherBoot = directories.make();
      leaveLock(otherBoot, { pid: process.ppid, bootId: 'another-boot', startTime: null, nonce: 'n' });
      await takesOver(otherBoot);
    });

    it('replaces a lock file it cannot read', async () => {
      const directory = directories.make();
      writeFileSync(join(directory, 'store.lock'), '{"pid":');
      assert.match(await takesOver(directory), /could not be read/);
      assert.deepEqual(readdirSync(directory).sort(), ['store.lock', 'store.log'], 'no temporary file is left');
    });
  });
});
