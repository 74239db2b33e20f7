/**
 * `--strict-auth` requires what AWS requires to be signed: the `host` header and every `x-amz-*`
 * header the request carries (so `x-amz-target`, the JSON protocol's operation, and `x-amz-date`), as
 * the IAM User Guide's "Create a signed AWS API request" says. Requests are signed for real with
 * @smithy/signature-v4 (what the AWS SDK for JavaScript signs with) and sent over HTTP.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { promisify } from 'node:util';

import { Sha256 } from '@aws-crypto/sha256-js';
import { GetLicenseCommand } from '@aws-sdk/client-license-manager';
import { SignatureV4 } from '@smithy/signature-v4';

import {
  CONFIGURABLE_ARN,
  CREDENTIALS,
  REGION,
  assertRawError,
  checkout,
  rawCall,
  readAnswer,
  standardSeeds,
  usageOf,
  useEmulator,
  type RawAnswer,
} from './support/emulator-fixture.js';

/** A request as a client put it on the wire: headers (signed or not) and body. */
interface Captured {
  headers: Record<string, string>;
  body: string;
}

/**
 * Signs a License Manager request with the test credentials, leaving `unsigned` headers out of
 * SignedHeaders while still sending them (and leaving out `host` entirely when `signHost` is false).
 */
async function sign(
  url: string,
  target: string,
  input: object,
  options: { unsigned?: string[]; signHost?: boolean } = {},
): Promise<Captured> {
  const { host } = new URL(url);
  const body = JSON.stringify(input);
  const signer = new SignatureV4({
    service: 'license-manager',
    region: REGION,
    credentials: CREDENTIALS,
    sha256: Sha256,
  });
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: 'http:',
      hostname: '127.0.0.1',
      path: '/',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': `AWSLicenseManager.${target}`,
        ...(options.signHost === false ? {} : { host }),
      },
      body,
    },
    { unsignableHeaders: new Set(options.unsigned ?? []) },
  );
  return { headers: { ...signed.headers }, body };
}

/** Sends a captured request (fetch sets Host itself), with some headers replaced. */
async function send(url: string, captured: Captured, changes: Record<string, string> = {}): Promise<RawAnswer> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries({ ...captured.headers, ...changes })) {
    if (name.toLowerCase() !== 'host') headers[name] = value;
  }
  return readAnswer(await fetch(`${url}/`, { method: 'POST', headers, body: captured.body }));
}

function signedHeadersOf(captured: Captured): string {
  return /SignedHeaders=([^,]+)/.exec(captured.headers['authorization'] ?? '')?.[1] ?? '';
}

describe('strict auth: what must be signed', () => {
  const lm = useEmulator(
    () => ({ licenses: standardSeeds(), auth: 'strict' as const, accessKeys: [{ ...CREDENTIALS }] }),
    { each: false },
  );

  it('serves the real SDK, which signs host and every x-amz-* header', async () => {
    const answer = await lm.client.send(new GetLicenseCommand({ LicenseArn: CONFIGURABLE_ARN }));
    assert.equal(answer.License?.LicenseArn, CONFIGURABLE_ARN);
  });

  it('serves a request signed by hand over content-type;host;x-amz-content-sha256;x-amz-date;x-amz-target', async () => {
    const captured = await sign(lm.running.url, 'GetLicense', { LicenseArn: CONFIGURABLE_ARN });
    assert.equal(signedHeadersOf(captured), 'content-type;host;x-amz-content-sha256;x-amz-date;x-amz-target');
    const answer = await send(lm.running.url, captured);
    assert.equal(answer.status, 200, answer.text);
  });

  for (const [header, shown] of [
    ['x-amz-target', 'X-Amz-Target'],
    ['x-amz-date', 'X-Amz-Date'],
    ['x-amz-content-sha256', 'X-Amz-Content-Sha256'],
  ] as const) {
    it(`refuses a correctly signed request whose SignedHeaders omit ${header} with IncompleteSignatureException`, async () => {
      const captured = await sign(
        lm.running.url,
        'GetLicense',
        { LicenseArn: CONFIGURABLE_ARN },
        { unsigned: [header] },
      );
      assert.ok(!signedHeadersOf(captured).split(';').includes(header));
      const answer = await send(lm.running.url, captured);
      assertRawError(answer, 'IncompleteSignatureException', 400);
      assert.equal(answer.json?.['message'], `'${shown}' must be a 'SignedHeader' in the AWS Authorization.`);
    });
  }

  it("refuses a request whose SignedHeaders omit host with AWS's message", async () => {
    const captured = await sign(lm.running.url, 'GetLicense', { LicenseArn: CONFIGURABLE_ARN }, { signHost: false });
    assert.ok(!signedHeadersOf(captured).split(';').includes('host'));
    const answer = await send(lm.running.url, captured);
    assertRawError(answer, 'IncompleteSignatureException', 400);
    assert.equal(answer.json?.['message'], "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  });

  it('refuses a captured ExtendLicenseConsumption replayed as CheckInLicense, whether or not it signed X-Amz-Target', async () => {
    const seat = await checkout(lm.client);
    const input = { LicenseConsumptionToken: seat.LicenseConsumptionToken };
    const signedTarget = await sign(lm.running.url, 'ExtendLicenseConsumption', input);
    const unsignedTarget = await sign(lm.running.url, 'ExtendLicenseConsumption', input, {
      unsigned: ['x-amz-target'],
    });
    assert.equal((await send(lm.running.url, signedTarget)).status, 200, 'the captured request itself is served');
    const otherTarget = { 'x-amz-target': 'AWSLicenseManager.CheckInLicense' };
    assertRawError(await send(lm.running.url, signedTarget, otherTarget), 'InvalidSignatureException', 400);
    assertRawError(await send(lm.running.url, unsignedTarget, otherTarget), 'IncompleteSignatureException', 400);
    assert.equal((await usageOf(lm.client, CONFIGURABLE_ARN))['ConcurrentUsers'], '1', 'the seat is still held');
    assert.equal(lm.running.calls('CheckInLicense'), 2);
    assert.equal(lm.running.emulator.callCounts()['CheckInLicense']?.errors, 2);
  });

  it('checks what is signed before the key and the signature', async () => {
    // fakeSigV4Headers: an unknown key and a made-up signature over host;x-amz-date only.
    const answer = await rawCall(lm.running.url, 'GetLicense', { body: { LicenseArn: CONFIGURABLE_ARN } });
    assertRawError(answer, 'IncompleteSignatureException', 400);
    assert.equal(answer.json?.['message'], "'X-Amz-Target' must be a 'SignedHeader' in the AWS Authorization.");
  });
});

describe('strict auth and the AWS CLI v2', function () {
  this.timeout(30_000);
  const AWS_CLI = '/usr/bin/aws';
  const lm = useEmulator(
    () => ({ licenses: standardSeeds(), auth: 'strict' as const, accessKeys: [{ ...CREDENTIALS }] }),
    { each: false },
  );

  before(async function () {
    try {
      await access(AWS_CLI, constants.X_OK);
    } catch {
      console.log(
        `  strict-signed-headers.spec: AWS CLI case skipped, ${AWS_CLI} is missing: apt-get install -y awscli`,
      );
      this.skip();
    }
  });

  it('serves get-license signed by the AWS CLI (content-type;host;x-amz-date;x-amz-target)', async () => {
    const env: NodeJS.ProcessEnv = {
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      AWS_DEFAULT_REGION: REGION,
      AWS_PAGER: '',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      PATH: process.env['PATH'] ?? '',
      HOME: process.env['HOME'] ?? '',
    };
    const { stdout } = await promisify(execFile)(
      AWS_CLI,
      ['license-manager', 'get-license', '--endpoint-url', lm.running.url, '--license-arn', CONFIGURABLE_ARN],
      { env, timeout: 25_000 },
    );
    assert.equal((JSON.parse(stdout) as { License: { LicenseArn: string } }).License.LicenseArn, CONFIGURABLE_ARN);
  });
});
