#!/usr/bin/env node
// The consumer test: the published packages as a user gets them. Every package is packed (`npm pack`), and each app
// under test/consumer/apps/ is copied OUTSIDE the workspace (a temp folder), its `@licensegate/*` dependencies pointed
// at the tarballs, installed with plain `npm install` (no flags: a peer range that shuts an app out fails here), and
// checked with its own `npm run check` — apps that run against the emulator, and a TypeScript app type-checked under
// `strict` without `skipLibCheck`. Run after `npm run build` (CI: after `npm test`).
//
// Usage: node test/consumer/run.mjs [APP…]   (default: every app)
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const APPS = fileURLToPath(new URL('./apps', import.meta.url));
/** Sources several apps share (an app's package.json names one with `"consumer": { "shared": NAME }`). */
const SHARED = fileURLToPath(new URL('./shared', import.meta.url));
/** The published packages (the testkit and the examples are private). */
const PACKAGES = ['core', 'emulator', 'express', 'fastify', 'nestjs', 'redis', 'file-store'];

function run(command, args, cwd) {
  return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Packs every published package into `folder`; answers each package's tarball by name. */
function pack(folder) {
  const tarballs = new Map();
  for (const name of PACKAGES) {
    const [packed] = JSON.parse(
      run('npm', ['pack', '--json', '--pack-destination', folder], join(ROOT, 'packages', name)),
    );
    tarballs.set(packed.name, join(folder, packed.filename));
  }
  return tarballs;
}

/** Copies an app out of the workspace, its licensegate dependencies pointed at the tarballs. */
function place(app, into, tarballs) {
  const folder = join(into, app);
  cpSync(join(APPS, app), folder, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8'));
  if (manifest.consumer?.shared !== undefined)
    cpSync(join(SHARED, manifest.consumer.shared), folder, { recursive: true });
  for (const field of ['dependencies', 'devDependencies']) {
    for (const name of Object.keys(manifest[field] ?? {})) {
      if (!name.startsWith('@licensegate/')) continue;
      const tarball = tarballs.get(name);
      if (tarball === undefined) throw new Error(`consumer: ${app} depends on ${name}, which is not published`);
      manifest[field][name] = `file:${tarball}`;
    }
  }
  writeFileSync(join(folder, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return folder;
}

const wanted = process.argv.slice(2);
const apps = readdirSync(APPS).filter((app) => wanted.length === 0 || wanted.includes(app));
const work = mkdtempSync(join(tmpdir(), 'licensegate-consumer-'));
let failed = 0;
try {
  const tarballs = pack(join(work));
  for (const app of apps) {
    const started = Date.now();
    const folder = place(app, join(work, 'apps'), tarballs);
    try {
      run('npm', ['install', '--no-audit', '--no-fund'], folder);
      const out = run('npm', ['run', '--silent', 'check'], folder);
      process.stdout.write(
        `consumer: ${app}: ok (${((Date.now() - started) / 1000).toFixed(0)} s)${out.trim() === '' ? '' : `\n${out.trimEnd().replace(/^/gm, '  ')}`}\n`,
      );
    } catch (error) {
      failed++;
      const output = `${error.stdout ?? ''}${error.stderr ?? ''}`.trimEnd() || error.message;
      process.stdout.write(`consumer: ${app}: FAILED\n${output.replace(/^/gm, '  ')}\n`);
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
process.stdout.write(`consumer: ${apps.length - failed} of ${apps.length} apps passed\n`);
process.exit(failed === 0 ? 0 : 1);
