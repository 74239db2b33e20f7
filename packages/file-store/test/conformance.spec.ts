import assert from 'node:assert/strict';

import { silentLogger } from '@licensegate/core';
import type { ListedRecord, Store } from '@licensegate/core/store';
import { ManualClock, storeConformanceCases } from '@licensegate/core/testing';

import { FileStore, type FileStoreOptions } from '../src/index.js';
import { useTempDirectories } from './support/temp-directories.js';

const START = Date.parse('2026-01-01T00:00:00Z');

/** Every namespace the conformance cases write. */
const NAMESPACES = [
  'conformance:main',
  'conformance:other',
  'conformance:x',
  'conformance:x:y',
  'conformance:empty',
  'conformance:emptied',
];

async function everything(store: Store): Promise<Record<string, ListedRecord[]>> {
  const all: Record<string, ListedRecord[]> = {};
  for (const namespace of NAMESPACES) {
    all[namespace] = (await store.list(namespace)).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }
  return all;
}

/**
 * Runs every case on a new store in a new directory; then closes the store, opens the directory
 * again (same clock) and checks that replay rebuilt exactly what the case left.
 */
function conformanceOn(options: Omit<FileStoreOptions, 'directory'>): void {
  const directories = useTempDirectories();
  for (const testCase of storeConformanceCases) {
    it(testCase.name, async () => {
      const clock = new ManualClock(START);
      const directory = directories.make();
      const store = new FileStore({ directory, logger: silentLogger, ...options });
      await store.init({ clock });
      let before: Record<string, ListedRecord[]>;
      try {
        await testCase.run({ store, clock });
        before = await everything(store);
      } finally {
        await store.shutdown();
      }
      const reopened = new FileStore({ directory, logger: silentLogger, ...options });
      await reopened.init({ clock });
      try {
        assert.deepEqual(await everything(reopened), before, 'the state replayed from disk differs');
      } finally {
        await reopened.shutdown();
      }
    });
  }
}

describe('FileStore: the store conformance suite, then the same state after a reopen', () => {
  describe('with the default options', () => {
    conformanceOn({});
  });

  describe('compacting whenever the log doubles (compactionThresholdBytes: 1)', () => {
    conformanceOn({ compactionThresholdBytes: 1 });
  });
});
