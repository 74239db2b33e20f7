/** The `licensegate-emulator` command, run as a child process from the compiled test build. */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import {
  CheckInLicenseCommand,
  GetLicenseCommand,
  GetLicenseUsageCommand,
  ListReceivedLicensesCommand,
  type LicenseManagerClient,
} from '@aws-sdk/client-license-manager';

import { MARKETPLACE_FINGERPRINT, checkout, clientFor, expectAwsError } from './support/emulator-fixture.js';

/** The repository root: this file runs from packages/emulator/build-test/test/. */
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const CLI = join(ROOT, 'packages/emulator/build-test/src/cli.js');
const DEMO = join(ROOT, 'packages/emulator/licenses/demo.json');

interface Cli {
  child: ChildProcess;
  /** Everything written to stdout / stderr so far. */
  out: () => string;
  err: () => string;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children: ChildProcess[] = [];

function run(args: string[]): Cli {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (text: string) => (out += text));
  child.stderr?.setEncoding('utf8').on('data', (text: string) => (err += text));
  const exited = once(child, 'exit').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }));
  return { child, out: () => out, err: () => err, exited };
}

/** Waits until the emulator has printed its first line, and answers its URL. */
async function listening(cli: Cli): Promise<string> {
  const deadline = Date.now() + 8_000;
  while (!cli.out().includes('\n')) {
    if (cli.child.exitCode !== null) assert.fail(`the emulator exited (${cli.child.exitCode}): ${cli.err()}`);
    if (Date.now() > deadline) assert.fail(`the emulator printed nothing; stderr: ${cli.err()}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const match = /^listening on (http:\/\/127\.0\.0\.1:(\d+))\n/.exec(cli.out());
  assert.ok(match !== null, `a first line "listening on http://127.0.0.1:PORT", got ${JSON.stringify(cli.out())}`);
  assert.ok(Number(match[2]) > 0);
  return match[1] as string;
}

/** The exit of a command that must stop by itself within `ms` (killed, and the test failed, if not). */
async function exitWithin(cli: Cli, ms = 5_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const timer = setTimeout(() => cli.child.kill('SIGKILL'), ms);
  const exit = await cli.exited;
  clearTimeout(timer);
  assert.notEqual(exit.signal, 'SIGKILL', `still running after ${ms} ms; stdout: ${cli.out()}`);
  return exit;
}

describe('licensegate-emulator command line', function () {
  this.timeout(10_000);
  let client: LicenseManagerClient | undefined;
  let scratch: string | undefined;

  afterEach(async () => {
    client?.destroy();
    client = undefined;
    for (const child of children.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await once(child, 'exit');
      }
    }
    if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
    scratch = undefined;
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`--port 0 prints one line, serves a checkout, and exits 0 on ${signal}`, async () => {
      const cli = run(['--port', '0', '--licenses', DEMO]);
      const url = await listening(cli);
      client = clientFor(url);
      const answer = await checkout(client, {
        sku: 'lg-demo-configurable',
        fingerprint: MARKETPLACE_FINGERPRINT,
        entitlements: [{ Name: 'ConcurrentUsers', Unit: 'Count', Value: '1' }],
      });
      assert.match(answer.LicenseArn ?? '', /^arn:aws:license-manager::294406891311:license:l-[0-9a-f]{32}$/);
      cli.child.kill(signal);
      assert.deepEqual(await cli.exited, { code: 0, signal: null });
      assert.equal(cli.out(), `listening on ${url}\n`, 'exactly one line on stdout');
      assert.equal(cli.err(), '');
    });
  }

  it('--help prints the usage, mentions --strict-auth and exits 0', async () => {
    const cli = run(['--help']);
    assert.deepEqual(await cli.exited, { code: 0, signal: null });
    assert.match(cli.out(), /^Usage: licensegate-emulator/);
    assert.match(cli.out(), /--strict-auth/);
    assert.match(cli.out(), /--licenses FILE/);
  });

  it('--help says how to write --access-key, with an IAM pattern, and --admin-token', async () => {
    const cli = run(['--help']);
    assert.deepEqual(await cli.exited, { code: 0, signal: null });
    assert.match(cli.out(), /--access-key AKID:SECRET\[:ACTIONS\]/);
    assert.match(cli.out(), /AKID:SECRET:license-manager:Get\*,CheckoutLicense/);
    assert.match(cli.out(), /--admin-token TOKEN/);
  });

  it('exits 2 with ERR_LG_EMU_BAD_OPTION on stderr for an unknown flag', async () => {
    const cli = run(['--port', '0', '--no-such-flag']);
    assert.deepEqual(await cli.exited, { code: 2, signal: null });
    assert.match(cli.err(), /ERR_LG_EMU_BAD_OPTION/);
    assert.match(cli.err(), /--no-such-flag/);
    assert.equal(cli.out(), '');
  });

  it('exits 2 with ERR_LG_EMU_BAD_OPTION for bad option values', async () => {
    const cases = [
      ['--port', 'eighty'],
      ['--port', '70000'],
      ['--status-codes', 'teapot'],
      ['--account-id', '42'],
    ];
    const clis = cases.map((args) => run(args));
    const exits = await Promise.all(clis.map((cli) => cli.exited));
    cases.forEach((args, i) => {
      assert.deepEqual(exits[i], { code: 2, signal: null }, args.join(' '));
      assert.match(clis[i]?.err() ?? '', /ERR_LG_EMU_BAD_OPTION/, args.join(' '));
    });
  });

  it('exits 2 with ERR_LG_EMU_BAD_SEED for a licenses file that is missing, not JSON, or holds a bad license', async () => {
    scratch = mkdtempSync(join(tmpdir(), 'lg-emulator-cli-'));
    const bad = join(scratch, 'bad.json');
    writeFileSync(bad, JSON.stringify([{ ProductSKU: 'sku-without-anything-else', Beneficiary: 'me' }]));
    const notJson = join(scratch, 'not.json');
    writeFileSync(notJson, '[{');
    const [missing, invalid, broken] = [join(ROOT, 'no-such-licenses.json'), bad, notJson].map((file) =>
      run(['--port', '0', '--licenses', file]),
    ) as [Cli, Cli, Cli];
    for (const cli of [missing, invalid, broken]) {
      assert.deepEqual(await cli.exited, { code: 2, signal: null });
      assert.match(cli.err(), /ERR_LG_EMU_BAD_SEED/);
      assert.equal(cli.out(), '');
    }
    assert.match(missing.err(), /no-such-licenses\.json/);
    assert.match(invalid.err(), /licenses\[0\]/);
    assert.match(broken.err(), /not JSON/);
  });

  it('--strict-auth with --access-key AKID:SECRET:ACTIONS serves the key its actions only', async () => {
    const cli = run([
      '--port',
      '0',
      '--licenses',
      DEMO,
      '--strict-auth',
      '--access-key',
      'AKIDCLI:cli-secret:CheckoutLicense',
    ]);
    const url = await listening(cli);
    client = clientFor(url, { credentials: { accessKeyId: 'AKIDCLI', secretAccessKey: 'cli-secret' } });
    await checkout(client, {
      sku: 'lg-demo-tiered',
      entitlements: [
        { Name: 'Basic', Unit: 'None' },
        { Name: 'Intermediate', Unit: 'None' },
      ],
    });
    const denied = client.send(
      new GetLicenseCommand({
        LicenseArn: 'arn:aws:license-manager::294406891311:license:l-00000000000000000000000000000000',
      }),
    );
    await expectAwsError(denied, 'AccessDeniedException', 401);
    cli.child.kill('SIGTERM');
    assert.deepEqual(await cli.exited, { code: 0, signal: null });
  });

  it('--access-key AKID:SECRET:license-manager:Get*,CheckoutLicense allows Get* and CheckoutLicense, nothing else', async () => {
    const cli = run([
      '--port',
      '0',
      '--licenses',
      DEMO,
      '--strict-auth',
      '--access-key',
      'AKIDCLI:cli-secret:license-manager:Get*,CheckoutLicense',
      '--access-key',
      'AKIDALL:all-secret:license-manager:*',
    ]);
    const url = await listening(cli);
    client = clientFor(url, { credentials: { accessKeyId: 'AKIDCLI', secretAccessKey: 'cli-secret' } });
    const seat = await checkout(client, {
      sku: 'lg-demo-configurable',
      entitlements: [{ Name: 'ConcurrentUsers', Unit: 'Count', Value: '1' }],
    });
    const arn = seat.LicenseArn;
    const license = await client.send(new GetLicenseCommand({ LicenseArn: arn }));
    assert.equal(license.License?.LicenseArn, arn);
    const usage = await client.send(new GetLicenseUsageCommand({ LicenseArn: arn }));
    assert.equal(usage.LicenseUsage?.EntitlementUsages?.find((u) => u.Name === 'ConcurrentUsers')?.ConsumedValue, '1');
    const listDenied = await expectAwsError(
      client.send(new ListReceivedLicensesCommand({})),
      'AccessDeniedException',
      401,
    );
    assert.match(listDenied.message, /license-manager:ListReceivedLicenses/);
    await expectAwsError(
      client.send(new CheckInLicenseCommand({ LicenseConsumptionToken: seat.LicenseConsumptionToken })),
      'AccessDeniedException',
      401,
    );
    const everything = clientFor(url, { credentials: { accessKeyId: 'AKIDALL', secretAccessKey: 'all-secret' } });
    try {
      await everything.send(new CheckInLicenseCommand({ LicenseConsumptionToken: seat.LicenseConsumptionToken }));
    } finally {
      everything.destroy();
    }
    cli.child.kill('SIGTERM');
    assert.deepEqual(await cli.exited, { code: 0, signal: null });
  });

  it('exits 2 with ERR_LG_EMU_BAD_OPTION and the grammar for a bad --access-key', async () => {
    const specs = [
      'AKIDONLY',
      'AKID:',
      ':secret',
      'AKID:secret:',
      'AKID:secret:GetLicense,,CheckoutLicense',
      'AKID:secret:s3:GetObject',
      'AKID:secret:license-manager:Get License',
      'AKID:secret:license-manager:Get:*',
      'AKID:secret:license-manager:',
    ];
    const clis = specs.map((spec) => run(['--port', '0', '--strict-auth', '--access-key', spec]));
    const exits = await Promise.all(clis.map((cli) => exitWithin(cli)));
    specs.forEach((spec, i) => {
      assert.deepEqual(exits[i], { code: 2, signal: null }, spec);
      const err = clis[i]?.err() ?? '';
      assert.match(err, /ERR_LG_EMU_BAD_OPTION/, spec);
      assert.match(err, /AKID:SECRET\[:ACTIONS\]/, `${spec}: the message shows the grammar`);
      assert.equal(clis[i]?.out(), '', spec);
    });
  });

  it('--strict-auth prints a generated admin token after the listening line; the admin path needs it', async () => {
    const cli = run(['--port', '0', '--strict-auth', '--access-key', 'AKIDCLI:cli-secret']);
    const url = await listening(cli);
    const deadline = Date.now() + 5_000;
    while (cli.out().split('\n').length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    const match = /^listening on http:\/\/[^\n]+\nadmin token: ([A-Za-z0-9_-]{32,})\n$/.exec(cli.out());
    assert.ok(match !== null, `two lines, the second "admin token: TOKEN"; got ${JSON.stringify(cli.out())}`);
    const token = match[1] as string;
    const without = await fetch(`${url}/_emulator/state`);
    assert.equal(without.status, 401);
    assert.equal(((await without.json()) as { code?: string }).code, 'ERR_LG_EMU_ADMIN_TOKEN');
    const withToken = await fetch(`${url}/_emulator/state`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(withToken.status, 200);
    cli.child.kill('SIGTERM');
    assert.deepEqual(await cli.exited, { code: 0, signal: null });
  });

  it('--console prints the console URL, with the admin token in its fragment, and serves the page', async () => {
    const cli = run(['--port', '0', '--console', '--strict-auth', '--access-key', 'AKIDCLI:cli-secret']);
    const url = await listening(cli);
    const deadline = Date.now() + 5_000;
    while (cli.out().split('\n').length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    const match = /^listening on [^\n]+\nadmin token: (\S+)\nconsole: (\S+)\n$/.exec(cli.out());
    assert.ok(match !== null, `three lines; got ${JSON.stringify(cli.out())}`);
    assert.equal(match[2], `${url}/_emulator/console/#token=${match[1]}`);
    const page = await fetch(`${url}/_emulator/console/`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<title>License Manager emulator console<\/title>/);
    cli.child.kill('SIGTERM');
    assert.deepEqual(await cli.exited, { code: 0, signal: null });
  });

  it('--admin-token TOKEN sets the token (and prints no token line)', async () => {
    const cli = run([
      '--port',
      '0',
      '--strict-auth',
      '--access-key',
      'AKIDCLI:cli-secret',
      '--admin-token',
      'cli-admin-token-42',
    ]);
    const url = await listening(cli);
    const without = await fetch(`${url}/_emulator/clock`);
    assert.equal(without.status, 401);
    const withToken = await fetch(`${url}/_emulator/clock`, {
      headers: { 'x-emulator-admin-token': 'cli-admin-token-42' },
    });
    assert.equal(withToken.status, 200);
    cli.child.kill('SIGTERM');
    assert.deepEqual(await cli.exited, { code: 0, signal: null });
    assert.equal(cli.out(), `listening on ${url}\n`);
  });

  it('exits 2 with ERR_LG_EMU_BAD_OPTION for an --admin-token with a space', async () => {
    const cli = run(['--port', '0', '--admin-token', 'not a token']);
    assert.deepEqual(await exitWithin(cli), { code: 2, signal: null });
    assert.match(cli.err(), /ERR_LG_EMU_BAD_OPTION/);
    assert.match(cli.err(), /--admin-token/);
  });

  it('exits 2 with ERR_LG_EMU_BAD_OPTION when two --access-key flags name the same key', async () => {
    const cli = run(['--port', '0', '--strict-auth', '--access-key', 'AKID:one', '--access-key', 'AKID:two']);
    assert.deepEqual(await exitWithin(cli), { code: 2, signal: null });
    assert.match(cli.err(), /ERR_LG_EMU_BAD_OPTION/);
    assert.match(cli.err(), /AKID/);
  });
});
