/**
 * The package graph of ARCHITECTURE.md INV-1, checked over the sources: dependencies point one way
 * (core imports no package of ours; the adapters and the stores import core only; the emulator
 * imports nothing of ours), every import of another package goes through its published entry points
 * (its `exports` map), and no source reaches into another package's folder by a relative path.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PACKAGES = join(ROOT, 'packages');

/** Which of our packages each package's sources may import (the private testkit is test code, and free). */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  '@licensegate/emulator': [],
  '@licensegate/core': [],
  '@licensegate/express': ['@licensegate/core'],
  '@licensegate/fastify': ['@licensegate/core'],
  '@licensegate/nestjs': ['@licensegate/core'],
  '@licensegate/redis': ['@licensegate/core'],
  '@licensegate/file-store': ['@licensegate/core'],
};

interface PackageInfo {
  readonly name: string;
  readonly directory: string;
  readonly entries: readonly string[];
}

function packages(): PackageInfo[] {
  return readdirSync(PACKAGES, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => {
      const directory = join(PACKAGES, entry.name);
      const manifest = JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8')) as {
        name: string;
        exports?: Record<string, unknown>;
      };
      const entries = Object.keys(manifest.exports ?? { '.': null }).filter((key) => key !== './package.json');
      return { name: manifest.name, directory, entries };
    });
}

function sourcesUnder(directory: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) files.push(...sourcesUnder(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) files.push(path);
  }
  return files;
}

/** Every module specifier a file imports or re-exports (static and dynamic). */
function specifiers(text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"`;]*?from\s+'([^']+)'/g))
    found.push(match[1] ?? '');
  for (const match of text.matchAll(/(?:^|\n)\s*import\s+'([^']+)'/g)) found.push(match[1] ?? '');
  for (const match of text.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g)) found.push(match[1] ?? '');
  return found;
}

describe('package graph (ARCHITECTURE.md INV-1)', () => {
  const all = packages();
  const byName = new Map(all.map((info) => [info.name, info]));

  it('finds every published package and its sources', () => {
    for (const name of Object.keys(ALLOWED)) assert.ok(byName.has(name), `${name} is not under packages/`);
    assert.ok(sourcesUnder(join(byName.get('@licensegate/core')?.directory ?? '', 'src')).length > 20);
  });

  for (const [name, allowed] of Object.entries(ALLOWED)) {
    it(`${name} imports ${allowed.length === 0 ? 'no package of ours' : allowed.join(', ')}, through entry points only`, () => {
      const info = byName.get(name);
      assert.ok(info !== undefined);
      const problems: string[] = [];
      for (const file of sourcesUnder(join(info.directory, 'src'))) {
        const where = relative(ROOT, file);
        for (const specifier of specifiers(readFileSync(file, 'utf8'))) {
          if (specifier.startsWith('.')) {
            const target = resolve(dirname(file), specifier);
            if (!target.startsWith(info.directory + sep)) problems.push(`${where}: '${specifier}' leaves the package`);
            continue;
          }
          const ours = /^(@licensegate\/[^/]+)(\/.*)?$/.exec(specifier);
          if (ours === null) continue;
          const [, target = '', subpath = ''] = ours;
          if (target === name) {
            problems.push(`${where}: imports its own package by name ('${specifier}')`);
            continue;
          }
          if (!allowed.includes(target)) problems.push(`${where}: imports ${target}, which ${name} may not`);
          const entry = `.${subpath}`;
          if (!(byName.get(target)?.entries ?? []).includes(entry))
            problems.push(`${where}: '${specifier}' is not an entry point of ${target}`);
        }
      }
      assert.deepEqual(problems, []);
    });
  }

  it('the check can fail: a deep import and an upward import are caught', () => {
    const caught = specifiers(
      "import { x } from '@licensegate/core/src/gate.js';\nexport { y } from '@licensegate/express';\nconst z = await import('@licensegate/redis');",
    );
    assert.deepEqual(caught, ['@licensegate/core/src/gate.js', '@licensegate/express', '@licensegate/redis']);
    const core = byName.get('@licensegate/core');
    assert.ok(core !== undefined && !core.entries.includes('./src/gate.js'));
  });
});
