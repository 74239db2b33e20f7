// `licensegate doctor`, the bin of the installed core tarball (node_modules/.bin/licensegate), on core's lowest SDK
// (3.321.1, older than the SDK's marks of which provider gave the credentials: the doctor infers it and says so),
// against the emulator in strict-auth mode: all good with a key allowed everything (exit 0), and a key without
// CheckInLicense (exit 1, with the IAM policy to add).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

import { startEmulator } from '@licensegate/emulator';

const require = createRequire(import.meta.url);
const licenses = join(dirname(require.resolve('@licensegate/emulator/package.json')), 'licenses', 'demo.json');
const lm = await startEmulator({
  licenses,
  auth: 'strict',
  accessKeys: [
    { accessKeyId: 'AKIDCONSUMERALL', secretAccessKey: 'all' },
    {
      accessKeyId: 'AKIDCONSUMERNOCHECKIN',
      secretAccessKey: 'some',
      actions: ['GetLicense', 'ListReceivedLicenses', 'CheckoutLicense'],
    },
  ],
});

/** Runs the bin in a child process (asynchronously: the emulator answers from this process's event loop). */
function doctor(key, ...args) {
  return new Promise((resolve) => {
    execFile(
      join('node_modules', '.bin', 'licensegate'),
      ['doctor', '--endpoint', lm.url, '--region', 'us-east-1', ...args],
      {
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          AWS_ACCESS_KEY_ID: key.id,
          AWS_SECRET_ACCESS_KEY: key.secret,
          AWS_EC2_METADATA_DISABLED: 'true',
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        },
      },
      (error, stdout, stderr) => resolve({ code: error === null ? 0 : error.code, stdout, stderr }),
    );
  });
}

try {
  const help = await doctor({ id: 'x', secret: 'x' }, '--help');
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /^Usage: licensegate doctor/);

  const good = await doctor(
    { id: 'AKIDCONSUMERALL', secret: 'all' },
    '--product-sku',
    'lg-demo-tiered',
    '--tier',
    'Basic,Intermediate,Premium',
  );
  assert.equal(good.code, 0, good.stdout + good.stderr);
  assert.match(
    good.stdout,
    /^\[ok\] {3}credentials +found, from environment variables \(AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY\) \(inferred: the SDK did not mark its provider\)/m,
  );
  assert.match(good.stdout, /^OK: 9 passed, 0 warnings, 0 failed, 1 not checked\.$/m);

  const missing = await doctor(
    { id: 'AKIDCONSUMERNOCHECKIN', secret: 'some' },
    '--product-sku',
    'lg-demo-configurable',
    '--seats',
    'ConcurrentUsers',
    '--json',
  );
  assert.equal(missing.code, 1, missing.stdout + missing.stderr);
  const report = JSON.parse(missing.stdout);
  assert.deepEqual(report.iamPolicyToAdd.Statement[0].Action, [
    'license-manager:CheckInLicense',
    'license-manager:ExtendLicenseConsumption',
  ]);
  console.log(
    'doctor: the installed bin passed a good setup (exit 0) and named the missing actions (exit 1) on SDK 3.321.1',
  );
} finally {
  await lm.close();
}
