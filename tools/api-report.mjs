// API reports: the public face of every entry point of every published package, one file each
// (packages/<dir>/api/<entry>.api.md), made from the built declarations (dist/**/*.d.ts).
//
//   node tools/api-report.mjs           rewrite the reports (what `npm run api` runs, after a build)
//   node tools/api-report.mjs --check   exit 1, naming each entry whose report differs from its build
//
// An entry is a subpath of a package's `exports` map with `types`. Its report lists every name it
// exports, sorted, each with its declaration as the compiler emitted it: members of classes and
// interfaces sorted by name, private members and comments left out, re-exports followed to the
// declaration (a name re-exported from another package is shown as that re-export), and the
// `declare global` / `declare module` augmentations of the files the entry loads. Types the surface
// refers to but no entry of the package exports are listed at the end (the reader cannot name
// them). The reading is syntactic, over TypeScript's parser alone: no program, no type checker, so
// it takes a fraction of a second for every package.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

import ts from 'typescript';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ACCEPT = 'If the change is deliberate, run `npm run api` and commit the updated report.';

/**
 * Every entry point of every published workspace package under packages/.
 * @returns {{ id: string, title: string, packageDir: string, typesFile: string, reportFile: string }[]}
 */
export function listEntries() {
  const workspaces = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).workspaces;
  const entries = [];
  for (const workspace of workspaces.filter((w) => w.startsWith('packages/')).sort()) {
    const packageDir = join(ROOT, workspace);
    const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
    if (manifest.private) continue;
    const shortName = manifest.name.replace(/^@[^/]+\//, '');
    for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
      if (typeof target !== 'object' || target === null || typeof target.types !== 'string') continue;
      const suffix = subpath === '.' ? '' : subpath.slice(2).replaceAll('/', '-');
      const id = suffix === '' ? shortName : `${shortName}-${suffix}`;
      entries.push({
        id,
        title: `${manifest.name}${subpath.slice(1)}`,
        packageDir,
        typesFile: join(packageDir, target.types),
        reportFile: join(packageDir, 'api', `${id}.api.md`),
      });
    }
  }
  return entries;
}

/** Parsed declaration files, by absolute path. */
const sourceFiles = new Map();

/** The parsed declaration file at `file` (an absolute path). */
function sourceFile(file) {
  let parsed = sourceFiles.get(file);
  if (parsed === undefined) {
    if (!existsSync(file)) {
      throw new Error(`${relative(ROOT, file)} does not exist: build first (\`npm run api\` builds, then reports)`);
    }
    parsed = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    sourceFiles.set(file, parsed);
  }
  return parsed;
}

/** The declaration file a relative module specifier names, or undefined for another package. */
function resolveModule(fromFile, specifier) {
  if (!specifier.startsWith('.')) return undefined;
  const base = resolve(dirname(fromFile), specifier);
  const candidates = /\.(m|c)?js$/.test(base)
    ? [base.replace(/\.(m|c)?js$/, (ext) => `.d${ext.slice(0, -2)}ts`)]
    : [`${base}.d.ts`, join(base, 'index.d.ts')];
  const found = candidates.find((candidate) => existsSync(candidate));
  if (found === undefined) throw new Error(`${relative(ROOT, fromFile)}: cannot resolve '${specifier}'`);
  return found;
}

const hasModifier = (node, kind) =>
  (ts.canHaveModifiers(node) ? ts.getModifiers(node) : undefined)?.some((m) => m.kind === kind) ?? false;

/**
 * What one name of a module is: a declaration `{ kind: 'decl', file, name }` or a name of another
 * package `{ kind: 'external', module, name }`; `typeOnly` when it was exported or imported as a type.
 */
function declTarget(file, name) {
  return { kind: 'decl', file, name, typeOnly: false };
}

/** A local name of `file`: imported (followed) or declared there; undefined for a global. */
function resolveLocal(file, name) {
  const source = sourceFile(file);
  for (const statement of source.statements) {
    if (!ts.isImportDeclaration(statement) || statement.importClause === undefined) continue;
    const clause = statement.importClause;
    const specifier = statement.moduleSpecifier.text;
    if (clause.name?.text === name) return { kind: 'external', module: specifier, name: 'default', typeOnly: true };
    const bindings = clause.namedBindings;
    if (bindings === undefined) continue;
    if (ts.isNamespaceImport(bindings)) {
      if (bindings.name.text === name) return { kind: 'external', module: specifier, name: '*', typeOnly: true };
      continue;
    }
    for (const element of bindings.elements) {
      if (element.name.text !== name) continue;
      const imported = (element.propertyName ?? element.name).text;
      const typeOnly = clause.isTypeOnly || element.isTypeOnly;
      const target = resolveModule(file, specifier);
      if (target === undefined) return { kind: 'external', module: specifier, name: imported, typeOnly };
      const resolved = exportsOf(target).get(imported);
      if (resolved === undefined) throw new Error(`${relative(ROOT, file)}: '${specifier}' exports no ${imported}`);
      return { ...resolved, typeOnly: resolved.typeOnly || typeOnly };
    }
  }
  return declarationsOf(file, name).length > 0 ? declTarget(file, name) : undefined;
}

/** The top-level declarations of `name` in `file` (several for overloads and merged declarations). */
function declarationsOf(file, name) {
  const found = [];
  for (const statement of sourceFile(file).statements) {
    if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) {
        if (ts.isIdentifier(declaration.name) && declaration.name.text === name) found.push(declaration);
      }
    } else if (
      (ts.isFunctionDeclaration(statement) ||
        ts.isClassDeclaration(statement) ||
        ts.isInterfaceDeclaration(statement) ||
        ts.isTypeAliasDeclaration(statement) ||
        ts.isEnumDeclaration(statement) ||
        ts.isModuleDeclaration(statement)) &&
      statement.name?.text === name
    ) {
      found.push(statement);
    }
  }
  return found;
}

const exportTables = new Map();

/** Every name `file` exports, re-exports followed. */
function exportsOf(file) {
  let table = exportTables.get(file);
  if (table !== undefined) return table;
  table = new Map();
  exportTables.set(file, table);
  const stars = [];
  for (const statement of sourceFile(file).statements) {
    if (ts.isExportDeclaration(statement)) {
      const specifier = statement.moduleSpecifier?.text;
      const clause = statement.exportClause;
      if (clause === undefined) {
        stars.push(specifier);
        continue;
      }
      if (ts.isNamespaceExport(clause)) throw new Error(`${relative(ROOT, file)}: 'export * as' is not supported`);
      for (const element of clause.elements) {
        const exported = element.name.text;
        const local = (element.propertyName ?? element.name).text;
        const typeOnly = statement.isTypeOnly || element.isTypeOnly;
        let target;
        if (specifier === undefined) {
          target = resolveLocal(file, local);
        } else {
          const module = resolveModule(file, specifier);
          target =
            module === undefined ? { kind: 'external', module: specifier, name: local } : exportsOf(module).get(local);
        }
        if (target === undefined) throw new Error(`${relative(ROOT, file)}: cannot follow the export ${exported}`);
        table.set(exported, { ...target, typeOnly: Boolean(target.typeOnly) || typeOnly });
      }
    } else if (ts.isExportAssignment(statement)) {
      throw new Error(`${relative(ROOT, file)}: 'export default' and 'export =' are not supported`);
    } else if (hasModifier(statement, ts.SyntaxKind.ExportKeyword)) {
      if (hasModifier(statement, ts.SyntaxKind.DefaultKeyword)) {
        throw new Error(`${relative(ROOT, file)}: 'export default' is not supported`);
      }
      const names = ts.isVariableStatement(statement)
        ? statement.declarationList.declarations.map((d) => d.name.getText())
        : [statement.name.text];
      for (const name of names) table.set(name, declTarget(file, name));
    }
  }
  for (const specifier of stars) {
    const module = resolveModule(file, specifier);
    if (module === undefined) {
      table.set(`* from ${specifier}`, { kind: 'external', module: specifier, name: '*', typeOnly: false });
      continue;
    }
    for (const [name, target] of exportsOf(module)) if (name !== 'default' && !table.has(name)) table.set(name, target);
  }
  return table;
}

const printer = ts.createPrinter({ removeComments: true, newLine: ts.NewLineKind.LineFeed });
const SKIPPED_MODIFIERS = new Set([
  ts.SyntaxKind.ExportKeyword,
  ts.SyntaxKind.DefaultKeyword,
  ts.SyntaxKind.DeclareKeyword,
]);

const isPrivate = (member) =>
  (member.name !== undefined && ts.isPrivateIdentifier(member.name)) ||
  hasModifier(member, ts.SyntaxKind.PrivateKeyword);

/** Sort key of a class or interface member: constructors, signatures, then by name. */
function memberKey(member, source) {
  if (ts.isConstructorDeclaration(member)) return '0';
  if (
    ts.isIndexSignatureDeclaration(member) ||
    ts.isCallSignatureDeclaration(member) ||
    ts.isConstructSignatureDeclaration(member)
  ) {
    return '1';
  }
  const name = member.name === undefined ? '' : member.name.getText(source);
  return `2${name.replace(/^['"]|['"]$/g, '').toLowerCase()}\u0000${name}`;
}

/** The members a reader of the API sees (private ones left out), sorted by {@link memberKey}. */
function sortedMembers(members, source) {
  return ts.factory.createNodeArray(
    members
      .filter((member) => !isPrivate(member))
      .map((member, index) => ({ member, index, key: memberKey(member, source) }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.index - b.index))
      .map(({ member }) => member),
  );
}

/** One declaration, normalized: `export` (and `declare` where it applies), its exported name, members sorted. */
function printDeclaration(node, exportedName) {
  const source = node.getSourceFile();
  const f = ts.factory;
  const modifiersOf = (n) => (ts.getModifiers(n) ?? []).filter((m) => !SKIPPED_MODIFIERS.has(m.kind));
  const name = (n) => (n.name.text === exportedName ? n.name : f.createIdentifier(exportedName));
  let printed;
  let declare = true;
  if (ts.isVariableDeclaration(node)) {
    const list = node.parent;
    const renamed = f.updateVariableDeclaration(node, name(node), node.exclamationToken, node.type, node.initializer);
    printed = f.createVariableStatement(
      modifiersOf(list.parent),
      f.createVariableDeclarationList(
        [renamed],
        list.flags & (ts.NodeFlags.Const | ts.NodeFlags.Let | ts.NodeFlags.Using),
      ),
    );
  } else if (ts.isClassDeclaration(node)) {
    printed = f.updateClassDeclaration(
      node,
      modifiersOf(node),
      name(node),
      node.typeParameters,
      node.heritageClauses,
      sortedMembers(node.members, source),
    );
  } else if (ts.isInterfaceDeclaration(node)) {
    declare = false;
    printed = f.updateInterfaceDeclaration(
      node,
      modifiersOf(node),
      name(node),
      node.typeParameters,
      node.heritageClauses,
      sortedMembers(node.members, source),
    );
  } else if (ts.isTypeAliasDeclaration(node)) {
    declare = false;
    printed = f.updateTypeAliasDeclaration(node, modifiersOf(node), name(node), node.typeParameters, node.type);
  } else if (ts.isFunctionDeclaration(node)) {
    printed = f.updateFunctionDeclaration(
      node,
      modifiersOf(node),
      node.asteriskToken,
      name(node),
      node.typeParameters,
      node.parameters,
      node.type,
      node.body,
    );
  } else if (ts.isEnumDeclaration(node)) {
    printed = f.updateEnumDeclaration(node, modifiersOf(node), name(node), node.members);
  } else {
    printed = node;
  }
  return `export ${declare ? 'declare ' : ''}${printer.printNode(ts.EmitHint.Unspecified, printed, source)}`;
}

/** The first identifier of a type name or an expression (`a` of `a.b.c`). */
function leftmost(node) {
  while (ts.isQualifiedName(node) || ts.isPropertyAccessExpression(node))
    node = ts.isQualifiedName(node) ? node.left : node.expression;
  return ts.isIdentifier(node) ? node.text : undefined;
}

/** The names a declaration refers to as types (its own type parameters left out). */
function referencedNames(node) {
  const names = new Set();
  const typeParameters = new Set();
  const visit = (child) => {
    if (ts.isTypeParameterDeclaration(child)) typeParameters.add(child.name.text);
    if ((ts.isClassElement(child) || ts.isTypeElement(child)) && isPrivate(child)) return;
    let name;
    if (ts.isTypeReferenceNode(child)) name = leftmost(child.typeName);
    else if (ts.isExpressionWithTypeArguments(child)) name = leftmost(child.expression);
    else if (ts.isTypeQueryNode(child)) name = leftmost(child.exprName);
    if (name !== undefined) names.add(name);
    ts.forEachChild(child, visit);
  };
  visit(node);
  for (const name of typeParameters) names.delete(name);
  return [...names];
}

/** Every declaration file the entry loads (relative imports and exports followed), in path order. */
function reachableFiles(entryFile) {
  const seen = new Set([entryFile]);
  const queue = [entryFile];
  while (queue.length > 0) {
    const file = queue.shift();
    for (const statement of sourceFile(file).statements) {
      const specifier =
        (ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) && statement.moduleSpecifier?.text;
      const next = typeof specifier === 'string' ? resolveModule(file, specifier) : undefined;
      if (next !== undefined && !seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
  return [...seen].sort();
}

const isValueDeclaration = (node) =>
  ts.isVariableDeclaration(node) ||
  ts.isClassDeclaration(node) ||
  ts.isFunctionDeclaration(node) ||
  ts.isEnumDeclaration(node);

const byName = (a, b) => {
  const [x, y] = [a.toLowerCase(), b.toLowerCase()];
  return x < y ? -1 : x > y ? 1 : a < b ? -1 : a > b ? 1 : 0;
};

/**
 * The report of one entry, and what it exports at run time.
 * @param {ReturnType<typeof listEntries>[number]} entry
 * @param {Map<string, { title: string, name: string }>} homes by `file#name`, the entry (the first
 *   one) of the package that exports a declaration, and the name it has there
 */
function analyse(entry, homes) {
  const table = exportsOf(entry.typesFile);
  const blocks = [];
  const imports = new Map();
  const unexported = new Map();
  const values = [];
  /** Adds what `node` (in `file`, a part of `user`) refers to: an import line, or an unexported name. */
  const noteReferences = (file, node, user) => {
    for (const name of referencedNames(node)) {
      const referenced = resolveLocal(file, name);
      if (referenced === undefined) continue;
      let module;
      let imported = referenced.name;
      if (referenced.kind === 'external') {
        if (referenced.name === '*' || referenced.name === 'default') continue;
        module = referenced.module;
      } else if (homes.has(`${referenced.file}#${referenced.name}`)) {
        const home = homes.get(`${referenced.file}#${referenced.name}`);
        if (home.title === entry.title) continue;
        [module, imported] = [home.title, home.name];
      } else {
        const key = `${relative(entry.packageDir, referenced.file)}: ${referenced.name}`;
        unexported.set(key, (unexported.get(key) ?? new Set()).add(user));
        continue;
      }
      imports.set(module, (imports.get(module) ?? new Set()).add(imported === name ? name : `${imported} as ${name}`));
    }
  };
  for (const exported of [...table.keys()].sort(byName)) {
    const target = table.get(exported);
    if (target.kind === 'external') {
      blocks.push(
        target.name === '*'
          ? `export * from '${target.module}';`
          : `export ${target.typeOnly ? 'type ' : ''}{ ${target.name === exported ? exported : `${target.name} as ${exported}`} } from '${target.module}';`,
      );
      if (!target.typeOnly && target.name !== '*') values.push({ name: exported, certain: false });
      continue;
    }
    const declarations = declarationsOf(target.file, target.name);
    const isValue = declarations.some(isValueDeclaration);
    const texts = declarations.map((d) => printDeclaration(d, exported));
    if (isValue && target.typeOnly) texts.unshift('// exported as a type only: no value at run time');
    if (isValue && !target.typeOnly) values.push({ name: exported, certain: true });
    blocks.push(texts.join('\n'));
    for (const declaration of declarations) noteReferences(target.file, declaration, exported);
  }
  // `declare global { … }` and `declare module 'x' { … }` in any file the entry loads change what
  // an importer sees too.
  for (const file of reachableFiles(entry.typesFile)) {
    for (const statement of sourceFile(file).statements) {
      if (!ts.isModuleDeclaration(statement)) continue;
      const isGlobal = ts.isIdentifier(statement.name) && statement.name.text === 'global';
      if (!isGlobal && !ts.isStringLiteral(statement.name)) continue;
      const printed = printer.printNode(ts.EmitHint.Unspecified, statement, sourceFile(file));
      blocks.push(`// augmentation, in ${relative(entry.packageDir, file)}\n${printed}`);
      noteReferences(file, statement, 'an augmentation');
    }
  }
  const importLines = [...imports.keys()]
    .sort()
    .map((module) => `import { ${[...imports.get(module)].sort(byName).join(', ')} } from '${module}';`);
  const lines = [
    `# API report: \`${entry.title}\``,
    '',
    `Made by \`npm run api\` from \`${relative(entry.packageDir, entry.typesFile)}\`, the built declarations: do not edit it`,
    'by hand. `npm test` fails while the build and this file differ, so that every change to the public face',
    'of this entry shows in review and is accepted on purpose (run `npm run api`, commit the file).',
    '',
    '```ts',
    ...(importLines.length > 0 ? [...importLines, ''] : []),
    blocks.join('\n\n'),
    '```',
  ];
  if (unexported.size > 0) {
    lines.push(
      '',
      '## Referenced, not exported',
      '',
      'The surface above refers to these declarations, which no entry of the package exports:',
      '',
      ...[...unexported.keys()]
        .sort()
        .map((key) => `- ${key} (by ${[...unexported.get(key)].sort(byName).join(', ')})`),
    );
  }
  return { text: `${lines.join('\n')}\n`, names: [...table.keys()].sort(byName), values };
}

/**
 * The reports of every entry, from the declarations as built now.
 * @returns {{ entry: ReturnType<typeof listEntries>[number], text: string, names: string[], values: { name: string, certain: boolean }[] }[]}
 */
export function generateReports(entries = listEntries()) {
  sourceFiles.clear();
  exportTables.clear();
  const homes = new Map();
  for (const entry of entries) {
    const packageHomes = homes.get(entry.packageDir) ?? new Map();
    for (const [name, target] of exportsOf(entry.typesFile)) {
      const key = `${target.file}#${target.name}`;
      if (target.kind === 'decl' && !packageHomes.has(key)) packageHomes.set(key, { title: entry.title, name });
    }
    homes.set(entry.packageDir, packageHomes);
  }
  return entries.map((entry) => ({ entry, ...analyse(entry, homes.get(entry.packageDir)) }));
}

/**
 * A line diff of two texts (longest common subsequence): each run of changed lines under
 * `@@ line N` (N counts in `after`), `-` for a removed line and `+` for an added one.
 */
export function diffLines(before, after) {
  const a = before.split('\n');
  const b = after.split('\n');
  const lcs = Array.from({ length: a.length + 1 }, () => new Uint32Array(b.length + 1));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const out = [];
  let [i, j, inRun] = [0, 0, false];
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      [i, j, inRun] = [i + 1, j + 1, false];
      continue;
    }
    if (!inRun) out.push(`@@ line ${j + 1}`);
    inRun = true;
    if (i < a.length && (j === b.length || lcs[i + 1][j] >= lcs[i][j + 1])) out.push(`- ${a[i++]}`);
    else out.push(`+ ${b[j++]}`);
  }
  return out.join('\n');
}

/** The checked-in report at `file`, or undefined when there is none. */
function readReport(file) {
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

/**
 * What differs between the checked-in reports and the build: one problem per entry, each naming
 * the entry, its report file and the lines that changed, and saying how to accept the change.
 * @param {(file: string) => string | undefined} read the checked-in report at a path (tests pass their own)
 * @returns {{ entry: string, message: string }[]}
 */
export function checkReports(read = readReport) {
  const problems = [];
  const reports = generateReports();
  const expected = new Set(reports.map(({ entry }) => entry.reportFile));
  for (const { entry, text } of reports) {
    const file = relative(ROOT, entry.reportFile);
    const onDisk = read(entry.reportFile);
    if (onDisk === undefined) {
      problems.push({ entry: entry.title, message: `${entry.title}: no API report (${file}). ${ACCEPT}` });
    } else if (onDisk !== text) {
      problems.push({
        entry: entry.title,
        message: `The public API of ${entry.title} changed: ${file} differs from the build.\n${diffLines(onDisk, text)}\n${ACCEPT}`,
      });
    }
  }
  for (const file of staleReports(expected)) {
    problems.push({
      entry: relative(ROOT, file),
      message: `${relative(ROOT, file)} reports an entry point that no longer exists. ${ACCEPT}`,
    });
  }
  return problems;
}

/** Report files under packages/<dir>/api/ that belong to no entry point. */
function staleReports(expected) {
  const stale = [];
  for (const dir of readdirSync(join(ROOT, 'packages'))) {
    const apiDir = join(ROOT, 'packages', dir, 'api');
    if (!existsSync(apiDir)) continue;
    for (const name of readdirSync(apiDir)) {
      const file = join(apiDir, name);
      if (name.endsWith('.api.md') && !expected.has(file)) stale.push(file);
    }
  }
  return stale;
}

function main() {
  const started = performance.now();
  if (process.argv.includes('--check')) {
    const problems = checkReports();
    for (const { message } of problems) console.error(`${message}\n`);
    const ms = Math.round(performance.now() - started);
    if (problems.length > 0) {
      console.error(`API reports: ${problems.length} out of date (${problems.map((p) => p.entry).join(', ')}).`);
      process.exitCode = 1;
    } else {
      console.log(`API reports: all up to date (${ms} ms).`);
    }
    return;
  }
  const reports = generateReports();
  for (const { entry, text, names } of reports) {
    mkdirSync(dirname(entry.reportFile), { recursive: true });
    const changed = !existsSync(entry.reportFile) || readFileSync(entry.reportFile, 'utf8') !== text;
    if (changed) writeFileSync(entry.reportFile, text);
    console.log(`${changed ? 'updated  ' : 'unchanged'} ${relative(ROOT, entry.reportFile)} (${names.length} exports)`);
  }
  for (const file of staleReports(new Set(reports.map(({ entry }) => entry.reportFile)))) {
    rmSync(file);
    console.log(`removed   ${relative(ROOT, file)}`);
  }
  console.log(`API reports written in ${Math.round(performance.now() - started)} ms.`);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
