// Removes compiled test output, so that a deleted test never runs from a stale build (tsc -b keeps
// outputs of deleted sources). Also removes source maps left in the published packages' dist by a
// build from before they stopped emitting them (#15: the tarballs carry no maps; tsc -b keeps them).
import { readFileSync, readdirSync, existsSync, rmSync } from 'node:fs';

for (const dir of ['test', ...readdirSync('packages').map((name) => `packages/${name}`)]) {
  const out = `${dir}/build-test`;
  if (existsSync(out)) rmSync(out, { recursive: true, force: true });
}

for (const name of readdirSync('packages')) {
  const manifest = `packages/${name}/package.json`;
  const dist = `packages/${name}/dist`;
  if (!existsSync(manifest) || !existsSync(dist) || JSON.parse(readFileSync(manifest, 'utf8')).private) continue;
  for (const file of readdirSync(dist, { recursive: true, encoding: 'utf8' })) {
    if (file.endsWith('.map')) rmSync(`${dist}/${file}`);
  }
}
