import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import {
  AccessDeniedException,
  AuthorizationException,
  EntitlementNotAllowedException,
  GetLicenseCommand,
  InvalidParameterValueException,
  LicenseManagerClient,
  NoEntitlementsAllowedException,
  RateLimitExceededException,
  RedirectException,
  ResourceNotFoundException,
  ServerInternalException,
  UnsupportedDigitalSignatureMethodException,
  ValidationException,
} from '@aws-sdk/client-license-manager';
import { startEmulator, type RunningEmulator } from '@licensegate/emulator';

import { classifyFailure, type FailureKind } from '../src/source/failure-kind.js';

type ExceptionClass = new (options: { message: string; $metadata: { httpStatusCode?: number } }) => Error;

/** License Manager's modelled exceptions, as the SDK throws them, and how the engine must sort each. */
const MODELLED: [ExceptionClass, number, FailureKind][] = [
  [NoEntitlementsAllowedException, 400, 'definitive'],
  [ResourceNotFoundException, 400, 'definitive'],
  [EntitlementNotAllowedException, 400, 'definitive'],
  [RateLimitExceededException, 400, 'transient'],
  [RateLimitExceededException, 429, 'transient'],
  [ServerInternalException, 500, 'transient'],
  [AccessDeniedException, 401, 'configuration'],
  [AuthorizationException, 403, 'configuration'],
  [ValidationException, 400, 'configuration'],
  [InvalidParameterValueException, 400, 'configuration'],
  [UnsupportedDigitalSignatureMethodException, 400, 'configuration'],
  [RedirectException, 308, 'configuration'],
];

/** AWS error names outside the model (SDK, front end, STS), by class. */
const BY_NAME: Record<FailureKind, string[]> = {
  definitive: ['NoEntitlementsAllowedException', 'ResourceNotFoundException', 'EntitlementNotAllowedException'],
  transient: [
    'RateLimitExceededException',
    'ThrottlingException',
    'Throttling',
    'TooManyRequestsException',
    'RequestLimitExceeded',
    'ServerInternalException',
    'InternalFailure',
    'ServiceUnavailable',
    'ServiceUnavailableException',
    'RequestTimeout',
    'RequestTimeoutException',
    'TimeoutError',
    'AbortError',
    'SyntaxError',
  ],
  configuration: [
    'AccessDeniedException',
    'AuthorizationException',
    'UnrecognizedClientException',
    'InvalidSignatureException',
    'IncompleteSignatureException',
    'MissingAuthenticationTokenException',
    'ExpiredTokenException',
    'InvalidClientTokenId',
    'SignatureDoesNotMatch',
    'ValidationException',
    'InvalidParameterValueException',
    'UnsupportedDigitalSignatureMethodException',
    'RedirectException',
    'CredentialsProviderError',
    'UnknownOperationException',
    'SerializationException',
  ],
};

function named(name: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`${name} happened`), { name, ...extra });
}

describe('classifyFailure', () => {
  describe('License Manager exceptions as the SDK throws them', () => {
    for (const [Exception, status, kind] of MODELLED) {
      it(`${Exception.name} at ${status} is ${kind}`, () => {
        const failure = classifyFailure(
          new Exception({ message: 'from License Manager', $metadata: { httpStatusCode: status } }),
        );
        assert.deepEqual(failure, { kind, name: Exception.name, message: 'from License Manager', status });
      });
    }
  });

  describe('by error name, whatever the status', () => {
    for (const kind of ['definitive', 'transient', 'configuration'] as const) {
      it(`sorts every ${kind} name`, () => {
        for (const name of BY_NAME[kind]) {
          assert.equal(classifyFailure(named(name)).kind, kind, name);
          assert.equal(
            classifyFailure(named(name, { $metadata: { httpStatusCode: 400 } })).kind,
            kind,
            `${name} at 400`,
          );
        }
      });
    }
  });

  describe('by status, node error code and fault when the name is unknown', () => {
    it('5xx and 429 are transient; 401 and 403 are configuration', () => {
      for (const status of [500, 502, 503, 504, 429]) {
        const failure = classifyFailure(named('BackendHiccup', { $metadata: { httpStatusCode: status } }));
        assert.equal(failure.kind, 'transient', String(status));
        assert.equal(failure.status, status);
      }
      for (const status of [401, 403]) {
        assert.equal(
          classifyFailure(named('ForbiddenByProxy', { $metadata: { httpStatusCode: status } })).kind,
          'configuration',
          String(status),
        );
      }
    });

    it('a server fault is transient', () => {
      assert.equal(classifyFailure(named('OddServerError', { $fault: 'server', $metadata: {} })).kind, 'transient');
    });

    it('network error codes are transient, named by their code', () => {
      for (const code of [
        'ECONNREFUSED',
        'ECONNRESET',
        'ETIMEDOUT',
        'EPIPE',
        'ENOTFOUND',
        'EAI_AGAIN',
        'EHOSTUNREACH',
        'ENETUNREACH',
        'ECONNABORTED',
        'UND_ERR_SOCKET',
      ]) {
        const failure = classifyFailure(Object.assign(new Error(`connect ${code}`), { code }));
        assert.deepEqual({ kind: failure.kind, name: failure.name }, { kind: 'transient', name: code });
      }
    });

    it('a plain Error, and anything that is not an error, is transient (the policy decides, not a guess)', () => {
      assert.deepEqual(classifyFailure(new Error('something broke')), {
        kind: 'transient',
        name: 'Error',
        message: 'something broke',
        status: undefined,
      });
      assert.equal(classifyFailure(new TypeError('x is undefined')).kind, 'transient');
      assert.deepEqual(classifyFailure('a string'), {
        kind: 'transient',
        name: 'UnknownError',
        message: 'a string',
        status: undefined,
      });
      assert.equal(classifyFailure(undefined).kind, 'transient');
      assert.equal(classifyFailure(null).name, 'UnknownError');
    });
  });

  describe('errors of real calls over HTTP', () => {
    let lm: RunningEmulator;
    let client: LicenseManagerClient;
    const getLicense = () =>
      new GetLicenseCommand({
        LicenseArn: 'arn:aws:license-manager::294406891311:license:l-0123456789abcdef0123456789abcdef',
      });

    async function failureOf(call: Promise<unknown>) {
      try {
        await call;
      } catch (error) {
        return classifyFailure(error);
      }
      return assert.fail('the call should have failed');
    }

    beforeEach(async () => {
      lm = await startEmulator({ host: '127.0.0.1', port: 0 });
      client = new LicenseManagerClient({ endpoint: lm.url, region: 'us-east-1', maxAttempts: 1 });
    });

    afterEach(async () => {
      client.destroy();
      await lm.close();
    });

    it('a 503 with an unknown name is transient', async () => {
      lm.addFault({ operation: 'GetLicense', kind: 'error', error: 'BackendHiccup', status: 503 });
      assert.deepEqual(await failureOf(client.send(getLicense())), {
        kind: 'transient',
        name: 'BackendHiccup',
        message: 'Injected fault: BackendHiccup.',
        status: 503,
      });
    });

    it('RateLimitExceededException at 400 is transient', async () => {
      lm.addFault({ operation: 'GetLicense', kind: 'error', error: 'RateLimitExceededException', status: 400 });
      const failure = await failureOf(client.send(getLicense()));
      assert.deepEqual(
        { kind: failure.kind, name: failure.name, status: failure.status },
        { kind: 'transient', name: 'RateLimitExceededException', status: 400 },
      );
    });

    it('a dropped connection is transient', async () => {
      lm.addFault({ operation: 'GetLicense', kind: 'drop' });
      assert.equal((await failureOf(client.send(getLicense()))).kind, 'transient');
    });

    it('an aborted call (AbortError) is transient', async () => {
      const failure = await failureOf(client.send(getLicense(), { abortSignal: AbortSignal.abort() }));
      assert.deepEqual({ kind: failure.kind, name: failure.name }, { kind: 'transient', name: 'AbortError' });
    });

    it('ECONNREFUSED is transient', async () => {
      const server = createServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      await new Promise<void>((resolve) => server.close(() => resolve()));
      const nobody = new LicenseManagerClient({
        endpoint: `http://127.0.0.1:${port}`,
        region: 'us-east-1',
        maxAttempts: 1,
      });
      try {
        const failure = await failureOf(nobody.send(getLicense()));
        assert.deepEqual({ kind: failure.kind, name: failure.name }, { kind: 'transient', name: 'ECONNREFUSED' });
      } finally {
        nobody.destroy();
      }
    });

    it('a GetLicense of an unknown ARN (InvalidParameterValueException) is configuration', async () => {
      const failure = await failureOf(client.send(getLicense()));
      assert.deepEqual(
        { kind: failure.kind, name: failure.name, status: failure.status },
        { kind: 'configuration', name: 'InvalidParameterValueException', status: 400 },
      );
    });
  });
});
