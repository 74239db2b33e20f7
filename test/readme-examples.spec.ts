/**
 * The READMEs' examples compile: every ```ts block of every README of the repository (the root's,
 * each package's and example's, test/ and bench/), written as a module of its own (an `.mts` file,
 * as in a `"type": "module"` project), type-checks under `strict` with `module`/`moduleResolution`
 * `node16` and `skipLibCheck: false` against the packages as built — their published entry points
 * and types, resolved the way an app's are. A failure names the README's line and the diagnostic.
 *
 * A block is an example a user can paste: its imports and declarations are in it. The one
 * convention: a block right after the comment `<!-- continues -->` goes on from the README's
 * opening example (the first ```ts block), and is compiled after it in one module — it uses the
 * opening's `app`, `gate`, `lg` without declaring them again. The one exception: a block after
 * `<!-- not compiled: REASON -->` is not compiled (a third-party package this repository does not
 * install); its README's test title says so, with the reason.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

import ts from 'typescript';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The comment before a block that goes on from the README's opening example. */
export const CONTINUES = '<!-- continues -->';

/** The comment before a block that is not compiled, with its reason. */
const NOT_COMPILED = /^<!-- not compiled: (.+) -->$/;

/** A README to check, and the compiler options its apps add to {@link COMMON}. */
interface CheckedReadme {
  /** From the repository root. */
  readonly path: string;
  /** E.g. `{ experimentalDecorators: true, emitDecoratorMetadata: true }`, as a NestJS app has. */
  readonly options?: ts.CompilerOptions;
}

/** What a NestJS app's tsconfig adds: its decorators need the legacy ones, with their metadata. */
const NEST: ts.CompilerOptions = { experimentalDecorators: true, emitDecoratorMetadata: true };

/** Every README.md of the repository: the root's and those one folder down in packages/, examples/, test/, bench/. */
function allReadmes(): CheckedReadme[] {
  const paths = ['README.md', 'test/README.md', 'bench/README.md'];
  for (const top of ['packages', 'examples']) {
    for (const dir of readdirSync(join(ROOT, top)).sort()) paths.push(`${top}/${dir}/README.md`);
  }
  return paths
    .filter((path) => existsSync(join(ROOT, path)))
    .map((path) => (/\/nestjs\//.test(path) ? { path, options: NEST } : { path }));
}

/** What an app's tsconfig says, at the least: `strict`, Node's ESM resolution, Node's types. */
const COMMON: ts.CompilerOptions = {
  strict: true,
  module: ts.ModuleKind.Node16,
  moduleResolution: ts.ModuleResolutionKind.Node16,
  target: ts.ScriptTarget.ES2022,
  lib: ['lib.es2022.d.ts'],
  types: ['node'],
  skipLibCheck: false,
  noEmit: true,
};

/** A ```ts block: the README's line of its first line of code, and the code. */
interface Block {
  readonly line: number;
  readonly code: string;
  /** After {@link CONTINUES}: goes on from the README's opening block. */
  readonly continues?: true;
  /** After `<!-- not compiled: REASON -->`: the reason. */
  readonly notCompiled?: string;
}

/** Every ```ts block of a Markdown text (fences may be indented, as in a list). */
function tsBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```ts\s*$/.exec(lines[i] ?? '');
    if (open === null) continue;
    const indent = open[1]?.length ?? 0;
    const code: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !/^\s*```\s*$/.test(lines[j] ?? ''); j++) code.push((lines[j] ?? '').slice(indent));
    assert.ok(j < lines.length, `the \`\`\`ts block at line ${i + 1} is never closed`);
    // The comment on the line before the fence, or before the blank line before it.
    const before = [lines[i - 1], lines[i - 2]].find((line) => line !== undefined && line.trim() !== '');
    const continues = before?.trim() === CONTINUES;
    const notCompiled = NOT_COMPILED.exec(before?.trim() ?? '')?.[1];
    blocks.push({
      line: i + 2,
      code: code.join('\n') + '\n',
      ...(continues ? { continues: true as const } : {}),
      ...(notCompiled === undefined ? {} : { notCompiled }),
    });
    i = j;
  }
  return blocks;
}

/** A module as compiled: the blocks it is made of, in order (the opening block, then a continuation). */
type Module = readonly Block[];

/** The README line of a module's line (0-based): in the block that holds it. */
function readmeLine(module: Module, line: number): number {
  let first = 0;
  for (const block of module) {
    const lines = block.code.split('\n').length - 1;
    if (line < first + lines) return block.line + line - first;
    first += lines;
  }
  return (module.at(-1)?.line ?? 0) + line - first;
}

/** A diagnostic as `README.md:LINE: TSxxxx: message` and the line of code it is about; `line` sorts them. */
function findingOf(
  diagnostic: ts.Diagnostic,
  readme: string,
  module: Module | undefined,
): { line: number; text: string } {
  const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
  if (diagnostic.file === undefined || diagnostic.start === undefined) {
    return { line: 0, text: `TS${diagnostic.code}: ${message}` }; // the options
  }
  const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
  const code = diagnostic.file.text.split('\n')[line]?.trim() ?? '';
  // Outside the blocks: in a package's types, named by their file.
  const [where, at] =
    module === undefined ? [relative(ROOT, diagnostic.file.fileName), line + 1] : [readme, readmeLine(module, line)];
  return { line: module === undefined ? 0 : at, text: `${where}:${at}: TS${diagnostic.code}: ${message}\n    ${code}` };
}

/**
 * Writes each ```ts block of the READMEs into `work` as a module of its own (a continuation after
 * its README's opening block) and compiles them all together — one program, so the packages' types
 * (checked, no skipLibCheck) are loaded and checked once, with the NestJS options, which change
 * nothing for a module without decorators; answers each README's diagnostics, in README order.
 */
function compileReadmes(readmes: readonly CheckedReadme[], work: string): Map<string, string[]> {
  const modules = new Map<string, { readme: string; module: Module }>();
  let options: ts.CompilerOptions = COMMON;
  for (const readme of readmes) {
    const blocks = tsBlocks(readFileSync(join(ROOT, readme.path), 'utf8'));
    const [opening] = blocks;
    if (opening === undefined) continue;
    assert.ok(opening.continues !== true, `${readme.path}: its first \`\`\`ts block cannot continue`);
    options = { ...options, ...readme.options };
    for (const block of blocks) {
      if (block.notCompiled !== undefined) continue;
      const module = block.continues ? [opening, block] : [block];
      const file = join(work, `${readme.path.replace(/[/\\.]/g, '-')}-line-${block.line}.mts`);
      writeFileSync(file, module.map(({ code }) => code).join(''));
      modules.set(file, { readme: readme.path, module });
    }
  }
  const program = ts.createProgram([...modules.keys()], options);
  const findings = new Map<string, { line: number; text: string }[]>(readmes.map(({ path }) => [path, []]));
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    const where = diagnostic.file === undefined ? undefined : modules.get(diagnostic.file.fileName);
    // A diagnostic outside the blocks (a package's types, the options) fails every README.
    for (const readme of where === undefined ? findings.keys() : [where.readme]) {
      findings.get(readme)?.push(findingOf(diagnostic, readme, where?.module));
    }
  }
  return new Map(
    [...findings].map(([readme, list]) => [readme, list.sort((a, b) => a.line - b.line).map(({ text }) => text)]),
  );
}

describe('README examples type-check under strict (node16 modules, no skipLibCheck, the built packages)', function () {
  this.timeout(60_000);
  let work: string;
  let failed = false;

  const readmes = allReadmes().filter(({ path }) => tsBlocks(readFileSync(join(ROOT, path), 'utf8')).length > 0);
  let findings: Map<string, string[]>;

  before(() => {
    // Inside the repository, so that the blocks resolve the workspace's packages as an app does.
    const buildTest = join(ROOT, 'test', 'build-test');
    mkdirSync(buildTest, { recursive: true });
    work = mkdtempSync(join(buildTest, 'readme-examples-'));
    findings = compileReadmes(readmes, work);
  });

  after(() => {
    // Kept when a block failed, to look at the modules as compiled.
    if (!failed) rmSync(work, { recursive: true, force: true });
  });

  for (const { path } of readmes) {
    const notCompiled = tsBlocks(readFileSync(join(ROOT, path), 'utf8')).filter((block) => block.notCompiled);
    const but = notCompiled.map((block) => `, but line ${block.line}: ${block.notCompiled ?? ''}`).join('');
    it(`${path}: every \`\`\`ts block compiles${but}`, () => {
      const diagnostics = findings.get(path) ?? [];
      failed ||= diagnostics.length > 0;
      assert.equal(
        diagnostics.length,
        0,
        `${diagnostics.join('\n')}\n(the blocks as compiled: ${relative(ROOT, work)})`,
      );
    });
  }

  it("checks every README that has ```ts blocks: the packages' and the examples'", () => {
    const paths = readmes.map(({ path }) => path);
    for (const path of ['packages/core/README.md', 'packages/express/README.md', 'packages/nestjs/README.md']) {
      assert.ok(paths.includes(path), `${path} is not checked: ${paths.join(', ')}`);
    }
  });

  it('finds the ```ts blocks of a README, indented ones too, at their lines', () => {
    const markdown = [
      '# x',
      '```ts',
      'const a = 1;',
      '```',
      '- item',
      '  ```ts',
      '  const b = 2;',
      '  ```',
      '```sh',
      'ls',
      '```',
      CONTINUES,
      '',
      '```ts',
      'a + 1;',
      '```',
    ];
    assert.deepEqual(tsBlocks(markdown.join('\n')), [
      { line: 3, code: 'const a = 1;\n' },
      { line: 7, code: 'const b = 2;\n' },
      { line: 15, code: 'a + 1;\n', continues: true },
    ]);
  });

  it('compiles a continuation after the opening block, and names the README lines of either', () => {
    const markdown = ['```ts', 'const a: number = 1;', '```', CONTINUES, '```ts', 'const b: string = a;', '```'];
    const path = relative(ROOT, join(work, 'continues-README.md'));
    writeFileSync(join(ROOT, path), markdown.join('\n'));
    const diagnostics = compileReadmes([{ path }], work).get(path) ?? [];
    assert.equal(diagnostics.length, 1, diagnostics.join('\n'));
    assert.match(
      diagnostics[0] ?? '',
      /continues-README\.md:6: TS2322: Type 'number' is not assignable to type 'string'/,
    );
  });
});
