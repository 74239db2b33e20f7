/**
 * What each published package's tarball holds (issue #15, point 6): `npm pack --dry-run --json`
 * for every package that is not private. Its build output and nothing of the build's leftovers
 * (no `.tsbuildinfo`, no test output, no source map pointing at an unshipped file), its README,
 * LICENSE and package.json, and every file its `exports`, `main`, `types` and `bin` name.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface Manifest {
  name: string;
  private?: boolean;
  main?: string;
  types?: string;
  bin?: string | Record<string, string>;
  exports?: unknown;
  license?: string;
  repository?: { type: string; url: string; directory: string };
  homepage?: string;
  bugs?: { url: string };
  files?: string[];
}

const published = readdirSync(path.join(root, 'packages'))
  .map((dir) => ({ dir: path.join(root, 'packages', dir), name: dir }))
  .map(({ dir, name }) => ({
    dir,
    name,
    manifest: JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as Manifest,
  }))
  .filter(({ manifest }) => manifest.private !== true);

/** Every string an `exports` map points at. */
function exportTargets(exports: unknown): string[] {
  if (typeof exports === 'string') return [exports];
  if (exports === null || typeof exports !== 'object') return [];
  return Object.values(exports).flatMap(exportTargets);
}

/** The files `npm pack` would put in the tarball, relative to the package. */
async function packed(dir: string): Promise<Set<string>> {
  const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: dir,
    maxBuffer: 16 * 1024 * 1024,
  });
  const [report] = JSON.parse(stdout) as { files: { path: string }[] }[];
  assert.ok(report !== undefined);
  return new Set(report.files.map((file) => file.path));
}

function normal(target: string): string {
  return path.posix.normalize(target).replace(/^\.\//, '');
}

describe('the published tarballs', function () {
  this.timeout(60_000);

  it('there are seven published packages', () => {
    assert.deepEqual(published.map((p) => p.manifest.name).sort(), [
      '@licensegate/core',
      '@licensegate/emulator',
      '@licensegate/express',
      '@licensegate/fastify',
      '@licensegate/file-store',
      '@licensegate/nestjs',
      '@licensegate/redis',
    ]);
  });

  it('@licensegate/emulator: the console ships its page, its compiled modules and uPlot with its license, not its sources', async () => {
    const files = await packed(path.join(root, 'packages/emulator'));
    for (const needed of [
      'console/static/index.html',
      'console/static/console.css',
      'dist/console-page/console.js',
      'dist/console-page/chart.js',
      'dist/console-page/dom.js',
      'console/vendor/uplot/uPlot.iife.min.js',
      'console/vendor/uplot/uPlot.min.css',
      'console/vendor/uplot/LICENSE',
    ]) {
      assert.ok(files.has(needed), `${needed} shipped`);
    }
    for (const file of files) {
      assert.ok(
        !/^console\/(src|tsconfig)|^docs\/|^dist\/console-page\/.*\.d\.ts$/.test(file),
        `${file} is not shipped`,
      );
    }
    assert.match(
      readFileSync(path.join(root, 'packages/emulator/console/vendor/uplot/LICENSE'), 'utf8'),
      /The MIT License/,
    );
  });

  it('@licensegate/core: the `licensegate` bin (`licensegate doctor`) and the compiled command its shim imports are shipped', async () => {
    const core = published.find((p) => p.manifest.name === '@licensegate/core');
    assert.ok(core !== undefined);
    assert.deepEqual(core.manifest.bin, { licensegate: './bin/licensegate.js' });
    const files = await packed(core.dir);
    assert.ok(files.has('bin/licensegate.js'));
    assert.match(
      readFileSync(path.join(core.dir, 'bin/licensegate.js'), 'utf8'),
      /new URL\('\.\.\/dist\/cli\/run\.js'/,
    );
    assert.ok(files.has('dist/cli/run.js'), 'dist/cli/run.js is in the tarball');
  });

  for (const { dir, name, manifest } of published) {
    it(`${manifest.name}: dist, README, LICENSE, package.json and nothing of the build's leftovers`, async () => {
      const files = await packed(dir);
      for (const needed of ['package.json', 'README.md', 'LICENSE']) assert.ok(files.has(needed), `${needed} shipped`);
      assert.match(readFileSync(path.join(dir, 'LICENSE'), 'utf8'), /Apache License\s+Version 2\.0, January 2004/);
      for (const file of files) {
        assert.ok(!file.endsWith('.tsbuildinfo'), `${file}: build info is not shipped`);
        assert.ok(!/(^|\/)(build-test|test|src|coverage)\//.test(file), `${file}: no sources or test output`);
        // A file `bin` names is shipped too: the emulator's committed shim, bin/licensegate-emulator.js.
        const bin = typeof manifest.bin === 'string' ? [manifest.bin] : Object.values(manifest.bin ?? {});
        const named = bin.map(normal).includes(file);
        assert.ok(
          named ||
            file.startsWith('dist/') ||
            /^(package\.json|README\.md|LICENSE|licenses\/.*)$/.test(file) ||
            // The emulator console's static files: its page, stylesheet and vendored chart library.
            (manifest.name === '@licensegate/emulator' && /^console\/(static|vendor)\//.test(file)),
          file,
        );
      }
      for (const target of [
        ...exportTargets(manifest.exports),
        ...(manifest.main === undefined ? [] : [manifest.main]),
        ...(manifest.types === undefined ? [] : [manifest.types]),
        ...(typeof manifest.bin === 'string' ? [manifest.bin] : Object.values(manifest.bin ?? {})),
      ]) {
        assert.ok(files.has(normal(target)), `${target} (named by package.json) is in the tarball`);
      }
      // A source map, or a reference to one, must resolve inside the tarball (today none are shipped).
      for (const file of files) {
        const full = path.join(dir, file);
        if (file.endsWith('.map')) {
          const map = JSON.parse(readFileSync(full, 'utf8')) as { sources: string[]; sourcesContent?: unknown[] };
          for (const source of map.sources) {
            const shipped = normal(path.posix.join(path.posix.dirname(file), source));
            assert.ok(
              files.has(shipped) || map.sourcesContent !== undefined,
              `${file}: its source ${source} is shipped`,
            );
          }
        } else if (/\.(js|d\.ts)$/.test(file)) {
          const reference = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(readFileSync(full, 'utf8'))?.[1];
          if (reference === undefined || reference.startsWith('data:')) continue;
          const shipped = normal(path.posix.join(path.posix.dirname(file), reference));
          assert.ok(files.has(shipped), `${file}: its source map ${reference} is shipped`);
        }
      }
    });

    it(`${manifest.name}: license, repository, homepage and bugs`, () => {
      assert.equal(manifest.license, 'Apache-2.0');
      assert.deepEqual(manifest.repository, {
        type: 'git',
        url: 'git+https://github.com/licensegate/licensegate.git',
        directory: `packages/${name}`,
      });
      assert.match(manifest.homepage ?? '', new RegExp(`/packages/${name}#readme$`));
      assert.match(manifest.bugs?.url ?? '', /\/issues$/);
    });
  }
});
