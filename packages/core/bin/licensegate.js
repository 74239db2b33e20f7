#!/usr/bin/env node
// The `licensegate` command (`licensegate doctor`). npm links a package's bin when it installs it; in a
// fresh clone of the repository that is before the build, so the link points here (a committed file)
// rather than at dist/cli/run.js, and this shim runs the command once `npm run build` has made it.
import { existsSync } from 'node:fs';

const run = new URL('../dist/cli/run.js', import.meta.url);
if (!existsSync(run)) {
  process.stderr.write('licensegate: not built yet (no dist/cli/run.js): run `npm run build` first\n');
  process.exit(1);
}
await import(run.href);
