// A CommonJS app: the ESM packages through `require` (Node 20.19+ loads ES modules from require()).
const assert = require('node:assert/strict');
const { dirname, join } = require('node:path');

const { createLicenseGate } = require('@licensegate/core');
const { startEmulator } = require('@licensegate/emulator');

process.env.AWS_ACCESS_KEY_ID ??= 'consumer';
process.env.AWS_SECRET_ACCESS_KEY ??= 'consumer';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

async function main() {
  const licenses = join(dirname(require.resolve('@licensegate/emulator/package.json')), 'licenses', 'demo.json');
  const lm = await startEmulator({ licenses, host: '127.0.0.1', port: 0 });
  const gate = createLicenseGate({
    productSku: 'lg-demo-tiered',
    tiers: ['Basic', 'Intermediate', 'Premium'],
    client: { endpoint: lm.url, region: 'us-east-1' },
  });
  try {
    await gate.start();
    assert.equal(gate.tier, 'Intermediate');
    assert.equal(gate.hasTier('Basic'), true);
    assert.equal(gate.hasTier('Premium'), false);
    process.stdout.write('CommonJS require: the gate answers Intermediate\n');
  } finally {
    await gate.stop();
    await lm.close();
  }
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
