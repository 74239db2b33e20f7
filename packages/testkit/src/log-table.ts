/**
 * The table of every log event in `packages/core/README.md` ("Logs"), for the worlds' run-time
 * check: each line a test captured must be in the table at the level it was logged. (Core's own
 * specs read it the same way; `test/log-events.spec.ts` checks the sources against it.)
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import type { LogEntry } from '@licensegate/core/testing';

let cached: Map<string, Set<string>> | undefined;

/** Event name -> the levels the table gives it. */
function documentedEvents(): Map<string, Set<string>> {
  if (cached !== undefined) return cached;
  // From packages/testkit/dist/ to packages/core/README.md (the testkit is a workspace of this repository only).
  const readme = readFileSync(fileURLToPath(new URL('../../core/README.md', import.meta.url)), 'utf8');
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
