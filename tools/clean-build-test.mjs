// Removes compiled test output, so that a deleted test never runs from a stale build (tsc -b keeps
// outputs of deleted sources).
import { rmSync, readdirSync, existsSync } from 'node:fs';

for (const dir of ['test', ...readdirSync('packages').map((name) => `packages/${name}`)]) {
  const out = `${dir}/build-test`;
  if (existsSync(out)) rmSync(out, { recursive: true, force: true });
}
