/**
 * The table of every log event in `packages/core/README.md` ("Logs"), read for run-time checks: a
 * test that captured a gate's log asserts each line's event is in the table at the level it was
 * logged (`test/log-events.spec.ts` checks the sources against the same table).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import type { LogEntry } from '../../src/testing/index.js';

let cached: Map<string, Set<string>> | undefined;

/** Event name -> the levels the table gives it. */
export function documentedEvents(): Map<string, Set<string>> {
  if (cached !== undefined) return cached;
  // From packages/core/build-test/test/support/ (compiled) to packages/core/README.md.
  const readme = readFileSync(fileURLToPath(new URL('../../../README.md', import.meta.url)), 'utf8');
  const start = readme.indexOf('\n## Logs\n');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  cached = new Map();
  for (const match of section.matchAll(/^\| `(licensegate\.[^`]+)` +\| ([a-z, ]+?) +\|/gm)) {
    cached.set(match[1] ?? '', new Set((match[2] ?? '').split(',').map((level) => level.trim())));
  }
  assert.ok(cached.size > 50, `the Logs table of packages/core/README.md has only ${cached.size} rows`);
  return cached;
}

/** Fails unless every entry's event is in the table at the level it was logged. */
export function assertDocumented(entries: readonly LogEntry[]): void {
  const table = documentedEvents();
  const wrong = entries
    .map((entry) => ({ event: String(entry.fields['event']), level: entry.level }))
    .filter(({ event, level }) => table.get(event)?.has(level) !== true)
    .map(({ event, level }) => `${event} at ${level}`);
  assert.deepEqual(wrong, [], `not in the Logs table of packages/core/README.md at that level:\n${wrong.join('\n')}`);
}
