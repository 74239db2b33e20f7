/**
 * `licensegate doctor` against the emulator in strict-auth mode, with access keys limited to
 * chosen actions, as IAM would limit a role: the command runs as a child process (its compiled
 * entry, the code the bin shim imports), with the credentials in its environment as the SDK's
 * default chain finds them. Each scenario is a misconfiguration a buyer's operator meets: a missing
 * action, a wrong fingerprint, wrong tier names, an expired license, a skewed clock.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { LicenseManagerClient } from '@aws-sdk/client-license-manager';
import { startEmulator, type RunningEmulator } from '@licensegate/emulator';

import { AWS_MARKETPLACE_KEY_FINGERPRINT } from '../src/constants.js';
import { createLicenseGate } from '../src/gate.js';
import { CapturingLogger } from '../src/testing/capturing-logger.js';
import { resolveOptions, type LicenseGateOptions } from '../src/options.js';
import { neededActions } from '../src/doctor/needed-actions.js';
import { credentialProvider } from '../src/doctor/credentials-check.js';
import type { DoctorReport } from '../src/doctor/doctor-report.js';

const RUN = fileURLToPath(new URL('../src/cli/run.js', import.meta.url));
const DEMO = fileURLToPath(import.meta.resolve('@licensegate/emulator/licenses/demo.json'));
const TIERS = ['Basic', 'Intermediate', 'Premium'];

const ALL = { accessKeyId: 'AKIDDOCTORALL', secretAccessKey: 'all-secret' };
/** The Marketplace page's policy without CheckInLicense and ExtendLicenseConsumption. */
const NO_RETURNS = {
  accessKeyId: 'AKIDDOCTORNORETURN',
  secretAccessKey: 'no-return-secret',
  actions: ['license-manager:CheckoutLicense', 'license-manager:GetLicense', 'license-manager:ListReceivedLicenses'],
};
const NO_LIST = {
  accessKeyId: 'AKIDDOCTORNOLIST',
  secretAccessKey: 'no-list-secret',
  actions: ['license-manager:CheckoutLicense', 'license-manager:GetLicense', 'license-manager:CheckInLicense'],
};

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `licensegate ARGS` in a child process whose environment holds `key`'s credentials. */
function licensegate(
  args: readonly string[],
  env: Record<string, string | undefined> = {},
  cwd?: string,
): Promise<Run> {
  const base: Record<string, string | undefined> = {
    PATH: process.env['PATH'],
    HOME: process.env['HOME'],
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: ALL.accessKeyId,
    AWS_SECRET_ACCESS_KEY: ALL.secretAccessKey,
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  const merged: Record<string, string> = {};
  for (const [name, value] of Object.entries({ ...base, ...env })) if (value !== undefined) merged[name] = value;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [RUN, ...args],
      { env: merged, timeout: 30_000, ...(cwd !== undefined ? { cwd } : {}) },
      (error, stdout, stderr) => {
        if (error !== null && typeof error.code !== 'number') return reject(error);
        resolve({ code: error === null ? 0 : (error.code as number), stdout, stderr });
      },
    );
  });
}

function keyEnv(key: { accessKeyId: string; secretAccessKey: string }): Record<string, string> {
  return { AWS_ACCESS_KEY_ID: key.accessKeyId, AWS_SECRET_ACCESS_KEY: key.secretAccessKey };
}

function check(report: DoctorReport, id: string) {
  const found = report.checks.find((c) => c.id === id);
  assert.ok(found !== undefined, `no check ${id} in ${report.checks.map((c) => c.id).join(', ')}`);
  return found;
}

function parse(run: Run): DoctorReport {
  assert.equal(run.stderr, '', 'nothing on stderr');
  return JSON.parse(run.stdout) as DoctorReport;
}

describe('licensegate doctor (the command, against the strict-auth emulator)', function () {
  this.timeout(60_000);
  let lm: RunningEmulator;
  const endpoint = () => ['--endpoint', lm.url];

  before(async () => {
    lm = await startEmulator({
      licenses: DEMO,
      auth: 'strict',
      accessKeys: [ALL, NO_RETURNS, NO_LIST],
    });
    lm.addLicenses([
      {
        AwsMarketplace: true,
        LicenseName: 'Expired',
        ProductName: 'Expired',
        ProductSKU: 'lg-doctor-expired',
        Beneficiary: 'buyer',
        HomeRegion: 'us-east-1',
        Validity: { Begin: '-30d', End: '-1d' },
        Entitlements: [{ Name: 'Premium', Unit: 'None' }],
        ConsumptionConfiguration: { RenewType: 'None', ProvisionalConfiguration: { MaxTimeToLiveInMinutes: 60 } },
      },
      {
        AwsMarketplace: true,
        LicenseName: 'No check-in',
        ProductName: 'No check-in',
        ProductSKU: 'lg-doctor-no-checkin',
        Beneficiary: 'buyer',
        HomeRegion: 'us-east-1',
        Validity: { Begin: '-1d', End: '+365d' },
        Entitlements: [{ Name: 'ConcurrentUsers', Unit: 'Count', MaxCount: 5, AllowCheckIn: false }],
        ConsumptionConfiguration: { RenewType: 'None', ProvisionalConfiguration: { MaxTimeToLiveInMinutes: 20 } },
      },
    ]);
  });
  afterEach(() => lm.clock.reset());
  after(() => lm.close());

  it('all good: every check passes but the untestable checkout, and it exits 0', async () => {
    const run = await licensegate([
      'doctor',
      ...endpoint(),
      '--product-sku',
      'lg-demo-tiered',
      '--tier',
      TIERS.join(','),
    ]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /^\[ok\] {3}credentials +found, from environment variables \(AWS_ACCESS_KEY_ID/m);
    assert.match(
      run.stdout,
      /^\[ok\] {3}region +us-east-1; endpoint override http:\/\/127\.0\.0\.1:\d+ \(from client\.endpoint/m,
    );
    assert.match(run.stdout, /^\[ok\] {3}clock +this machine's clock is in step with License Manager's/m);
    assert.match(
      run.stdout,
      /^\[ok\] {3}action:CheckInLicense +license-manager:CheckInLicense allowed \(CheckInLicense of a token that cannot exist: ResourceNotFoundException/m,
    );
    assert.match(
      run.stdout,
      /^\[skip\] action:CheckoutLicense +license-manager:CheckoutLicense not tested: every checkout takes something/m,
    );
    assert.match(run.stdout, /^\[ok\] {3}entitlements +the license has tier "Intermediate"$/m);
    assert.match(run.stdout, /^OK: 9 passed, 0 warnings, 0 failed, 1 not checked\.$/m);
    assert.doesNotMatch(run.stdout, /IAM policy/);
    assert.equal(lm.emulator.dump().consumptions.length, 0, 'the doctor took nothing');
    assert.equal(lm.calls('CheckoutLicense'), 0, 'and made no checkout');
  });

  it('--json: the report with every check in order, and the counts', async () => {
    const report = parse(
      await licensegate([
        'doctor',
        ...endpoint(),
        '--product-sku',
        'lg-demo-configurable',
        '--seats',
        'ConcurrentUsers',
        '--drawdown',
        'DataConsumption',
        '--json',
      ]),
    );
    assert.deepEqual(
      report.checks.map((c) => [c.id, c.status]),
      [
        ['credentials', 'pass'],
        ['region', 'pass'],
        ['clock', 'pass'],
        ['action:ListReceivedLicenses', 'pass'],
        ['action:GetLicense', 'pass'],
        ['action:CheckoutLicense', 'skip'],
        ['action:CheckInLicense', 'pass'],
        ['action:ExtendLicenseConsumption', 'pass'],
        ['license', 'pass'],
        ['entitlements', 'pass'],
        ['lease', 'pass'],
      ],
    );
    assert.deepEqual(Object.keys(report).sort(), [
      'checks',
      'counts',
      'iamPolicyToAdd',
      'keyFingerprint',
      'ok',
      'productSku',
    ]);
    assert.equal(report.ok, true);
    assert.deepEqual(report.counts, { pass: 10, warn: 0, fail: 0, skip: 1 });
    assert.equal(report.iamPolicyToAdd, null);
    assert.equal(report.keyFingerprint, AWS_MARKETPLACE_KEY_FINGERPRINT);
    assert.deepEqual(
      {
        provider: check(report, 'credentials').data?.['provider'],
        marked: check(report, 'credentials').data?.['markedBySdk'],
      },
      { provider: 'environment variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)', marked: true },
    );
    assert.equal(check(report, 'region').data?.['endpointOverride'], lm.url);
    assert.equal(typeof check(report, 'clock').data?.['skewMs'], 'number');
    assert.deepEqual(check(report, 'lease').data?.['seats'], {
      entitlement: 'ConcurrentUsers',
      keepAliveMs: 30 * 60_000,
      allowCheckIn: true,
    });
    assert.equal(check(report, 'lease').data?.['provisionalTtlMs'], 60 * 60_000);
  });

  it('a missing action: CheckInLicense and ExtendLicenseConsumption denied, the IAM policy to add, exit 1', async () => {
    const run = await licensegate(
      ['doctor', ...endpoint(), '--product-sku', 'lg-demo-configurable', '--seats', 'ConcurrentUsers', '--json'],
      keyEnv(NO_RETURNS),
    );
    assert.equal(run.code, 1);
    const report = parse(run);
    assert.equal(report.ok, false);
    for (const action of ['CheckInLicense', 'ExtendLicenseConsumption']) {
      const line = check(report, `action:${action}`);
      assert.equal(line.status, 'fail');
      assert.equal(line.data?.['answer'], 'AccessDeniedException');
      assert.match(line.fix ?? '', new RegExp(`Add license-manager:${action} to the role's policy`));
    }
    assert.equal(check(report, 'action:GetLicense').status, 'pass');
    assert.deepEqual(report.iamPolicyToAdd, {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: ['license-manager:CheckInLicense', 'license-manager:ExtendLicenseConsumption'],
          Resource: '*',
        },
      ],
    });
    const text = await licensegate(
      ['doctor', ...endpoint(), '--product-sku', 'lg-demo-configurable', '--seats', 'ConcurrentUsers'],
      keyEnv(NO_RETURNS),
    );
    assert.equal(text.code, 1);
    assert.match(
      text.stdout,
      /^\[FAIL\] action:CheckInLicense +license-manager:CheckInLicense denied \(AccessDeniedException\)/m,
    );
    assert.match(text.stdout, /IAM policy to add to the role the app runs with:\n\{\n {2}"Version": "2012-10-17"/);
    assert.match(text.stdout, /^FAILED: \d+ passed, 0 warnings, 2 failed, 1 not checked\.$/m);
  });

  it('a tier gate needs no ExtendLicenseConsumption; ListReceivedLicenses denied leaves the license unchecked', async () => {
    const report = parse(
      await licensegate(
        [
          'doctor',
          ...endpoint(),
          '--product-sku',
          'lg-demo-tiered',
          '--tier',
          'Basic',
          '--tier',
          'Intermediate',
          '--json',
        ],
        keyEnv(NO_LIST),
      ),
    );
    assert.ok(!report.checks.some((c) => c.id === 'action:ExtendLicenseConsumption'));
    assert.equal(check(report, 'action:ListReceivedLicenses').status, 'fail');
    assert.equal(
      check(report, 'action:GetLicense').status,
      'pass',
      'GetLicense of an ARN no license has: IAM let it through',
    );
    assert.equal(check(report, 'license').status, 'skip');
    assert.deepEqual(report.iamPolicyToAdd?.Statement[0]?.Action, ['license-manager:ListReceivedLicenses']);
  });

  it('a wrong fingerprint: no license, and the fingerprint the SKU is issued with', async () => {
    const run = await licensegate([
      'doctor',
      ...endpoint(),
      '--product-sku',
      'lg-demo-tiered',
      '--tier',
      TIERS.join(','),
      '--fingerprint',
      'aws:123456789012:Someone:issuer-fingerprint',
    ]);
    assert.equal(run.code, 1);
    assert.match(
      run.stdout,
      /^\[FAIL\] license +no license for lg-demo-tiered with fingerprint aws:123456789012:Someone:issuer-fingerprint; one for lg-demo-tiered is issued with aws:294406891311:AWS\/Marketplace:issuer-fingerprint$/m,
    );
    assert.match(
      run.stdout,
      /fix: Set keyFingerprint to "aws:294406891311:AWS\/Marketplace:issuer-fingerprint" \(flag --fingerprint\)/,
    );
    assert.match(run.stdout, /^\[skip\] entitlements +not checked: no license$/m);
  });

  it('a SKU with a typo: did you mean the received one', async () => {
    const report = parse(
      await licensegate(['doctor', ...endpoint(), '--product-sku', 'lg-demo-tierd', '--tier', 'Basic', '--json']),
    );
    assert.equal(check(report, 'license').status, 'fail');
    assert.match(check(report, 'license').summary, /did you mean "lg-demo-tiered"\?$/);
  });

  it('wrong tier names: none in the license, with a did-you-mean for the near miss', async () => {
    const run = await licensegate([
      'doctor',
      ...endpoint(),
      '--product-sku',
      'lg-demo-tiered',
      '--tier',
      'Basic,Intermedate,Premium',
    ]);
    assert.equal(run.code, 1);
    assert.match(
      run.stdout,
      /^\[FAIL\] entitlements +none of the tiers "Basic", "Intermedate", "Premium" is a Unit None entitlement of the license, which has "Intermediate"; did you mean "Intermediate" for "Intermedate"\?$/m,
    );
    assert.match(
      run.stdout,
      /fix: In the options: rename tier "Intermedate" to "Intermediate", as the license names it\./,
    );
  });

  it('a wrong seat entitlement and dimension unit: did-you-mean and the unit the license has', async () => {
    const report = parse(
      await licensegate([
        'doctor',
        ...endpoint(),
        '--product-sku',
        'lg-demo-configurable',
        '--seats',
        'ConcurentUsers',
        '--drawdown',
        'DataConsumption:Gigabytes',
        '--json',
      ]),
    );
    const line = check(report, 'entitlements');
    assert.equal(line.status, 'fail');
    assert.match(
      line.summary,
      /seats "ConcurentUsers" \(did you mean "ConcurrentUsers"\?\) is not an entitlement of the license/,
    );
    assert.match(line.summary, /drawdown "DataConsumption" has Unit Count in the license, not Gigabytes/);
    assert.match(
      line.fix ?? '',
      /rename seats "ConcurentUsers" to "ConcurrentUsers"; set drawdown\.DataConsumption\.unit to "Count"/,
    );
  });

  it('an expired license: the license fails, with when it ended', async () => {
    const run = await licensegate(['doctor', ...endpoint(), '--product-sku', 'lg-doctor-expired', '--tier', 'Premium']);
    assert.equal(run.code, 1);
    assert.match(
      run.stdout,
      /^\[FAIL\] license +arn:aws:license-manager::294406891311:license:l-\w+ \(version 1\), status EXPIRED, valid \S+ to \S+: expired 1 day ago$/m,
    );
    assert.match(run.stdout, /fix: The buyer renews the subscription/);
  });

  it('the lease: AllowCheckIn false on the seat entitlement and a lease shorter than the keep-alive fail', async () => {
    const report = parse(
      await licensegate([
        'doctor',
        ...endpoint(),
        '--product-sku',
        'lg-doctor-no-checkin',
        '--seats',
        'ConcurrentUsers',
        '--json',
      ]),
    );
    const lease = check(report, 'lease');
    assert.equal(lease.status, 'fail');
    assert.match(lease.summary, /seats are extended every 30 min, not within the 20 min lease/);
    assert.match(lease.summary, /"ConcurrentUsers" has AllowCheckIn false: CheckInLicense is refused/);
    assert.equal(lease.data?.['provisionalTtlMs'], 20 * 60_000);
  });

  it('clock skew: 2 minutes warns (exit 0), 20 minutes fails though the SDK then corrects its signing clock', async () => {
    lm.clock.skew(-2 * 60_000);
    const warn = await licensegate([
      'doctor',
      ...endpoint(),
      '--product-sku',
      'lg-demo-tiered',
      '--tier',
      'Intermediate',
      '--json',
    ]);
    assert.equal(warn.code, 0);
    const clock = check(parse(warn), 'clock');
    assert.equal(clock.status, 'warn');
    assert.ok(Math.abs((clock.data?.['skewMs'] as number) - 120_000) < 3_000, `skew ${String(clock.data?.['skewMs'])}`);
    assert.match(clock.summary, /this machine's clock is 2 min \d+ s ahead of License Manager's/);

    lm.clock.skew(20 * 60_000);
    const run = await licensegate([
      'doctor',
      ...endpoint(),
      '--product-sku',
      'lg-demo-tiered',
      '--tier',
      'Intermediate',
    ]);
    assert.equal(run.code, 1);
    assert.match(
      run.stdout,
      /^\[FAIL\] clock +this machine's clock is (19 min 5\d|20 min \d) s behind License Manager's .*more than 5 minutes/m,
    );
    assert.match(run.stdout, /fix: Synchronise the clock with NTP/);
    assert.match(run.stdout, /^\[ok\] {3}license /m, 'the calls after the first are signed on the corrected clock');
  });

  it('credentials: none found fails with the chain to set; refused ones fail too', async () => {
    const home = mkdtempSync(join(tmpdir(), 'lg-doctor-home-'));
    try {
      const none = await licensegate(['doctor', ...endpoint(), '--product-sku', 'lg-demo-tiered', '--tier', 'Basic'], {
        AWS_ACCESS_KEY_ID: undefined,
        AWS_SECRET_ACCESS_KEY: undefined,
        HOME: home,
      });
      assert.equal(none.code, 1);
      assert.match(none.stdout, /^\[FAIL\] credentials +none found: /m);
      assert.match(none.stdout, /fix: Run the app with a role/);
      assert.match(none.stdout, /^\[skip\] action:GetLicense +not checked: no credentials$/m);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
    const refused = parse(
      await licensegate(['doctor', ...endpoint(), '--product-sku', 'lg-demo-tiered', '--tier', 'Basic', '--json'], {
        AWS_ACCESS_KEY_ID: 'AKIDSTRANGER',
        AWS_SECRET_ACCESS_KEY: 'nope',
      }),
    );
    assert.equal(check(refused, 'credentials').status, 'fail');
    assert.match(
      check(refused, 'credentials').summary,
      /but License Manager refused them: UnrecognizedClientException$/,
    );
  });

  it('no Region: the region line fails with where to set it, and nothing is called', async () => {
    const before = lm.calls();
    const run = await licensegate(['doctor', ...endpoint(), '--product-sku', 'lg-demo-tiered', '--tier', 'Basic'], {
      AWS_REGION: undefined,
      HOME: tmpdir(),
    });
    assert.equal(run.code, 1);
    assert.match(run.stdout, /^\[FAIL\] region +no Region: Region is missing$/m);
    assert.match(run.stdout, /fix: Set AWS_REGION/);
    assert.equal(lm.calls(), before);
  });

  it('an endpoint that does not answer fails the region line', async () => {
    const report = parse(
      await licensegate([
        'doctor',
        '--endpoint',
        'http://127.0.0.1:9',
        '--product-sku',
        'lg-demo-tiered',
        '--tier',
        'Basic',
        '--json',
      ]),
    );
    assert.equal(check(report, 'region').status, 'fail');
    assert.match(check(report, 'region').summary, /License Manager did not answer \(ECONNREFUSED/);
    assert.equal(check(report, 'license').status, 'skip');
  });

  it('reads the options from a .json or .mjs config file; flags override it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lg-doctor-config-'));
    try {
      writeFileSync(
        join(dir, 'gate.json'),
        JSON.stringify({ productSku: 'lg-demo-tiered', tiers: TIERS, client: { endpoint: lm.url } }),
      );
      writeFileSync(
        join(dir, 'gate.mjs'),
        `export default { productSku: 'lg-demo-configurable', seats: { entitlement: 'ConcurrentUsers' }, client: { endpoint: ${JSON.stringify(lm.url)} } };\n`,
      );
      const json = parse(await licensegate(['doctor', '--config', 'gate.json', '--json'], {}, dir));
      assert.equal(json.ok, true);
      assert.equal(json.productSku, 'lg-demo-tiered');
      const mjs = parse(await licensegate(['doctor', '--config', join(dir, 'gate.mjs'), '--json'], {}, dir));
      assert.equal(mjs.ok, true);
      assert.ok(mjs.checks.some((c) => c.id === 'action:ExtendLicenseConsumption'));
      const overridden = parse(
        await licensegate(['doctor', '--config', 'gate.json', '--tier', 'Gold', '--json'], {}, dir),
      );
      assert.equal(check(overridden, 'entitlements').status, 'fail');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exit 2 with a coded message for bad flags, bad options and an unreadable config', async () => {
    const cases: [string[], RegExp][] = [
      [['doctor', '--tierz', 'Basic'], /^licensegate doctor: ERR_LG_CLI_USAGE: Unknown option '--tierz'/],
      [['doctor', '--tier', 'Basic'], /^licensegate doctor: ERR_LG_OPTION_PRODUCT_SKU: productSku is required/],
      [['doctor', '--product-sku', 'x'], /^licensegate doctor: ERR_LG_OPTION_NOTHING_TO_GATE/],
      [
        ['doctor', '--product-sku', 'x', '--tier', 'A', '--fingerprint', 'nope'],
        /^licensegate doctor: ERR_LG_OPTION_KEY_FINGERPRINT/,
      ],
      [
        ['doctor', '--config', 'missing.json'],
        /^licensegate doctor: ERR_LG_CLI_CONFIG: --config \S+missing\.json: cannot be read \(ENOENT\)/,
      ],
      [['doctor', '--seats', 'A:B:C', '--product-sku', 'x'], /ERR_LG_CLI_USAGE: --seats takes NAME or NAME:UNIT/],
      [['frobnicate'], /^licensegate: ERR_LG_CLI_USAGE: unknown command "frobnicate"/],
    ];
    for (const [args, expected] of cases) {
      const run = await licensegate(args);
      assert.equal(run.code, 2, args.join(' '));
      assert.match(run.stderr, expected);
      assert.equal(run.stdout, '');
    }
    const help = await licensegate(['doctor', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage: licensegate doctor/);
  });
});

describe('the actions the doctor requires are the ones the engine calls', function () {
  this.timeout(30_000);

  /**
   * A gate whose key may call only what neededActions() lists runs its lifecycle (start, a
   * refresh, a seat taken and returned, units debited and reported, stop) against the strict-auth
   * emulator: no call is refused, and every operation it made is in the list.
   */
  async function lifecycle(
    options: Omit<LicenseGateOptions, 'client'>,
    run: (gate: ReturnType<typeof createLicenseGate>) => Promise<void>,
  ) {
    const needed = neededActions(resolveOptions(options)).map((n) => n.action);
    const key = { accessKeyId: 'AKIDNEEDED', secretAccessKey: 'needed-secret', actions: needed };
    const lm = await startEmulator({ licenses: DEMO, auth: 'strict', accessKeys: [key] });
    const client = new LicenseManagerClient({
      endpoint: lm.url,
      region: 'us-east-1',
      credentials: key,
      maxAttempts: 1,
    });
    try {
      const logger = new CapturingLogger();
      const gate = createLicenseGate({ ...options, client, logger });
      await gate.start();
      await run(gate);
      await gate.stop();
      const counts = lm.emulator.callCounts();
      // A gate with seats probes CheckInLicense and ExtendLicenseConsumption once at start, with a
      // token that cannot exist: one error each (not found), which the gate takes as the action allowed.
      const probed = options.seats === undefined ? [] : ['CheckInLicense', 'ExtendLicenseConsumption'];
      assert.deepEqual(
        logger.events('licensegate.gate.permission_missing'),
        [],
        'the start-up probe found no action missing',
      );
      assert.deepEqual(
        Object.entries(counts).filter(([op, c]) => c.errors > (probed.includes(op) ? 1 : 0)),
        [],
        'no call was refused (beyond the start-up probe of a seat gate)',
      );
      const made = Object.keys(counts);
      assert.ok(made.length > 0);
      assert.deepEqual(
        made.filter((op) => !needed.includes(op as never)),
        [],
        `made ${made.join(', ')}; needed ${needed.join(', ')}`,
      );
      return made;
    } finally {
      client.destroy();
      await lm.close();
    }
  }

  it('tiers: checkout, license read, check-in of the superseded checkout', async () => {
    const made = await lifecycle({ productSku: 'lg-demo-tiered', tiers: TIERS }, async (gate) => {
      assert.equal(gate.tier, 'Intermediate');
      await gate.refresh();
    });
    assert.deepEqual(made.sort(), ['CheckInLicense', 'CheckoutLicense', 'GetLicense']);
  });

  it('seats and drawdown: checkout, check-in, the license poller', async () => {
    const made = await lifecycle(
      {
        productSku: 'lg-demo-configurable',
        seats: { entitlement: 'ConcurrentUsers' },
        drawdown: { DataConsumption: { mode: 'sync' } },
      },
      async (gate) => {
        await gate.seats.acquire('session-1');
        assert.equal(await gate.seats.release('session-1'), true);
        await gate.drawdown.debit('DataConsumption', 3);
      },
    );
    assert.ok(made.includes('CheckInLicense') && made.includes('CheckoutLicense'), made.join(', '));
  });
});

describe('credentialProvider', () => {
  it("names the provider from the SDK's $source marks", () => {
    assert.match(
      credentialProvider({ $source: { CREDENTIALS_HTTP: 'z' } }, {}).provider,
      /container credentials endpoint/,
    );
    assert.match(
      credentialProvider(
        { $source: { CREDENTIALS_STS_ASSUME_ROLE_WEB_ID: 'k', CREDENTIALS_ENV_VARS_STS_WEB_ID_TOKEN: 'h' } },
        {},
      ).provider,
      /web identity token/,
    );
    assert.match(
      credentialProvider({ $source: { CREDENTIALS_PROFILE: 'n' } }, {}).provider,
      /shared config\/credentials file profile/,
    );
    assert.match(credentialProvider({ $source: { CREDENTIALS_PROCESS: 'w' } }, {}).provider, /credential_process/);
  });

  it('infers it from the environment, and says so, when the SDK marked nothing (IMDS, older SDKs)', () => {
    const unmarked = (env: NodeJS.ProcessEnv) => credentialProvider({}, env);
    assert.deepEqual(unmarked({}).marked, false);
    assert.match(unmarked({}).provider, /^EC2 instance metadata \(IMDS\).* \(inferred/);
    assert.match(
      unmarked({ AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/creds' }).provider,
      /^container credentials endpoint/,
    );
    assert.match(unmarked({ AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b' }).provider, /^environment variables/);
    assert.match(unmarked({ AWS_PROFILE: 'prod' }).provider, /^shared config\/credentials file profile "prod"/);
  });
});
