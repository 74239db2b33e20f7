/**
 * Every log event a licensegate package emits is in the one table of `packages/core/README.md`
 * ("Logs"), with its level, and named by the one scheme, `licensegate.<area>.<what_happened>`:
 * a lint-like check over the sources of every published package, both ways (an event the table
 * lacks, a row no source emits), and over the docs (a name they mention that is no event). The
 * levels are checked at run time: the test worlds (core's harness and drawdown worlds, the
 * testkit's adapter world) fail a test whose captured lines are not in the table at their level.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PACKAGES = join(ROOT, 'packages');

/** `licensegate.<area>.<what_happened>`: lower case, dotted, snake_case words inside a segment. */
const SCHEME = /^licensegate\.[a-z]+(?:_[a-z]+)*\.[a-z]+(?:_[a-z]+)*$/;

/** Names in the `licensegate.` namespace that are not log events: the brands of `Symbol.for()`. */
const NOT_EVENTS = new Set(['licensegate.gate', 'licensegate.error']);

const LEVELS = new Set(['debug', 'info', 'warn', 'error']);

interface SourceFile {
  readonly path: string;
  readonly text: string;
}

function filesUnder(directory: string, suffix: string): SourceFile[] {
  const files: SourceFile[] = [];
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'dist' && entry.name !== 'build-test')
        files.push(...filesUnder(path, suffix));
    } else if (entry.name.endsWith(suffix) && !entry.name.endsWith('.d.ts')) {
      files.push({ path: relative(ROOT, path), text: readFileSync(path, 'utf8') });
    }
  }
  return files;
}

function isPrivate(directory: string): boolean {
  const pkg = JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8')) as { private?: boolean };
  return pkg.private === true;
}

/** The sources of every published package. */
function packageSources(): SourceFile[] {
  return readdirSync(PACKAGES, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !isPrivate(join(PACKAGES, entry.name)))
    .flatMap((entry) => {
      try {
        return filesUnder(join(PACKAGES, entry.name, 'src'), '.ts');
      } catch {
        return [];
      }
    });
}

/** The table of core's README: event name -> the levels it is logged at. */
function documentedEvents(): Map<string, Set<string>> {
  const readme = readFileSync(join(PACKAGES, 'core', 'README.md'), 'utf8');
  const section = readme.slice(
    readme.indexOf('\n## Logs\n'),
    readme.indexOf('\n## ', readme.indexOf('\n## Logs\n') + 1),
  );
  const table = new Map<string, Set<string>>();
  for (const match of section.matchAll(/^\| `(licensegate\.[^`]+)` +\| ([a-z, ]+?) +\|/gm)) {
    const [, name = '', levels = ''] = match;
    assert.ok(!table.has(name), `${name} has two rows`);
    table.set(name, new Set(levels.split(',').map((level) => level.trim())));
  }
  return table;
}

/**
 * The names of core's OpenTelemetry instruments and their attributes (README, "Metrics"): in the
 * `licensegate.` namespace too, and no log events. Every `licensegate.…` name of that section that
 * is not a row of the Logs table.
 */
function telemetryNames(logEvents: ReadonlyMap<string, unknown>): Set<string> {
  const readme = readFileSync(join(PACKAGES, 'core', 'README.md'), 'utf8');
  const start = readme.indexOf('\n## Metrics\n');
  assert.ok(start >= 0, 'no Metrics section in the core README');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  const names = new Set<string>();
  for (const [, name = ''] of section.matchAll(/`(licensegate\.[a-z_.]*[a-z_])`/g)) {
    if (!logEvents.has(name)) names.add(name);
  }
  return names;
}

/** Whether a line is a comment (TSDoc or `//`): what it names is documentation, not an event emitted. */
function isComment(line: string): boolean {
  return /^\s*(?:\*|\/\*\*?|\/\/)/.test(line);
}

/**
 * Every `licensegate.…` string literal of the sources (outside `Symbol()` and `Symbol.for()`), with
 * where it is: of code lines (`code`), and of comment lines (`comments`).
 */
function literals(sources: readonly SourceFile[]): { code: Map<string, string[]>; comments: Map<string, string[]> } {
  const code = new Map<string, string[]>();
  const comments = new Map<string, string[]>();
  for (const file of sources) {
    file.text.split('\n').forEach((line, index) => {
      for (const match of line.matchAll(/(['"`])(licensegate\.[A-Za-z0-9_.${}]*)\1/g)) {
        const before = line.slice(0, match.index);
        if (/Symbol(?:\.for)?\($/.test(before)) continue;
        const name = match[2] ?? '';
        const into = isComment(line) ? comments : code;
        into.set(name, [...(into.get(name) ?? []), `${file.path}:${index + 1}`]);
      }
    });
  }
  return { code, comments };
}

describe('log events (one scheme, one table)', () => {
  const sources = packageSources();
  const table = documentedEvents();
  const metricNames = telemetryNames(table);
  const found = literals(sources);
  // Metric and attribute names (README, "Metrics") share the namespace; they are no log events.
  const events = new Map([...found.code].filter(([name]) => !metricNames.has(name)));
  const comments = new Map([...found.comments].filter(([name]) => !metricNames.has(name)));

  it('tells metric and attribute names from events (README, "Metrics")', () => {
    for (const name of ['licensegate.tier.decisions', 'licensegate.gate.state', 'licensegate.product_sku'])
      assert.ok(metricNames.has(name), name);
    assert.ok(!metricNames.has('licensegate.gate.metrics_unavailable'), 'a log event stays an event');
  });

  it('reads the table and finds events in the sources (the patterns are right)', () => {
    assert.ok(table.size > 50, `only ${table.size} rows in the table`);
    assert.ok(events.size > 50, `only ${events.size} event names in the sources`);
    assert.ok(events.has('licensegate.gate.started') && table.has('licensegate.gate.started'));
  });

  it('every row names an event of the scheme, at known levels', () => {
    for (const [name, levels] of table) {
      assert.match(name, SCHEME);
      for (const level of levels) assert.ok(LEVELS.has(level), `${name}: unknown level '${level}'`);
    }
  });

  it('every event a source emits follows the scheme and is in the table', () => {
    const offScheme = [...events].filter(([name]) => !SCHEME.test(name)).map(([n, at]) => `${n} (${at.join(', ')})`);
    assert.deepEqual(offScheme, [], `rename to licensegate.<area>.<what_happened>:\n${offScheme.join('\n')}`);
    const missing = [...events].filter(([name]) => !table.has(name)).map(([n, at]) => `${n} (${at.join(', ')})`);
    assert.deepEqual(missing, [], `add these to the table in packages/core/README.md (Logs):\n${missing.join('\n')}`);
  });

  it('no event name is built at run time, where this check could not see it', () => {
    const built = sources.flatMap((file) =>
      file.text
        .split('\n')
        .flatMap((line, i) =>
          /licensegate\.\$\{|['"`]licensegate\.?['"`]\s*\+/.test(line) ? [`${file.path}:${i + 1}: ${line.trim()}`] : [],
        ),
    );
    assert.deepEqual(built, [], `write each event name as one literal:\n${built.join('\n')}`);
  });

  it("the sources' comments name no event that does not exist", () => {
    const unknown = [...comments]
      .filter(([name]) => !table.has(name) && !NOT_EVENTS.has(name))
      .map(([n, at]) => `${n} (${at.join(', ')})`);
    assert.deepEqual(unknown, [], unknown.join('\n'));
  });

  it('every row of the table is emitted by some source (no stale rows)', () => {
    const stale = [...table.keys()].filter((name) => !events.has(name));
    assert.deepEqual(stale, [], `no source emits these; remove the rows:\n${stale.join('\n')}`);
  });

  it('the docs mention no event that does not exist (old names included)', () => {
    const docs = [
      ...filesUnder(PACKAGES, '.md'),
      ...filesUnder(join(ROOT, 'examples'), '.md'),
      ...['README.md', 'ARCHITECTURE.md', 'CONTRIBUTING.md'].map((name) => ({
        path: name,
        text: readFileSync(join(ROOT, name), 'utf8'),
      })),
    ];
    const unknown = docs.flatMap((file) =>
      [...file.text.matchAll(/`(licensegate\.[A-Za-z_.]*[A-Za-z_])(\.\*)?/g)]
        .filter(([, name = '', area]) =>
          area === undefined
            ? !table.has(name) && !NOT_EVENTS.has(name) && !metricNames.has(name)
            : ![...table.keys()].some((event) => event.startsWith(`${name}.`)),
        )
        .map(([, name = '', area = '']) => `${file.path}: ${name}${area}`),
    );
    assert.deepEqual(unknown, [], `these docs name no event of the table:\n${unknown.join('\n')}`);
  });
});
