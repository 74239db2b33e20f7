// Runs the benchmarks in bench/ (every *.mjs here but this file), one after the other so that none disturbs
// another's figures.
//
// Usage: node bench/run.mjs [NAME_FILTER...] [-- BENCH_ARGS...]
//   NAME_FILTER  run only the benches whose file name contains one of these strings
//   BENCH_ARGS   passed to every bench run, e.g. -- --duration 10 --connections 100
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const self = basename(fileURLToPath(import.meta.url));

const args = process.argv.slice(2);
const split = args.indexOf('--');
const filters = split < 0 ? args : args.slice(0, split);
const benchArgs = split < 0 ? [] : args.slice(split + 1);

const all = readdirSync(here)
  .filter((name) => name.endsWith('.mjs') && name !== self)
  .sort();
const chosen = filters.length === 0 ? all : all.filter((name) => filters.some((f) => name.includes(f)));
if (chosen.length === 0) {
  console.error(
    `bench/run.mjs: no bench matches ${filters.map((f) => `'${f}'`).join(', ')}; there are: ${all.join(', ')}`,
  );
  process.exit(2);
}

const failed = [];
for (const name of chosen) {
  console.log(`\n=== ${name} ${benchArgs.join(' ')}`.trimEnd());
  // A child per bench: each starts from a fresh process (no JIT or heap state from the one before).
  const child = spawn(process.execPath, [join(here, name), ...benchArgs], { stdio: 'inherit' });
  const [code, signal] = await once(child, 'exit');
  if (code !== 0) failed.push(`${name} (${signal ?? `exit ${code}`})`);
}
if (failed.length > 0) {
  console.error(`\nbench/run.mjs: failed: ${failed.join(', ')}`);
  process.exitCode = 1;
}
