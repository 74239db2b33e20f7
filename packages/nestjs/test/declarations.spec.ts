/**
 * The published declarations need no `express`: the README's Nest-on-Fastify example is compiled
 * with the TypeScript compiler API against the built `dist/*.d.ts` (through the package's `exports`,
 * as an app imports it), `strict`, without `skipLibCheck` (every declaration file is checked,
 * ours, core's, Nest's and Fastify's), in a setting where `express`, its types and the Express
 * platform do not exist: the compiler host hides their directories from module resolution, as
 * an app on Fastify that never installed them. A canary file that imports `express` proves the
 * setting: it must fail to resolve. `dist/` is what the build made (`npm test` builds it first,
 * through the root test project's reference to this package).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import ts from 'typescript';

const PACKAGE = fileURLToPath(new URL('../../', import.meta.url));
const README = `${PACKAGE}README.md`;
const DIST = `${PACKAGE}dist/`;
/** The virtual files, in the package's directory (an ES module scope, like the README's app). */
const EXAMPLE = `${PACKAGE}readme-fastify-example.ts`;
const CANARY = `${PACKAGE}express-canary.ts`;
const CANARY_SOURCE = "import type { Request } from 'express';\nexport type Canary = Request;\n";

/** What a Nest-on-Fastify app does not have: express, its types, express-session, Nest's Express platform. */
const ABSENT =
  /[\\/]node_modules[\\/](?:@types[\\/])?(?:express|express-serve-static-core|express-session)(?:[\\/]|$)|[\\/]node_modules[\\/]@nestjs[\\/]platform-express(?:[\\/]|$)/;

/** The first `ts` block after the README's "On the Fastify platform" heading. */
function readmeExample(): string {
  const readme = readFileSync(README, 'utf8');
  const section = readme.split(/^## On the Fastify platform$/m)[1];
  assert.ok(section !== undefined, 'the README has an "On the Fastify platform" section');
  const block = /```ts\n([\s\S]*?)```/.exec(section.split(/^## /m)[0] ?? '');
  assert.ok(block?.[1] !== undefined, 'the section has a ts example');
  return block[1];
}

/** A compiler host over the real file system, with the virtual files added and `ABSENT` hidden. */
function hostWithout(options: ts.CompilerOptions, files: ReadonlyMap<string, string>): ts.CompilerHost {
  const host = ts.createCompilerHost(options);
  const { fileExists, readFile, getSourceFile } = host;
  const directoryExists = host.directoryExists?.bind(host);
  host.fileExists = (file) => files.has(file) || (!ABSENT.test(file) && fileExists.call(host, file));
  host.directoryExists = (dir) => !ABSENT.test(dir) && (directoryExists?.(dir) ?? true);
  host.readFile = (file) => files.get(file) ?? (ABSENT.test(file) ? undefined : readFile.call(host, file));
  host.getSourceFile = (file, language, ...rest) => {
    const text = files.get(file);
    if (text !== undefined) return ts.createSourceFile(file, text, language);
    return ABSENT.test(file) ? undefined : getSourceFile.call(host, file, language, ...rest);
  };
  return host;
}

function describeDiagnostic(diagnostic: ts.Diagnostic): string {
  const where = diagnostic.file?.fileName ?? '(no file)';
  return `${where}: TS${diagnostic.code} ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
}

describe('nestjs declarations: a Nest app on Fastify compiles without express', function () {
  this.timeout(60_000); // every declaration file of Nest, Fastify, core and the AWS SDK is checked

  let program: ts.Program;
  let diagnostics: readonly ts.Diagnostic[];

  before(() => {
    const options: ts.CompilerOptions = {
      strict: true,
      skipLibCheck: false,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      lib: ['lib.es2022.d.ts'],
      types: ['node'],
      experimentalDecorators: true,
      emitDecoratorMetadata: true,
    };
    const files = new Map([
      [EXAMPLE, readmeExample()],
      [CANARY, CANARY_SOURCE],
    ]);
    program = ts.createProgram({ rootNames: [...files.keys()], options, host: hostWithout(options, files) });
    diagnostics = ts.getPreEmitDiagnostics(program);
  });

  it('the setting has no express: the canary that imports it does not resolve', () => {
    const canary = diagnostics.filter((d) => d.file?.fileName === CANARY);
    assert.deepEqual(
      canary.map((d) => d.code),
      [2307],
      canary.map(describeDiagnostic).join('\n') || 'the canary compiled: express is reachable',
    );
    const reached = program.getSourceFiles().filter((file) => ABSENT.test(file.fileName));
    assert.deepEqual(
      reached.map((file) => file.fileName),
      [],
    );
  });

  it("the README's Fastify example compiles against the built declarations, strict, every .d.ts checked", () => {
    const used = program.getSourceFiles().map((file) => file.fileName);
    assert.ok(used.includes(`${DIST}index.d.ts`), "the example is checked against the package's dist/index.d.ts");
    assert.ok(
      used.some((file) => file.includes('/node_modules/@nestjs/platform-fastify/')),
      'and against @nestjs/platform-fastify',
    );
    const others = diagnostics.filter((d) => d.file?.fileName !== CANARY);
    assert.deepEqual(others.map(describeDiagnostic), []);
  });
});
