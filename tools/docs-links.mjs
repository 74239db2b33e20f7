// After TypeDoc has written the API reference (docs/api, `npm run docs`): every README's link into
// it must reach a page TypeDoc wrote, and the README of every published package must link to it.
// TypeDoc empties docs/api before it writes, so a page left by an older build cannot pass.
//
//   node tools/docs-links.mjs   exit 1, naming each README and link at fault
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SITE = join(ROOT, 'docs', 'api');

const readmes = [join(ROOT, 'README.md')];
const published = new Set();
for (const dir of readdirSync(join(ROOT, 'packages')).sort()) {
  const manifest = join(ROOT, 'packages', dir, 'package.json');
  const readme = join(ROOT, 'packages', dir, 'README.md');
  if (!existsSync(manifest) || !existsSync(readme)) continue;
  readmes.push(readme);
  if (!JSON.parse(readFileSync(manifest, 'utf8')).private) published.add(readme);
}

const faults = [];
if (!existsSync(join(SITE, 'index.html')))
  faults.push(`${relative(ROOT, SITE)}/index.html: not built; run \`npm run docs\``);
for (const readme of readmes) {
  const links = [...readFileSync(readme, 'utf8').matchAll(/\]\(([^)#\s]+)(?:#[^)\s]*)?\)/g)]
    .map((match) => match[1])
    .filter((target) => !/^[a-z]+:/i.test(target))
    .map((target) => resolve(dirname(readme), target))
    .filter((target) => target === SITE || target.startsWith(SITE + '/'));
  const name = relative(ROOT, readme);
  if (published.has(readme) && links.length === 0) faults.push(`${name}: no link to its pages in docs/api`);
  for (const target of links) {
    if (!existsSync(target)) faults.push(`${name}: ${relative(ROOT, target)} was not built`);
  }
}

if (faults.length > 0) {
  console.error(`API reference links:\n${faults.map((fault) => `  ${fault}`).join('\n')}`);
  process.exit(1);
}
console.log(`API reference links: ${published.size} package READMEs link to pages that were built.`);
