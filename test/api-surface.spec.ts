/**
 * The public face of every published package. Each entry point's API report
 * (`packages/<dir>/api/<entry>.api.md`) must match the declarations as built now, so that a change
 * to the surface is accepted on purpose (`npm run api`, then commit the report). And each entry
 * resolves at run time, from its built package, through the `exports` map, with exactly the names
 * its report lists.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** An entry point, as tools/api-report.mjs lists it. */
interface Entry {
  readonly id: string;
  /** The specifier an importer writes, e.g. `@licensegate/core/http`. */
  readonly title: string;
  readonly packageDir: string;
  readonly typesFile: string;
  readonly reportFile: string;
}

/** One entry's report, made from its built declarations. */
interface Report {
  readonly entry: Entry;
  readonly text: string;
  /** Every name the entry exports. */
  readonly names: readonly string[];
  /** The names that are values at run time (`certain: false`: re-exported from another package). */
  readonly values: readonly { name: string; certain: boolean }[];
}

/** What the spec uses of tools/api-report.mjs. */
interface ApiReportTool {
  listEntries(): Entry[];
  generateReports(): Report[];
  checkReports(read?: (file: string) => string | undefined): { entry: string; message: string }[];
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const tool = (await import(pathToFileURL(`${ROOT}tools/api-report.mjs`).href)) as ApiReportTool;
const entries = tool.listEntries();

describe('API reports', () => {
  let problems: { entry: string; message: string }[] = [];

  before(() => {
    problems = tool.checkReports();
  });

  it('covers every published entry point, the four of core among them', () => {
    const titles = entries.map((entry) => entry.title);
    for (const title of [
      '@licensegate/core',
      '@licensegate/core/http',
      '@licensegate/core/store',
      '@licensegate/core/testing',
      '@licensegate/nestjs',
      '@licensegate/express',
      '@licensegate/redis',
      '@licensegate/file-store',
      '@licensegate/emulator',
    ]) {
      assert.ok(titles.includes(title), `${title} has a report`);
    }
    assert.ok(!titles.some((title) => title.startsWith('@licensegate/testkit')), 'the private testkit has none');
  });

  for (const entry of entries) {
    it(`${entry.title} matches ${relative(ROOT, entry.reportFile)}`, () => {
      const mine = problems.filter((problem) => problem.entry === entry.title);
      if (mine.length > 0) assert.fail(mine.map((problem) => problem.message).join('\n'));
    });
  }

  it('keeps no report of an entry point that is gone', () => {
    const titles = new Set(entries.map((entry) => entry.title));
    const stale = problems.filter((problem) => !titles.has(problem.entry));
    if (stale.length > 0) assert.fail(stale.map((problem) => problem.message).join('\n'));
  });

  it('names the entry whose surface changed, shows the lines, and says how to accept it', () => {
    const target = entries.find((entry) => entry.title === '@licensegate/core/http');
    assert.ok(target !== undefined);
    const built = tool.generateReports().find((report) => report.entry.title === target.title);
    assert.ok(built !== undefined);
    const edited = built.text.replace('export declare function problemFor(', 'export declare function problemOf(');
    assert.notEqual(edited, built.text, 'the report declares problemFor');
    const found = tool.checkReports((file) => (file === target.reportFile ? edited : readFileSync(file, 'utf8')));
    assert.deepEqual(
      found.map((problem) => problem.entry),
      ['@licensegate/core/http'],
    );
    const message = found.find((problem) => problem.entry === '@licensegate/core/http')?.message ?? '';
    assert.match(
      message,
      /The public API of @licensegate\/core\/http changed: packages\/core\/api\/core-http\.api\.md/,
    );
    assert.match(message, /^- export declare function problemOf\(/m);
    assert.match(message, /^\+ export declare function problemFor\(/m);
    assert.match(message, /run `npm run api`/);
  });
});

describe('entry points at run time', () => {
  const reports = new Map<string, Report>();

  before(() => {
    for (const report of tool.generateReports()) reports.set(report.entry.title, report);
  });

  for (const entry of entries) {
    it(`import('${entry.title}') loads the built package, with the names of its report`, async () => {
      const expectedFile = entry.typesFile.replace(/\.d\.ts$/, '.js');
      assert.equal(fileURLToPath(import.meta.resolve(entry.title)), expectedFile, 'resolved through `exports`');
      const loaded = (await import(entry.title)) as Record<string, unknown>;
      const report = reports.get(entry.title);
      assert.ok(report !== undefined);
      const atRunTime = Object.keys(loaded).sort();
      const missing = report.values.filter((value) => value.certain && !(value.name in loaded)).map((v) => v.name);
      assert.deepEqual(missing, [], `values the report promises but ${entry.title} lacks at run time`);
      const unreported = atRunTime.filter((name) => !report.names.includes(name));
      assert.deepEqual(unreported, [], `values ${entry.title} has at run time but its report does not list`);
    });
  }
});
