import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { Sha256 } from '@aws-crypto/sha256-js';
import { CheckoutLicenseCommand, GetLicenseCommand, LicenseManagerClient } from '@aws-sdk/client-license-manager';
import { SignatureV4 } from '@smithy/signature-v4';

import {
  authenticate,
  computeSignature,
  deriveSigningKey,
  type AccessKey,
  type AuthOptions,
  type SignedRequest,
} from '../src/auth/sigv4.js';
import { AwsError } from '../src/protocol/aws-error.js';

const AKID = 'AKIAEMULATOREXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEMULATORKEY';
const NOW = new Date('2026-11-27T11:45:00Z');
const BODY = '{"LicenseArn":"arn:aws:license-manager::294406891311:license:l-0123456789abcdef"}';

/** How a test client signs: like the JS SDK v3, or like botocore / the AWS CLI. */
type Style = 'js' | 'cli';

interface SignOptions {
  style?: Style;
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  region?: string;
  at?: Date;
  body?: string;
  action?: string;
  path?: string;
  query?: Record<string, string>;
  extraHeaders?: Record<string, string>;
  /** Headers sent but left out of SignedHeaders. */
  unsigned?: string[];
}

/** Signs a License Manager request with @smithy/signature-v4, as a client would send it. */
async function signRequest(options: SignOptions = {}): Promise<SignedRequest> {
  const style = options.style ?? 'js';
  const body = options.body ?? BODY;
  const signer = new SignatureV4({
    service: 'license-manager',
    region: options.region ?? 'us-east-1',
    credentials: {
      accessKeyId: options.accessKeyId ?? AKID,
      secretAccessKey: options.secretAccessKey ?? SECRET,
      sessionToken: options.sessionToken,
    },
    sha256: Sha256,
    applyChecksum: style === 'js',
  });
  const headers = { ...signedHeaders(style, body, options.action), ...options.extraHeaders };
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: 'http:',
      hostname: 'localhost',
      port: 4566,
      path: options.path ?? '/',
      query: options.query ?? {},
      headers,
      body,
    },
    { signingDate: options.at ?? NOW, unsignableHeaders: new Set(options.unsigned ?? []) },
  );
  const received: Record<string, string> = { ...unsignedHeaders(style, body) };
  for (const [name, value] of Object.entries(signed.headers)) received[name.toLowerCase()] = value;
  return {
    method: 'POST',
    path: options.path ?? '/',
    query: rawQuery(options.query ?? {}),
    headers: received,
    body: Buffer.from(body),
  };
}

/** The headers each client puts under the signature (besides x-amz-date and the token). */
function signedHeaders(style: Style, body: string, action = 'GetLicense'): Record<string, string> {
  const common = {
    'content-type': 'application/x-amz-json-1.1',
    host: 'localhost:4566',
    'x-amz-target': `AWSLicenseManager.${action}`,
  };
  if (style === 'cli') return common;
  return {
    ...common,
    'amz-sdk-invocation-id': 'a1b2c3d4-0000-4000-8000-000000000000',
    'amz-sdk-request': 'attempt=1; max=3',
    'content-length': String(Buffer.byteLength(body)),
    'x-amz-user-agent': 'aws-sdk-js/3.1048.0',
  };
}

/** Headers that reach the server without being signed. */
function unsignedHeaders(style: Style, body: string): Record<string, string> {
  if (style === 'js') return { 'user-agent': 'aws-sdk-js/3.1048.0 ua/2.1', connection: 'keep-alive' };
  return {
    'user-agent': 'aws-cli/2.22.0 md/Botocore#1.35.0',
    'accept-encoding': 'identity',
    'content-length': String(Buffer.byteLength(body)),
  };
}

/** The query string as an HTTP client would put it on the wire. */
function rawQuery(query: Record<string, string>): string {
  return Object.entries(query)
    .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`)
    .join('&');
}

function keys(...entries: AccessKey[]): Map<string, AccessKey> {
  return new Map(entries.map((key) => [key.accessKeyId, key]));
}

function strict(overrides: Partial<AuthOptions> = {}): AuthOptions {
  return {
    mode: 'strict',
    keys: keys({ accessKeyId: AKID, secretAccessKey: SECRET }),
    now: () => NOW.getTime(),
    ...overrides,
  };
}

function signedMode(): AuthOptions {
  return { mode: 'signed', keys: new Map(), now: () => NOW.getTime() };
}

/** A copy of the request that sends (and names as signed) `date` instead of `x-amz-date`. */
function withDateHeader(request: SignedRequest, date: string): SignedRequest {
  const header = authorizationOf(request).replace(';x-amz-date;', ';date;');
  return withHeaders(request, { authorization: header, 'x-amz-date': undefined, date });
}

/** A copy of the request with some headers replaced (undefined removes one). */
function withHeaders(request: SignedRequest, changes: Record<string, string | string[] | undefined>): SignedRequest {
  return { ...request, headers: { ...request.headers, ...changes } };
}

function authorizationOf(request: SignedRequest): string {
  const value = request.headers['authorization'];
  assert.equal(typeof value, 'string');
  return value as string;
}

/** Asserts that `run` throws an AwsError with this name (and message, when given). */
function assertAwsError(
  run: () => unknown,
  name: string,
  message?: string | RegExp,
  status: number | 'from status table' = 400,
): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof AwsError, `expected an AwsError, got ${String(error)}`);
    assert.equal(error.name, name, error.message);
    assert.equal(error.status, status === 'from status table' ? undefined : status);
    if (typeof message === 'string') assert.equal(error.message, message);
    else if (message !== undefined) assert.match(error.message, message);
    return true;
  });
}

const MISMATCH =
  'The request signature we calculated does not match the signature you provided. ' +
  'Check your AWS Secret Access Key and signing method. ' +
  'Consult the service documentation for details.';
const INVALID_TOKEN = 'The security token included in the request is invalid.';

describe('sigv4 authenticate', () => {
  describe('strict mode, genuine signatures', () => {
    it('accepts a JS SDK v3 style signature and returns the caller', async () => {
      const request = await signRequest({ region: 'eu-west-1' });
      assert.match(
        authorizationOf(request),
        new RegExp(
          'SignedHeaders=amz-sdk-invocation-id;amz-sdk-request;content-length;content-type;' +
            'host;x-amz-content-sha256;x-amz-date;x-amz-target;x-amz-user-agent,',
        ),
      );
      const caller = authenticate(request, 'GetLicense', strict());
      assert.deepEqual(caller, {
        accessKeyId: AKID,
        region: 'eu-west-1',
        service: 'license-manager',
      });
    });

    it('accepts a botocore / AWS CLI style signature', async () => {
      const request = await signRequest({ style: 'cli' });
      assert.match(authorizationOf(request), /SignedHeaders=content-type;host;x-amz-date;x-amz-target,/);
      assert.equal(request.headers['x-amz-content-sha256'], undefined);
      const caller = authenticate(request, 'GetLicense', strict());
      assert.equal(caller.region, 'us-east-1');
    });

    it('accepts an empty body', async () => {
      const request = await signRequest({ body: '' });
      authenticate(request, 'GetLicense', strict());
    });

    it('double-encodes path segments and canonicalises the query', async () => {
      const request = await signRequest({
        path: '/with%20space/caf%C3%A9/',
        query: { b: '2', a: 'x y*', 'a~': '' },
      });
      assert.equal(request.query, 'b=2&a=x%20y*&a~=');
      authenticate(request, 'GetLicense', strict());
    });

    it('collapses spaces in header values and joins repeated values with a comma', async () => {
      const request = await signRequest({
        extraHeaders: { 'x-custom': 'a   b  c', 'x-multi': 'a,b' },
      });
      authenticate(withHeaders(request, { 'x-custom': 'a b   c', 'x-multi': ['a', 'b'] }), 'GetLicense', strict());
    });

    it('ignores unsigned headers that change', async () => {
      const request = await signRequest({ style: 'cli' });
      authenticate(withHeaders(request, { 'user-agent': 'other' }), 'GetLicense', strict());
    });

    it('accepts a request exactly 15 minutes old', async () => {
      const request = await signRequest({ at: new Date(NOW.getTime() - 15 * 60 * 1000) });
      authenticate(request, 'GetLicense', strict());
    });

    it('reuses the cached signing key (same result twice)', async () => {
      const request = await signRequest();
      authenticate(request, 'GetLicense', strict());
      authenticate(request, 'GetLicense', strict());
      assert.equal(
        deriveSigningKey(SECRET, '20261127', 'us-east-1', 'license-manager'),
        deriveSigningKey(SECRET, '20261127', 'us-east-1', 'license-manager'),
      );
    });
  });

  describe('strict mode, bad signatures', () => {
    it('rejects a wrong secret', async () => {
      const request = await signRequest({ secretAccessKey: 'not-the-secret' });
      assertAwsError(() => authenticate(request, 'GetLicense', strict()), 'InvalidSignatureException', MISMATCH);
    });

    it('rejects a tampered body (CLI style, no content hash header)', async () => {
      const request = await signRequest({ style: 'cli' });
      const tampered = { ...request, body: Buffer.from(BODY.replace('l-0', 'l-9')) };
      assertAwsError(() => authenticate(tampered, 'GetLicense', strict()), 'InvalidSignatureException', MISMATCH);
    });

    it('rejects a tampered body whose x-amz-content-sha256 no longer matches', async () => {
      const request = await signRequest();
      const tampered = { ...request, body: Buffer.from(`${BODY} `) };
      assertAwsError(
        () => authenticate(tampered, 'GetLicense', strict()),
        'InvalidSignatureException',
        "The provided 'x-amz-content-sha256' header does not match what was computed.",
      );
    });

    it('rejects a tampered signed header', async () => {
      const request = await signRequest({ style: 'cli' });
      const tampered = withHeaders(request, { 'x-amz-target': 'AWSLicenseManager.DeleteLicense' });
      assertAwsError(() => authenticate(tampered, 'DeleteLicense', strict()), 'InvalidSignatureException', MISMATCH);
    });

    it('rejects a tampered path and query', async () => {
      const request = await signRequest({ query: { a: '1' } });
      assertAwsError(
        () => authenticate({ ...request, path: '/other' }, 'GetLicense', strict()),
        'InvalidSignatureException',
      );
      assertAwsError(
        () => authenticate({ ...request, query: 'a=2' }, 'GetLicense', strict()),
        'InvalidSignatureException',
      );
    });

    it('rejects a signature that is not hex', async () => {
      const request = await signRequest();
      const header = authorizationOf(request).replace(/Signature=\w+/, 'Signature=zz');
      assertAwsError(
        () => authenticate(withHeaders(request, { authorization: header }), 'GetLicense', strict()),
        'InvalidSignatureException',
        MISMATCH,
      );
    });

    it('rejects a credential scope date that differs from x-amz-date', async () => {
      const request = await signRequest();
      const header = authorizationOf(request).replace('/20261127/', '/20261126/');
      assertAwsError(
        () => authenticate(withHeaders(request, { authorization: header }), 'GetLicense', strict()),
        'InvalidSignatureException',
        'Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from ' +
          "HTTP: '20261126' != '20261127', from '20261127T114500Z'.",
      );
    });

    it('rejects an unknown access key id', async () => {
      const request = await signRequest({ accessKeyId: 'AKIAUNKNOWN' });
      assertAwsError(() => authenticate(request, 'GetLicense', strict()), 'UnrecognizedClientException', INVALID_TOKEN);
    });

    it('rejects a signature 20 minutes old', async () => {
      const request = await signRequest({ at: new Date('2026-11-27T11:25:00Z') });
      assertAwsError(
        () => authenticate(request, 'GetLicense', strict()),
        'InvalidSignatureException',
        'Signature expired: 20261127T112500Z is now earlier than 20261127T113000Z ' + '(20261127T114500Z - 15 min.)',
      );
    });

    it('rejects a signature 20 minutes ahead', async () => {
      const request = await signRequest({ at: new Date('2026-11-27T12:05:00Z') });
      assertAwsError(
        () => authenticate(request, 'GetLicense', strict()),
        'InvalidSignatureException',
        'Signature not yet current: 20261127T120500Z is still later than 20261127T120000Z ' +
          '(20261127T114500Z + 15 min.)',
      );
    });

    it('reads the time from the Date header when there is no x-amz-date', async () => {
      const request = await signRequest({ at: new Date('2026-11-27T11:25:00Z') });
      const dated = withDateHeader(request, 'Fri, 27 Nov 2026 11:25:00 GMT');
      assertAwsError(
        () => authenticate(dated, 'GetLicense', strict()),
        'InvalidSignatureException',
        /^Signature expired: 20261127T112500Z is now earlier than/,
      );
    });
  });

  describe('strict mode, what must be signed', () => {
    const cases: Array<[string, SignOptions, string]> = [
      ['host', { unsigned: ['host'] }, "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."],
      [
        'x-amz-target',
        { unsigned: ['x-amz-target'] },
        "'X-Amz-Target' must be a 'SignedHeader' in the AWS Authorization.",
      ],
      ['x-amz-date', { unsigned: ['x-amz-date'] }, "'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization."],
      [
        'x-amz-content-sha256',
        { unsigned: ['x-amz-content-sha256'] },
        "'X-Amz-Content-Sha256' must be a 'SignedHeader' in the AWS Authorization.",
      ],
      [
        'x-amz-security-token',
        { sessionToken: 'token-A', unsigned: ['x-amz-security-token'] },
        "'X-Amz-Security-Token' must be a 'SignedHeader' in the AWS Authorization.",
      ],
      [
        'x-amz-user-agent',
        { unsigned: ['x-amz-user-agent'] },
        "'X-Amz-User-Agent' must be a 'SignedHeader' in the AWS Authorization.",
      ],
    ];
    const tokenKeys = keys({ accessKeyId: AKID, secretAccessKey: SECRET, sessionToken: 'token-A' });
    for (const [header, options, message] of cases) {
      it(`rejects a genuine signature that leaves ${header} out of SignedHeaders; signed mode takes it`, async () => {
        const request = await signRequest(options);
        const signedList = /SignedHeaders=([^,]+)/.exec(authorizationOf(request))?.[1]?.split(';') ?? [];
        assert.ok(signedList.length > 0 && !signedList.includes(header), signedList.join(';'));
        const strictOptions = options.sessionToken !== undefined ? strict({ keys: tokenKeys }) : strict();
        assertAwsError(
          () => authenticate(request, 'GetLicense', strictOptions),
          'IncompleteSignatureException',
          message,
        );
        authenticate(request, 'GetLicense', signedMode());
      });
    }

    it('does not ask for x-amzn-* headers (not x-amz-*) or the Date header to be signed', async () => {
      const request = await signRequest({ style: 'cli' });
      authenticate(
        withHeaders(request, { 'x-amzn-trace-id': 'Root=1-0', date: 'Fri, 27 Nov 2026 11:45:00 GMT' }),
        'GetLicense',
        strict(),
      );
    });
  });

  describe('strict mode, session tokens', () => {
    const tokenKey = { accessKeyId: AKID, secretAccessKey: SECRET, sessionToken: 'token-A' };

    it('accepts the matching session token (signed as x-amz-security-token)', async () => {
      const request = await signRequest({ sessionToken: 'token-A' });
      assert.match(authorizationOf(request), /x-amz-security-token/);
      authenticate(request, 'GetLicense', strict({ keys: keys(tokenKey) }));
    });

    it('rejects a different session token', async () => {
      const request = await signRequest({ sessionToken: 'token-B' });
      assertAwsError(
        () => authenticate(request, 'GetLicense', strict({ keys: keys(tokenKey) })),
        'UnrecognizedClientException',
        INVALID_TOKEN,
      );
    });

    it('rejects a missing session token for a key that has one', async () => {
      const request = await signRequest();
      assertAwsError(
        () => authenticate(request, 'GetLicense', strict({ keys: keys(tokenKey) })),
        'UnrecognizedClientException',
        INVALID_TOKEN,
      );
    });

    it('rejects a session token sent for a key without one', async () => {
      const request = await signRequest({ sessionToken: 'token-A' });
      assertAwsError(() => authenticate(request, 'GetLicense', strict()), 'UnrecognizedClientException', INVALID_TOKEN);
    });
  });

  describe('strict mode, allowed actions', () => {
    const withActions = (...actions: string[]): AuthOptions =>
      strict({ keys: keys({ accessKeyId: AKID, secretAccessKey: SECRET, actions }) });

    const allowing: Array<[string, string[]]> = [
      ['a bare action name', ['CheckoutLicense']],
      ['a qualified action name', ['license-manager:CheckoutLicense']],
      ['license-manager:*', ['license-manager:*']],
      ['*', ['*']],
      ['a prefix wildcard', ['license-manager:Checkout*']],
      ['a different case', ['LICENSE-MANAGER:checkoutlicense']],
      ['one of several', ['GetLicense', 'license-manager:CheckoutLicense']],
    ];
    for (const [label, actions] of allowing) {
      it(`allows CheckoutLicense with ${label}`, async () => {
        const request = await signRequest({ action: 'CheckoutLicense' });
        authenticate(request, 'CheckoutLicense', withActions(...actions));
      });
    }

    const denying: Array<[string, string[]]> = [
      ['another action', ['GetLicense']],
      ['another service', ['s3:*']],
      ['a non-matching wildcard', ['license-manager:Get*']],
      ['no actions at all', []],
    ];
    for (const [label, actions] of denying) {
      it(`denies CheckoutLicense with ${label}`, async () => {
        const request = await signRequest({ action: 'CheckoutLicense' });
        assertAwsError(
          () => authenticate(request, 'CheckoutLicense', withActions(...actions)),
          'AccessDeniedException',
          `User: arn:aws:iam::123456789012:user/${AKID} is not authorized to perform: ` +
            'license-manager:CheckoutLicense because no identity-based policy allows the ' +
            'license-manager:CheckoutLicense action',
          'from status table',
        );
      });
    }

    it('puts the configured account id in the ARN', async () => {
      const request = await signRequest({ action: 'CheckoutLicense' });
      const options = { ...withActions('GetLicense'), accountId: '210987654321' };
      assertAwsError(
        () => authenticate(request, 'CheckoutLicense', options),
        'AccessDeniedException',
        /^User: arn:aws:iam::210987654321:user\/AKIAEMULATOREXAMPLE is not authorized/,
        'from status table',
      );
    });
  });

  describe('malformed or missing Authorization header (both modes)', () => {
    const replaceAuthorization = async (edit: (header: string) => string): Promise<SignedRequest> => {
      const request = await signRequest();
      return withHeaders(request, { authorization: edit(authorizationOf(request)) });
    };

    const cases: Array<[string, () => Promise<SignedRequest>, string | RegExp]> = [
      [
        'another algorithm',
        () => replaceAuthorization((h) => h.replace('AWS4-HMAC-SHA256', 'AWS4-HMAC-SHA512')),
        /^Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512'/,
      ],
      ['a Bearer token', () => replaceAuthorization(() => 'Bearer abc'), /'algorithm': 'Bearer'/],
      [
        'no Credential',
        () => replaceAuthorization((h) => h.replace(/Credential=[^,]+, /, '')),
        /^Authorization header requires 'Credential' parameter\. Authorization=AWS4-HMAC-SHA256 /,
      ],
      [
        'no SignedHeaders',
        () => replaceAuthorization((h) => h.replace(/SignedHeaders=[^,]+, /, '')),
        /^Authorization header requires 'SignedHeaders' parameter\. Authorization=/,
      ],
      [
        'no Signature',
        () => replaceAuthorization((h) => h.replace(/, Signature=\w+/, '')),
        /^Authorization header requires 'Signature' parameter\. Authorization=/,
      ],
      [
        'an empty Signature',
        () => replaceAuthorization((h) => h.replace(/Signature=\w+/, 'Signature=')),
        /^Authorization header requires 'Signature' parameter\./,
      ],
      [
        'only the algorithm',
        () => replaceAuthorization(() => 'AWS4-HMAC-SHA256'),
        "Authorization header requires 'Credential' parameter. " +
          "Authorization header requires 'Signature' parameter. " +
          "Authorization header requires 'SignedHeaders' parameter. " +
          'Authorization=AWS4-HMAC-SHA256',
      ],
      [
        'a part without an equal sign',
        () => replaceAuthorization((h) => `${h}, Garbage`),
        /^Invalid key=value pair \(missing equal-sign\) in Authorization header: 'Garbage'/,
      ],
      [
        'a credential with four elements',
        () => replaceAuthorization((h) => h.replace('/us-east-1/', '/')),
        'Credential must have exactly 5 slash-delimited elements, ' +
          "e.g. keyid/date/region/service/term, got '" +
          `${AKID}/20261127/license-manager/aws4_request'`,
      ],
      [
        'an empty access key id',
        () => replaceAuthorization((h) => h.replace(`Credential=${AKID}/`, 'Credential=/')),
        /^Credential must begin with an access key id/,
      ],
      [
        'a bad scope date',
        () => replaceAuthorization((h) => h.replace('/20261127/', '/2026-11-27/')),
        "Credential should be scoped to a valid date (yyyyMMdd), not '2026-11-27'.",
      ],
      [
        'a bad region',
        () => replaceAuthorization((h) => h.replace('/us-east-1/', '/us east/')),
        "Credential should be scoped to a valid region, not 'us east'.",
      ],
      [
        'another service',
        () => replaceAuthorization((h) => h.replace('/license-manager/', '/sts/')),
        "Credential should be scoped to correct service: 'license-manager'.",
      ],
      [
        'another terminator',
        () => replaceAuthorization((h) => h.replace('/aws4_request', '/aws4_reqest')),
        "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws4_reqest'.",
      ],
      [
        'an empty signed header name',
        () => replaceAuthorization((h) => h.replace('SignedHeaders=', 'SignedHeaders=;')),
        /^SignedHeaders must be a ';'-separated list of lower-case header names/,
      ],
      [
        'a signed header that is not present',
        () => replaceAuthorization((h) => h.replace('host;', 'host;x-absent;')),
        /^Authorization header requires signed header 'x-absent' to be present in the request\./,
      ],
      [
        'no x-amz-date and no date',
        async () => withHeaders(await signRequest(), { 'x-amz-date': undefined }),
        new RegExp(
          "^Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' " + 'header\\. Authorization=',
        ),
      ],
      [
        'a malformed x-amz-date',
        async () => withHeaders(await signRequest(), { 'x-amz-date': '2026-11-27T11:45:00Z' }),
        /^X-Amz-Date must be in the ISO8601 Long Format/,
      ],
      [
        'an impossible x-amz-date',
        async () => withHeaders(await signRequest(), { 'x-amz-date': '20261327T114500Z' }),
        /^X-Amz-Date must be in the ISO8601 Long Format/,
      ],
      [
        'a malformed date header',
        async () => withDateHeader(await signRequest(), 'yesterday'),
        /^Date must be an RFC 1123 date/,
      ],
    ];

    for (const mode of ['signed', 'strict'] as const) {
      const options = mode === 'strict' ? strict() : signedMode();
      for (const [label, build, message] of cases) {
        it(`${mode}: rejects ${label} with IncompleteSignatureException`, async () => {
          const request = await build();
          assertAwsError(() => authenticate(request, 'GetLicense', options), 'IncompleteSignatureException', message);
        });
      }

      it(`${mode}: rejects a request without Authorization`, async () => {
        const request = withHeaders(await signRequest(), { authorization: undefined });
        assertAwsError(
          () => authenticate(request, 'GetLicense', options),
          'MissingAuthenticationTokenException',
          'Missing Authentication Token',
        );
      });

      it(`${mode}: rejects an empty Authorization header`, async () => {
        const request = withHeaders(await signRequest(), { authorization: '  ' });
        assertAwsError(() => authenticate(request, 'GetLicense', options), 'MissingAuthenticationTokenException');
      });
    }
  });

  describe('signed mode', () => {
    it('accepts a bad signature, an unknown key and a stale date', async () => {
      const request = await signRequest({
        accessKeyId: 'AKIAANYONE',
        secretAccessKey: 'anything',
        at: new Date('2020-01-01T00:00:00Z'),
        region: 'ap-southeast-2',
      });
      const header = authorizationOf(request).replace(/Signature=\w+/, 'Signature=nothex');
      const caller = authenticate(withHeaders(request, { authorization: header }), 'CheckoutLicense', signedMode());
      assert.deepEqual(caller, {
        accessKeyId: 'AKIAANYONE',
        region: 'ap-southeast-2',
        service: 'license-manager',
      });
    });

    it('accepts a tampered body and ignores actions', async () => {
      const request = await signRequest();
      const options: AuthOptions = {
        ...signedMode(),
        keys: keys({ accessKeyId: AKID, secretAccessKey: SECRET, actions: [] }),
      };
      authenticate({ ...request, body: Buffer.from('{}') }, 'CheckoutLicense', options);
    });

    it('accepts a Date header instead of x-amz-date', async () => {
      const request = withDateHeader(await signRequest(), 'Fri, 27 Nov 2026 11:45:00 GMT');
      assert.equal(authenticate(request, 'GetLicense', signedMode()).accessKeyId, AKID);
    });

    it('accepts a header array as node headersDistinct gives it', async () => {
      const request = await signRequest();
      const distinct = Object.fromEntries(
        Object.entries(request.headers).map(([name, value]) => [name, [value as string]]),
      );
      assert.equal(authenticate({ ...request, headers: distinct }, 'GetLicense', strict()).region, 'us-east-1');
    });
  });
});

describe('sigv4 published test vectors', () => {
  const suiteSecret = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
  const suiteScope = { date: '20150830', region: 'us-east-1', service: 'service' };
  const suiteHeaders = { host: 'example.amazonaws.com', 'x-amz-date': '20150830T123600Z' };

  it('derives the signing key of the IAM documentation example', () => {
    const key = deriveSigningKey(suiteSecret, '20120215', 'us-east-1', 'iam');
    assert.equal(key.toString('hex'), 'f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d');
  });

  const suite: Array<[string, string, string, string]> = [
    ['get-vanilla', 'GET', '', '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31'],
    ['post-vanilla', 'POST', '', '5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b'],
    [
      'get-vanilla-query-order-key-case',
      'GET',
      'Param2=value2&Param1=value1',
      'b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500',
    ],
  ];
  for (const [name, method, query, signature] of suite) {
    it(`reproduces the SigV4 test suite's ${name}`, () => {
      const request = { method, path: '/', query, headers: suiteHeaders, body: Buffer.alloc(0) };
      const computed = computeSignature(request, {
        amzDate: '20150830T123600Z',
        scope: suiteScope,
        signedHeaders: ['host', 'x-amz-date'],
        secretAccessKey: suiteSecret,
      });
      assert.equal(computed, signature);
    });
  }

  it("reproduces the S3 documentation's GET Object example", () => {
    const emptyHash = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
    const request = {
      method: 'GET',
      path: '/test.txt',
      query: '',
      headers: {
        host: 'examplebucket.s3.amazonaws.com',
        range: 'bytes=0-9',
        'x-amz-content-sha256': emptyHash,
        'x-amz-date': '20130524T000000Z',
      },
      body: Buffer.alloc(0),
    };
    const computed = computeSignature(request, {
      amzDate: '20130524T000000Z',
      scope: { date: '20130524', region: 'us-east-1', service: 's3' },
      signedHeaders: ['host', 'range', 'x-amz-content-sha256', 'x-amz-date'],
      secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    });
    assert.equal(computed, 'f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41');
  });
});

describe('sigv4 with the real JS SDK over HTTP', () => {
  let server: Server;
  let endpoint: string;
  let options: AuthOptions;
  const seen: SignedRequest[] = [];

  /** Authenticates like the emulator will: AWS JSON 1.1 error body on failure, `{}` on success. */
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = req.url ?? '/';
    const queryAt = url.indexOf('?');
    const request: SignedRequest = {
      method: req.method ?? 'POST',
      path: queryAt < 0 ? url : url.slice(0, queryAt),
      query: queryAt < 0 ? '' : url.slice(queryAt + 1),
      headers: req.headers,
      body: Buffer.concat(chunks),
    };
    seen.push(request);
    const target = String(req.headers['x-amz-target'] ?? '');
    try {
      authenticate(request, target.slice(target.indexOf('.') + 1), options);
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' }).end('{}');
    } catch (error) {
      if (!(error instanceof AwsError)) throw error;
      const body = JSON.stringify({ __type: error.name, message: error.message });
      res.writeHead(error.status ?? 400, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(body);
    }
  }

  function client(secretAccessKey = SECRET): LicenseManagerClient {
    return new LicenseManagerClient({
      region: 'us-west-2',
      endpoint,
      credentials: { accessKeyId: AKID, secretAccessKey },
      maxAttempts: 1,
    });
  }

  before(async () => {
    server = createServer((req, res) => void handle(req, res));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  beforeEach(() => {
    seen.length = 0;
    options = strict({ now: () => Date.now() });
  });

  after(() => {
    server.closeAllConnections();
    server.close();
  });

  it('accepts what the SDK signs, as node receives it', async () => {
    const lm = client();
    try {
      await lm.send(new GetLicenseCommand({ LicenseArn: 'arn:aws:license-manager::1:license:l-1' }));
    } finally {
      lm.destroy();
    }
    const header = String(seen[0]?.headers['authorization']);
    assert.match(header, /\/us-west-2\/license-manager\/aws4_request, SignedHeaders=.*x-amz-target/);
  });

  it('turns a wrong secret into InvalidSignatureException for the SDK', async () => {
    const lm = client('wrong-secret');
    try {
      await assert.rejects(
        lm.send(new GetLicenseCommand({ LicenseArn: 'arn:aws:license-manager::1:license:l-1' })),
        (error: Error) => error.name === 'InvalidSignatureException',
      );
    } finally {
      lm.destroy();
    }
  });

  it('turns a denied action into AccessDeniedException for the SDK', async () => {
    options = strict({
      now: () => Date.now(),
      keys: keys({ accessKeyId: AKID, secretAccessKey: SECRET, actions: ['GetLicense'] }),
    });
    const lm = client();
    try {
      await assert.rejects(
        lm.send(
          new CheckoutLicenseCommand({
            ProductSKU: 'sku',
            CheckoutType: 'PROVISIONAL',
            KeyFingerprint: 'aws:294406891311:AWS/Marketplace:issuer-fingerprint',
            Entitlements: [{ Name: 'Seats', Unit: 'Count', Value: '1' }],
            ClientToken: 'token-1',
          }),
        ),
        (error: Error) =>
          error.name === 'AccessDeniedException' && error.message.includes('license-manager:CheckoutLicense'),
      );
    } finally {
      lm.destroy();
    }
  });
});
