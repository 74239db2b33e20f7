import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { startEmulator, type RunningEmulator } from '@licensegate/emulator';

// Cross-tool end to end: the Debian AWS CLI v2 runs the checkout-license commands of the AWS Marketplace
// Seller Guide page "Contract pricing for AMI products with AWS License Manager" against the emulator
// (ARCHITECTURE.md F-6, F-10: the CLI v2.9 needs --endpoint-url and exits 254 on a service error).

const run = promisify(execFile);

// The full path on purpose: a pip-installed CLI v1 may come first on PATH as `aws`, and it differs (exit 255).
const AWS_CLI = '/usr/bin/aws';
const CALL_TIMEOUT_MS = 30_000;
const DEMO_LICENSES = fileURLToPath(import.meta.resolve('@licensegate/emulator/licenses/demo.json'));

// The page's product, issuer fingerprint and client token, verbatim.
const SKU = '2205b290-19e6-4c76-9eea-377d6bf7la47';
const FINGERPRINT = 'aws:294406891311:AWS/Marketplace:issuer-fingerprint';
const PAGE_CLIENT_TOKEN = 'AKIAIOSFODNN7EXAMPLE';

interface EntitlementData {
  Name: string;
  Value?: string;
  Unit: string;
}

interface CheckoutOutput {
  CheckoutType: string;
  LicenseConsumptionToken: string;
  EntitlementsAllowed: EntitlementData[];
  IssuedAt: string;
  Expiration: string;
  LicenseArn: string;
}

interface LicenseUsageOutput {
  LicenseUsage: { EntitlementUsages: { Name: string; ConsumedValue: string; MaxCount?: string; Unit: string }[] };
}

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

// Built from nothing rather than from process.env: tools/test-env.cjs sets the SDK's test key, and a
// developer's AWS_PROFILE or ~/.aws/config (e.g. `output = text`, a pager) must not change what the CLI does.
function cliEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    AWS_ACCESS_KEY_ID: 'AKIDCLI',
    AWS_SECRET_ACCESS_KEY: 'dummy',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_PAGER: '',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  };
  if (process.env['PATH'] !== undefined) env['PATH'] = process.env['PATH'];
  if (process.env['HOME'] !== undefined) env['HOME'] = process.env['HOME'];
  return env;
}

/** Runs `/usr/bin/aws ARGS`; answers its exit code and output, and throws only when it could not run or timed out. */
async function aws(args: readonly string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(AWS_CLI, args, { env: cliEnv(), timeout: CALL_TIMEOUT_MS });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as Error & { code?: unknown; stdout?: string; stderr?: string; killed?: boolean };
    if (typeof failure.code !== 'number' || failure.killed === true) throw error;
    return { code: failure.code, stdout: failure.stdout ?? '', stderr: failure.stderr ?? '' };
  }
}

/** Parses the JSON the CLI printed for a call that must have succeeded. */
function succeeded<T>(result: CliResult): T {
  assert.equal(result.code, 0, `aws exited ${result.code}; stderr: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

/** A checkout time (`2026-11-27T22:20:34`, as License Manager sends it: no zone, meaning UTC) in epoch ms. */
function checkoutTimeMs(text: string): number {
  assert.match(text, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/);
  // Date.parse reads a date-time without a zone as local time; License Manager's times are UTC.
  return Date.parse(/(Z|[+-]\d{2}:\d{2})$/.test(text) ? text : `${text}Z`);
}

describe('AWS CLI v2 runs the AWS Marketplace page checkout-license commands against the emulator', function () {
  // Each CLI call takes about 0.6-1.3 s (Python start-up), and some tests make three.
  this.timeout(4 * CALL_TIMEOUT_MS);

  // Undefined when `before` skipped the suite; `after` still runs then.
  let lm: RunningEmulator | undefined;

  function endpoint(): string {
    assert.ok(lm, 'the emulator is not running');
    return lm.url;
  }

  /** The common part of the page's commands, plus the endpoint. */
  function checkout(checkoutType: string, entitlements: readonly string[], clientToken: string): string[] {
    return [
      'license-manager',
      'checkout-license',
      '--endpoint-url',
      endpoint(),
      '--product-sku',
      SKU,
      '--checkout-type',
      checkoutType,
      '--key-fingerprint',
      FINGERPRINT,
      '--entitlements',
      ...entitlements,
      '--client-token',
      clientToken,
    ];
  }

  // The page's drawdown command; `Value=10` where the page prints the scanning typo `Value=l0`. The spaces
  // after the commas are the page's, and the CLI's shorthand parser accepts them.
  const perpetualCommand = (): string[] =>
    checkout('PERPETUAL', ['Name=DataConsumption, Value=10, Unit=Count'], PAGE_CLIENT_TOKEN);

  before(async function () {
    try {
      await access(AWS_CLI, constants.X_OK);
    } catch {
      console.log(
        `  aws-cli.spec: skipped, ${AWS_CLI} (Debian package awscli, AWS CLI v2) is missing: apt-get install -y awscli`,
      );
      this.skip();
    }
    // A v1 CLI at this path would fail every exit-code check below; say why at once instead.
    const version = await aws(['--version']);
    assert.match(version.stdout, /^aws-cli\/2\./, `${AWS_CLI} is not AWS CLI v2: ${version.stdout}${version.stderr}`);
    lm = await startEmulator({ licenses: DEMO_LICENSES });
  });

  // The page reuses its client token AKIAIOSFODNN7EXAMPLE for two different checkouts, which the emulator
  // (like any idempotent API) refuses as a ValidationException; each page example therefore starts afresh.
  beforeEach(function () {
    lm?.reset();
  });

  after(async function () {
    await lm?.close();
  });

  it('drawdown: the PERPETUAL command checks out 10 units of DataConsumption', async function () {
    const out = succeeded<CheckoutOutput>(await aws(perpetualCommand()));
    assert.equal(out.CheckoutType, 'PERPETUAL');
    assert.deepEqual(out.EntitlementsAllowed, [{ Name: 'DataConsumption', Value: '10', Unit: 'Count' }]);
    assert.match(out.LicenseConsumptionToken, /\S/);
    assert.match(out.LicenseArn, /^arn:aws:license-manager::294406891311:license:l-[0-9a-f]{32}$/);
  });

  it('drawdown: repeating the PERPETUAL command with the same client token replays it and consumes once', async function () {
    const first = succeeded<CheckoutOutput>(await aws(perpetualCommand()));
    const second = succeeded<CheckoutOutput>(await aws(perpetualCommand()));
    assert.equal(second.LicenseConsumptionToken, first.LicenseConsumptionToken);
    const usage = succeeded<LicenseUsageOutput>(
      await aws([
        'license-manager',
        'get-license-usage',
        '--endpoint-url',
        endpoint(),
        '--license-arn',
        first.LicenseArn,
      ]),
    );
    const data = usage.LicenseUsage.EntitlementUsages.find((e) => e.Name === 'DataConsumption');
    assert.equal(data?.ConsumedValue, '10');
  });

  it('floating: the PROVISIONAL command checks out 10 ReadOnlyUSers for one hour', async function () {
    const out = succeeded<CheckoutOutput>(
      await aws(checkout('PROVISIONAL', ['Name=ReadOnlyUSers, Value=10, Unit=Count'], PAGE_CLIENT_TOKEN)),
    );
    assert.equal(out.CheckoutType, 'PROVISIONAL');
    assert.deepEqual(out.EntitlementsAllowed, [{ Name: 'ReadOnlyUSers', Value: '10', Unit: 'Count' }]);
    assert.equal(checkoutTimeMs(out.Expiration) - checkoutTimeMs(out.IssuedAt), 60 * 60_000);
  });

  it('tiered: listing every tier answers only the tier bought, IntermediateTier', async function () {
    // The page's tier list is garbled (a tab, a stray backslash) and has no --client-token, which the model
    // requires; this is the well-formed equivalent.
    const tiers = ['Name=BasicTier,Unit=None', 'Name=IntermediateTier,Unit=None', 'Name=PremiumTier,Unit=None'];
    const out = succeeded<CheckoutOutput>(await aws(checkout('PROVISIONAL', tiers, 'licensegate-tier-example')));
    assert.deepEqual(
      out.EntitlementsAllowed.map((e) => [e.Name, e.Unit]),
      [['IntermediateTier', 'None']],
    );
  });

  it('a checkout of more than the license holds (Value=2000) fails with NoEntitlementsAllowedException', async function () {
    const result = await aws(
      checkout('PERPETUAL', ['Name=DataConsumption, Value=2000, Unit=Count'], 'licensegate-too-much'),
    );
    assert.equal(result.code, 254, `stdout: ${result.stdout}; stderr: ${result.stderr}`);
    assert.ok(
      result.stderr.includes(
        'An error occurred (NoEntitlementsAllowedException) when calling the CheckoutLicense operation',
      ),
      result.stderr,
    );
  });
});
