#!/usr/bin/env node
// The `licensegate-emulator` command. npm links a package's bin when it installs it; in a fresh
// clone of the repository that is before the build, so the link points here (a committed file)
// rather than at dist/cli.js, and this shim runs the CLI once `npm run build` has made it.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write('licensegate-emulator: not built yet (no dist/cli.js): run `npm run build` first\n');
  process.exit(1);
}
await import(cli.href);
