/**
 * Every error a licensegate package throws has a stable `code`, documented with its fix: a
 * lint-like check over the sources of every published package (`packages/*\/src`; the private
 * testkit is test code, whose stand-in failures need no code), so that a bare `new Error(...)` or an
 * undocumented code cannot slip in.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PACKAGES = join(ROOT, 'packages');

/** The built-in error classes, which carry no code. */
const BUILT_IN = '(?:Error|TypeError|RangeError|SyntaxError|ReferenceError|EvalError|URIError|AggregateError)';

/**
 * Error classes that extend a built-in one without a `code` member, and why that is right.
 * Keep it short: a new error class gets a code instead.
 */
const CODED_OTHERWISE: Readonly<Record<string, string>> = {
  AwsError: "the emulator's AWS-shaped error: its stable code is its AWS exception name (`name`, sent as `__type`)",
};

interface SourceFile {
  readonly path: string;
  readonly text: string;
}

function sourcesUnder(directory: string): SourceFile[] {
  const files: SourceFile[] = [];
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) files.push(...sourcesUnder(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts'))
      files.push({ path: relative(ROOT, path), text: readFileSync(path, 'utf8') });
  }
  return files;
}

/** Whether a package is private (never published): its package.json says so. */
function isPrivate(directory: string): boolean {
  try {
    return (
      (JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8')) as { private?: boolean }).private === true
    );
  } catch {
    return false;
  }
}

function packageSources(): SourceFile[] {
  return readdirSync(PACKAGES, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !isPrivate(join(PACKAGES, entry.name)))
    .flatMap((entry) => {
      try {
        return sourcesUnder(join(PACKAGES, entry.name, 'src'));
      } catch {
        return []; // a package without src/
      }
    });
}

/** `file:line: text` of every line of `files` that matches `pattern`. */
function linesMatching(files: readonly SourceFile[], pattern: RegExp): string[] {
  return files.flatMap((file) =>
    file.text
      .split('\n')
      .flatMap((line, index) => (pattern.test(line) ? [`${file.path}:${index + 1}: ${line.trim()}`] : [])),
  );
}

describe('error codes', () => {
  const sources = packageSources();

  it('finds the sources of every package', () => {
    for (const pkg of ['core', 'redis', 'file-store', 'emulator', 'express', 'nestjs']) {
      assert.ok(
        sources.some((file) => file.path.startsWith(join('packages', pkg, 'src'))),
        `no source of ${pkg}`,
      );
    }
  });

  it('no package source constructs a built-in error, which has no code: it throws a coded class', () => {
    const found = linesMatching(sources, new RegExp(`\\bnew ${BUILT_IN}\\(`));
    assert.deepEqual(found, [], `give each of these a coded error class:\n${found.join('\n')}`);
  });

  it('no package source throws or rejects with a value that is not an error', () => {
    const found = linesMatching(sources, /\bthrow\s+['"`\d{[]|\breject\(\s*['"`\d{[]/);
    assert.deepEqual(found, [], found.join('\n'));
  });

  it('every error class that extends a built-in error declares a stable code', () => {
    const uncoded: string[] = [];
    for (const file of sources) {
      const declaration = new RegExp(`class (\\w+) extends ${BUILT_IN}\\b[^{]*\\{`, 'g');
      for (const match of file.text.matchAll(declaration)) {
        const name = match[1] ?? '';
        const start = (match.index ?? 0) + match[0].length;
        const end = file.text.indexOf('\n}\n', start);
        const body = file.text.slice(start, end < 0 ? undefined : end);
        if (!/\breadonly code\b|\bget code\(/.test(body) && !(name in CODED_OTHERWISE)) {
          uncoded.push(`${file.path}: ${name}`);
        }
      }
    }
    assert.deepEqual(uncoded, [], `these error classes have no code:\n${uncoded.join('\n')}`);
  });

  it('every ERR_LG code in the sources is documented in a README (the table with its fix)', () => {
    const readmes = [
      readFileSync(join(ROOT, 'README.md'), 'utf8'),
      ...readdirSync(PACKAGES).flatMap((name) => {
        try {
          return [readFileSync(join(PACKAGES, name, 'README.md'), 'utf8')];
        } catch {
          return [];
        }
      }),
    ].join('\n');
    const codes = new Set(
      sources.flatMap((file) => [...file.text.matchAll(/'(ERR_LG_[A-Z0-9_]+)'/g)].map((m) => m[1])),
    );
    assert.ok(codes.size > 40, `only ${codes.size} codes found: is the pattern right?`);
    const undocumented = [...codes].filter((code) => !readmes.includes(`\`${code}\``)).sort();
    assert.deepEqual(undocumented, [], `document these codes in their package's README:\n${undocumented.join('\n')}`);
  });
});
