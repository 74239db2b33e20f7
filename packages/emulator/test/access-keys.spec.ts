/** Access keys limited to actions: `--access-key AKID:SECRET[:ACTIONS]` and `startEmulator({ accessKeys })`. */
import assert from 'node:assert/strict';

import {
  CheckInLicenseCommand,
  GetLicenseCommand,
  GetLicenseUsageCommand,
  ListReceivedLicensesCommand,
} from '@aws-sdk/client-license-manager';

import { optionsFromArgs } from '../src/cli-options.js';
import { EmulatorError, startEmulator, type AccessKey, type EmulatorOptions } from '../src/index.js';
import { CONFIGURABLE_ARN, checkout, expectAwsError, standardSeeds, useEmulator } from './support/emulator-fixture.js';

/** The access keys `--access-key SPEC` gives. */
function keysOf(...specs: string[]): readonly AccessKey[] | undefined {
  const options = optionsFromArgs(specs.flatMap((spec) => ['--access-key', spec]));
  assert.ok(typeof options === 'object');
  return options.accessKeys;
}

function isBadOption(error: unknown): boolean {
  return error instanceof EmulatorError && error.code === 'ERR_LG_EMU_BAD_OPTION';
}

describe('--access-key AKID:SECRET[:ACTIONS]', () => {
  it('takes the first two fields as the key and secret, and everything after the second colon as the actions', () => {
    assert.deepEqual(keysOf('AKID:SECRET'), [{ accessKeyId: 'AKID', secretAccessKey: 'SECRET' }]);
    assert.deepEqual(keysOf('AKID:SECRET:license-manager:Get*,CheckoutLicense'), [
      { accessKeyId: 'AKID', secretAccessKey: 'SECRET', actions: ['license-manager:Get*', 'CheckoutLicense'] },
    ]);
    assert.deepEqual(keysOf('AKID:wJal/rXUt+nFEMI:*'), [
      { accessKeyId: 'AKID', secretAccessKey: 'wJal/rXUt+nFEMI', actions: ['*'] },
    ]);
    assert.deepEqual(keysOf('AKID:SECRET:license-manager:*, LICENSE-MANAGER:Check?nLicense'), [
      {
        accessKeyId: 'AKID',
        secretAccessKey: 'SECRET',
        actions: ['license-manager:*', 'LICENSE-MANAGER:Check?nLicense'],
      },
    ]);
  });

  it('refuses a spec it cannot read with ERR_LG_EMU_BAD_OPTION saying how to write one', () => {
    for (const spec of [
      'AKID',
      'AKID:',
      ':SECRET',
      'AKID:SECRET:',
      'AKID:SECRET:GetLicense,',
      'AKID:SECRET:GetLicense,,CheckoutLicense',
      'AKID:SECRET:s3:GetObject',
      'AKID:SECRET:license-manager:Get License',
      'AKID:SECRET:license-manager:Get:*',
      'AKID:SECRET:license-manager:',
      'AKID:SECRET:*:GetLicense',
    ]) {
      assert.throws(
        () => keysOf(spec),
        (error: unknown) => {
          assert.ok(isBadOption(error), `${spec}: ${String(error)}`);
          assert.match((error as Error).message, /AKID:SECRET\[:ACTIONS\]/, spec);
          assert.match((error as Error).message, /license-manager:Get\*/, spec);
          return true;
        },
      );
    }
  });

  it('refuses two keys with the same access key id', () => {
    assert.throws(() => keysOf('AKID:one', 'AKID:two'), isBadOption);
  });
});

describe('startEmulator({ accessKeys }) with action patterns, through the real SDK', () => {
  const lm = useEmulator(
    () => ({
      licenses: standardSeeds(),
      auth: 'strict',
      accessKeys: [
        {
          accessKeyId: 'AKIDREADER',
          secretAccessKey: 'reader-secret',
          actions: ['license-manager:Get*', 'CheckoutLicense'],
        },
        { accessKeyId: 'AKIDNONE', secretAccessKey: 'none-secret', actions: [] },
      ],
    }),
    { each: false },
  );

  it('serves the allowed actions and answers the others with AccessDeniedException', async () => {
    const reader = lm.clientFor({ credentials: { accessKeyId: 'AKIDREADER', secretAccessKey: 'reader-secret' } });
    const seat = await checkout(reader);
    await reader.send(new GetLicenseCommand({ LicenseArn: CONFIGURABLE_ARN }));
    await reader.send(new GetLicenseUsageCommand({ LicenseArn: CONFIGURABLE_ARN }));
    await expectAwsError(reader.send(new ListReceivedLicensesCommand({})), 'AccessDeniedException', 401);
    await expectAwsError(
      reader.send(new CheckInLicenseCommand({ LicenseConsumptionToken: seat.LicenseConsumptionToken })),
      'AccessDeniedException',
      401,
    );
    const none = lm.clientFor({ credentials: { accessKeyId: 'AKIDNONE', secretAccessKey: 'none-secret' } });
    await expectAwsError(
      none.send(new GetLicenseCommand({ LicenseArn: CONFIGURABLE_ARN })),
      'AccessDeniedException',
      401,
    );
  });

  it('refuses bad action patterns and twice-listed keys with ERR_LG_EMU_BAD_OPTION', async () => {
    const bad: EmulatorOptions['accessKeys'][] = [
      [{ accessKeyId: 'A', secretAccessKey: 'S', actions: ['s3:*'] }],
      [{ accessKeyId: 'A', secretAccessKey: 'S', actions: [''] }],
      [{ accessKeyId: 'A', secretAccessKey: 'S', actions: ['Get License'] }],
      [{ accessKeyId: 'A', secretAccessKey: 'S', actions: ['license-manager:Get:*'] }],
      [{ accessKeyId: 'A', secretAccessKey: 'S', actions: [42 as unknown as string] }],
      [{ accessKeyId: 'A', secretAccessKey: 'S', actions: 'GetLicense' as unknown as string[] }],
      [
        { accessKeyId: 'A', secretAccessKey: 'S' },
        { accessKeyId: 'A', secretAccessKey: 'T' },
      ],
    ];
    for (const accessKeys of bad) {
      await assert.rejects(
        startEmulator({ port: 0, auth: 'strict', ...(accessKeys !== undefined ? { accessKeys } : {}) }),
        isBadOption,
        JSON.stringify(accessKeys),
      );
    }
  });
});
