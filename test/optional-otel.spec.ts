/**
 * `@opentelemetry/api` is an optional peer of core (issue 16): an app that did not install it gets
 * a gate that loads, starts, answers and stops as before — the default `metrics` finds no meter —
 * and the diagnostics_channel hooks, which need nothing but Node, still publish. Run in a child
 * process whose module resolution cannot find the package (optional-otel/hide-otel-api.cjs).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const HIDE = fileURLToPath(new URL('../optional-otel/hide-otel-api.cjs', import.meta.url));
const APP = fileURLToPath(new URL('./optional-otel/app.js', import.meta.url));

describe('core without @opentelemetry/api (an optional peer)', function () {
  this.timeout(30_000);

  it('a gate with the default metrics option starts, answers and stops; the tracing channel publishes', () => {
    const ran = spawnSync(process.execPath, ['--require', HIDE, APP], {
      encoding: 'utf8',
      env: { ...process.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' },
      timeout: 25_000,
    });
    assert.equal(ran.status, 0, ran.stderr);
    assert.deepEqual(JSON.parse(ran.stdout.trim()), {
      apiFound: false,
      premium: true,
      operations: ['CheckoutLicense', 'GetLicense', 'CheckInLicense'],
    });
  });
});
