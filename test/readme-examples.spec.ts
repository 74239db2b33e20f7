/**
 * The READMEs' examples compile: every ```ts block of each README listed below, written as a module
 * of its own (an `.mts` file, as in a `"type": "module"` project), type-checks under `strict` with
 * `module`/`moduleResolution` `node16` against the packages as built — their published entry points
 * and types, resolved the way an app's are. A failure names the README's line and the diagnostic.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

import ts from 'typescript';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A README to check, and the compiler options its apps add to {@link COMMON}. */
interface CheckedReadme {
  /** From the repository root. */
  readonly path: string;
  /** E.g. `{ experimentalDecorators: true, emitDecoratorMetadata: true }`, as a NestJS app has. */
  readonly options?: ts.CompilerOptions;
}

/**
 * The READMEs whose every ```ts block must compile. Not yet (issue #15): packages/express/README.md
 * and packages/nestjs/README.md (with the NestJS options), whose later blocks are fragments that use
 * names they do not declare (`app`, `lg`, `handler`, a decorator outside a class).
 */
const READMES: readonly CheckedReadme[] = [{ path: 'packages/fastify/README.md' }];

/** What an app's tsconfig says, at the least: `strict`, Node's ESM resolution, Node's types. */
const COMMON: ts.CompilerOptions = {
  strict: true,
  module: ts.ModuleKind.Node16,
  moduleResolution: ts.ModuleResolutionKind.Node16,
  target: ts.ScriptTarget.ES2022,
  lib: ['lib.es2022.d.ts'],
  types: ['node'],
  skipLibCheck: true,
  noEmit: true,
};

/** A ```ts block: the README's line of its first line of code, and the code. */
interface Block {
  readonly line: number;
  readonly code: string;
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
    blocks.push({ line: i + 2, code: code.join('\n') + '\n' });
    i = j;
  }
  return blocks;
}

/** A diagnostic as `README.md:LINE: TSxxxx: message` and the line of code it is about; `line` sorts them. */
function findingOf(
  diagnostic: ts.Diagnostic,
  readme: string,
  blocks: ReadonlyMap<string, Block>,
): { line: number; text: string } {
  const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
  if (diagnostic.file === undefined || diagnostic.start === undefined) {
    return { line: 0, text: `TS${diagnostic.code}: ${message}` }; // the options
  }
  const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
  const code = diagnostic.file.text.split('\n')[line]?.trim() ?? '';
  const block = blocks.get(diagnostic.file.fileName);
  // Outside the blocks: in a package's types, named by their file.
  const [where, at] =
    block === undefined ? [relative(ROOT, diagnostic.file.fileName), line + 1] : [readme, block.line + line];
  return { line: block === undefined ? 0 : at, text: `${where}:${at}: TS${diagnostic.code}: ${message}\n    ${code}` };
}

/**
 * Writes each ```ts block of a README into `work` as a module of its own and compiles them together
 * (one program: the packages' types are loaded once); answers the diagnostics, in README order.
 */
function compileBlocks({ path, options }: CheckedReadme, work: string): string[] {
  const blocks = tsBlocks(readFileSync(join(ROOT, path), 'utf8'));
  assert.ok(blocks.length > 0, `${path} has no \`\`\`ts block`);
  const files = new Map<string, Block>();
  for (const block of blocks) {
    const file = join(work, `${path.replace(/[/\\.]/g, '-')}-line-${block.line}.mts`);
    writeFileSync(file, block.code);
    files.set(file, block);
  }
  const program = ts.createProgram([...files.keys()], { ...COMMON, ...options });
  return ts
    .getPreEmitDiagnostics(program)
    .map((diagnostic) => findingOf(diagnostic, path, files))
    .sort((a, b) => a.line - b.line)
    .map((finding) => finding.text);
}

describe('README examples type-check under strict (node16 modules, the built packages)', function () {
  this.timeout(60_000);
  let work: string;
  let failed = false;

  before(() => {
    // Inside the repository, so that the blocks resolve the workspace's packages as an app does.
    const buildTest = join(ROOT, 'test', 'build-test');
    mkdirSync(buildTest, { recursive: true });
    work = mkdtempSync(join(buildTest, 'readme-examples-'));
  });

  after(() => {
    // Kept when a block failed, to look at the modules as compiled.
    if (!failed) rmSync(work, { recursive: true, force: true });
  });

  for (const readme of READMES) {
    it(`${readme.path}: every \`\`\`ts block compiles`, () => {
      const diagnostics = compileBlocks(readme, work);
      failed ||= diagnostics.length > 0;
      assert.equal(
        diagnostics.length,
        0,
        `${diagnostics.join('\n')}\n(the blocks as compiled: ${relative(ROOT, work)})`,
      );
    });
  }

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
    ];
    assert.deepEqual(tsBlocks(markdown.join('\n')), [
      { line: 3, code: 'const a = 1;\n' },
      { line: 7, code: 'const b = 2;\n' },
    ]);
  });
});
