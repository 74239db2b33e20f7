import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Temporary directories under the system's, each removed after the test that made it. */
export interface TempDirectories {
  /** A new empty directory. */
  make(): string;
}

/** Registers mocha hooks that remove, after each test, the directories it made. */
export function useTempDirectories(): TempDirectories {
  const made: string[] = [];
  afterEach(() => {
    for (const directory of made.splice(0)) rmSync(directory, { recursive: true, force: true });
  });
  return {
    make() {
      const directory = mkdtempSync(join(tmpdir(), 'licensegate-file-store-'));
      made.push(directory);
      return directory;
    },
  };
}
