/**
 * The default logger (`stderrLogger`) and `createStderrLogger()`: which levels reach stderr, as
 * `LICENSEGATE_LOG_LEVEL` and `NODE_ENV` say, read in a fresh process each (the level is read once,
 * when the module loads) — and a gate on the default logger, against the emulator, writing its
 * start and stop lines where an operator sees them.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { createStderrLogger, LicenseGateConfigurationError } from '../src/index.js';

const CORE = new URL('../src/index.js', import.meta.url).href;
const EMULATOR = import.meta.resolve('@licensegate/emulator');

/** Runs `body` (an ES module) in a new Node process with `env` on top of a clean one; its stderr lines. */
function run(body: string, env: Record<string, string | undefined>): { lines: string[]; status: number | null } {
  const base = { ...process.env };
  delete base['LICENSEGATE_LOG_LEVEL'];
  delete base['NODE_ENV'];
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', body], {
    env: { ...base, ...env },
    encoding: 'utf8',
    cwd: fileURLToPath(new URL('.', import.meta.url)),
    timeout: 20_000,
  });
  assert.equal(result.status, 0, result.stderr);
  return { lines: result.stderr.split('\n').filter((line) => line !== ''), status: result.status };
}

/** Logs one line at each level through the default logger; the levels that reached stderr. */
function levelsWritten(env: Record<string, string | undefined>): string[] {
  const { lines } = run(
    `import { stderrLogger } from '${CORE}';
     for (const level of ['debug', 'info', 'warn', 'error']) stderrLogger[level]({ event: 'licensegate.test.line', n: 1 }, level + ' line');`,
    env,
  );
  return lines.map((line) => (JSON.parse(line) as { level: string; event: string }).level);
}

describe('stderrLogger and createStderrLogger', () => {
  it('writes info and up by default, one JSON object per line with the fields and msg', () => {
    assert.deepEqual(levelsWritten({}), ['info', 'warn', 'error']);
    const { lines } = run(
      `import { stderrLogger } from '${CORE}';
       stderrLogger.info({ event: 'licensegate.gate.started', tier: 'Premium' }, 'The gate started');`,
      {},
    );
    assert.deepEqual(
      lines.map((line) => JSON.parse(line) as unknown),
      [{ level: 'info', event: 'licensegate.gate.started', tier: 'Premium', msg: 'The gate started' }],
    );
  });

  it('writes warn and up under NODE_ENV=test (Jest, Vitest): a test suite sees no start and stop lines', () => {
    assert.deepEqual(levelsWritten({ NODE_ENV: 'test' }), ['warn', 'error']);
  });

  it('LICENSEGATE_LOG_LEVEL sets the level, over NODE_ENV, in any case and spacing', () => {
    assert.deepEqual(levelsWritten({ LICENSEGATE_LOG_LEVEL: 'debug', NODE_ENV: 'test' }), [
      'debug',
      'info',
      'warn',
      'error',
    ]);
    assert.deepEqual(levelsWritten({ LICENSEGATE_LOG_LEVEL: ' ERROR ' }), ['error']);
    assert.deepEqual(levelsWritten({ LICENSEGATE_LOG_LEVEL: 'silent' }), []);
  });

  it('an unknown LICENSEGATE_LOG_LEVEL: the default level, and one warning that says so on the first line written', () => {
    const { lines } = run(
      `import { stderrLogger } from '${CORE}';
       stderrLogger.debug({ event: 'licensegate.test.line' }, 'dropped');
       stderrLogger.info({ event: 'licensegate.test.line' }, 'one');
       stderrLogger.warn({ event: 'licensegate.test.line' }, 'two');`,
      { LICENSEGATE_LOG_LEVEL: 'verbose' },
    );
    const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.deepEqual(
      parsed.map((line) => [line['level'], line['event'], line['msg']]),
      [
        [
          'warn',
          'licensegate.gate.log_level_invalid',
          "LICENSEGATE_LOG_LEVEL must be one of 'debug', 'info', 'warn', 'error', 'silent'; using 'info'",
        ],
        ['info', 'licensegate.test.line', 'one'],
        ['warn', 'licensegate.test.line', 'two'],
      ],
    );
    assert.equal(parsed[0]?.['value'], 'verbose');
  });

  it('createStderrLogger({ level }) writes from that level; a field JSON cannot hold still gives a line', () => {
    const { lines } = run(
      `import { createStderrLogger } from '${CORE}';
       const logger = createStderrLogger({ level: 'warn' });
       logger.info({ event: 'licensegate.test.line' }, 'dropped');
       const cycle = {}; cycle.self = cycle;
       logger.warn({ event: 'licensegate.test.line', cycle }, 'kept');`,
      { LICENSEGATE_LOG_LEVEL: 'debug' },
    );
    assert.equal(lines.length, 1);
    const line = JSON.parse(lines[0] ?? '') as Record<string, unknown>;
    assert.equal(line['level'], 'warn');
    assert.equal(line['event'], 'licensegate.test.line');
    assert.equal(line['msg'], 'kept');
  });

  it('createStderrLogger() refuses an unknown level with ERR_LG_OPTION_LOGGER', () => {
    assert.throws(
      () => createStderrLogger({ level: 'verbose' as never }),
      (error: unknown) =>
        error instanceof LicenseGateConfigurationError &&
        error.code === 'ERR_LG_OPTION_LOGGER' &&
        /takes 'debug', 'info', 'warn', 'error', 'silent'; got "verbose"/.test(error.message),
    );
  });

  it('a gate on the default logger writes its started and stopped lines to stderr (and under NODE_ENV=test, not)', () => {
    const body = `
      import { startEmulator } from '${EMULATOR}';
      import { createLicenseGate } from '${CORE}';
      const lm = await startEmulator({ host: '127.0.0.1', port: 0 });
      lm.addLicenses([{ AwsMarketplace: true, LicenseName: 'l', ProductName: 'p', ProductSKU: 'prod-stderr',
        Issuer: { Name: 'AWS/Marketplace' }, HomeRegion: 'us-east-1', Validity: { Begin: '-1d', End: '+30d' },
        Beneficiary: '123456789012', Entitlements: [{ Name: 'Premium', Value: 'Enabled', Unit: 'None' }],
        ConsumptionConfiguration: { RenewType: 'None', ProvisionalConfiguration: { MaxTimeToLiveInMinutes: 60 } } }]);
      const gate = createLicenseGate({ productSku: 'prod-stderr', tiers: ['Basic', 'Premium'],
        client: { endpoint: lm.url, region: 'us-east-1' } });
      await gate.start();
      await gate.stop();
      await lm.close();`;
    const shown = run(body, {}).lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.deepEqual(
      shown.map((line) => [line['level'], line['event']]),
      [
        ['info', 'licensegate.gate.started'],
        ['info', 'licensegate.gate.stopped'],
      ],
    );
    assert.match(
      String(shown[0]?.['msg']),
      /^The gate started: license arn:aws:license-manager:.* AVAILABLE, valid until .*; tier Premium$/,
    );
    assert.deepEqual(run(body, { NODE_ENV: 'test' }).lines, []);
  });
});
