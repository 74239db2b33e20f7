/** The AWS JSON 1.1 wire protocol, seen with raw HTTP (node's fetch) rather than through the SDK. */
import assert from 'node:assert/strict';

import { CheckInLicenseCommand, GetLicenseCommand } from '@aws-sdk/client-license-manager';

import {
  CONFIGURABLE_ARN,
  CONFIGURABLE_SKU,
  DAY,
  MARKETPLACE_FINGERPRINT,
  assertRawError,
  checkout,
  expectAwsError,
  rawCall,
  standardSeeds,
  useEmulator,
  type RawAnswer,
} from './support/emulator-fixture.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Status of each exception in the Smithy model (ARCHITECTURE.md U-2); names it does not know answer 400. */
const SMITHY: Readonly<Record<string, number>> = {
  ValidationException: 400,
  InvalidParameterValueException: 400,
  ResourceNotFoundException: 400,
  NoEntitlementsAllowedException: 400,
  EntitlementNotAllowedException: 400,
  UnsupportedDigitalSignatureMethodException: 400,
  RedirectException: 308,
  AuthorizationException: 403,
  AccessDeniedException: 401,
  RateLimitExceededException: 429,
  ServerInternalException: 500,
  ConflictException: 409,
  ResourceLimitExceededException: 400,
  FilterLimitExceededException: 400,
  FailedDependencyException: 424,
  InvalidResourceStateException: 400,
  LicenseUsageException: 412,
  ThrottlingException: 400,
};

const CHECKOUT_BODY = {
  ProductSKU: CONFIGURABLE_SKU,
  CheckoutType: 'PROVISIONAL',
  KeyFingerprint: MARKETPLACE_FINGERPRINT,
  Entitlements: [{ Name: 'ConcurrentUsers', Unit: 'Count', Value: '1' }],
  ClientToken: 'raw-checkout-1',
};

function dateHeaderSkewMs(answer: RawAnswer): number {
  const date = answer.headers.get('date');
  assert.ok(date !== null, 'a Date header');
  return Math.abs(Date.parse(date) - Date.now());
}

describe('wire protocol (raw HTTP)', () => {
  const lm = useEmulator(() => ({ licenses: standardSeeds() }), { each: false });

  describe('successful answers', () => {
    it('answer 200 application/x-amz-json-1.1 with x-amzn-RequestId, Date and the output members', async () => {
      const answer = await rawCall(lm.running.url, 'CheckoutLicense', { body: CHECKOUT_BODY });
      assert.equal(answer.status, 200);
      assert.equal(answer.headers.get('content-type'), 'application/x-amz-json-1.1');
      assert.match(answer.headers.get('x-amzn-requestid') ?? '', UUID);
      assert.equal(Number(answer.headers.get('content-length')), Buffer.byteLength(answer.text));
      assert.ok(dateHeaderSkewMs(answer) < 5_000);
      assert.deepEqual(Object.keys(answer.json ?? {}).sort(), [
        'CheckoutType',
        'EntitlementsAllowed',
        'Expiration',
        'IssuedAt',
        'LicenseArn',
        'LicenseConsumptionToken',
      ]);
    });

    it('answer CheckInLicense (no output members) with an empty body', async () => {
      const out = await rawCall(lm.running.url, 'CheckoutLicense', { body: CHECKOUT_BODY });
      const answer = await rawCall(lm.running.url, 'CheckInLicense', {
        body: { LicenseConsumptionToken: out.json?.['LicenseConsumptionToken'] },
      });
      assert.equal(answer.status, 200);
      assert.equal(answer.text, '');
      assert.equal(answer.headers.get('content-length'), '0');
      assert.match(answer.headers.get('x-amzn-requestid') ?? '', UUID);
    });

    it('take an empty body as {} and ignore members the model does not know', async () => {
      const empty = await rawCall(lm.running.url, 'ListReceivedLicenses', { body: '' });
      assert.equal(empty.status, 200);
      assert.equal((empty.json?.['Licenses'] as unknown[]).length, 2);
      const extra = await rawCall(lm.running.url, 'GetLicense', {
        body: { LicenseArn: CONFIGURABLE_ARN, FutureMember: { nested: true } },
      });
      assert.equal(extra.status, 200);
    });

    it('accept application/json and a charset parameter', async () => {
      for (const type of ['application/json', 'application/x-amz-json-1.1; charset=utf-8']) {
        const answer = await rawCall(lm.running.url, 'GetLicense', {
          body: { LicenseArn: CONFIGURABLE_ARN },
          headers: { 'Content-Type': type },
        });
        assert.equal(answer.status, 200, type);
      }
    });
  });

  describe('headers on every answer', () => {
    it('send a distinct x-amzn-RequestId on successes, errors, 404s and refused requests', async () => {
      const answers = [
        await rawCall(lm.running.url, 'GetLicense', { body: { LicenseArn: CONFIGURABLE_ARN } }),
        await rawCall(lm.running.url, 'GetLicense', { body: { LicenseArn: 'nope' } }),
        await rawCall(lm.running.url, 'GetLicense', { body: '{' }),
        await rawCall(lm.running.url, 'NoSuchOperation', { body: {} }),
        await rawCall(lm.running.url, 'GetLicense', { body: {}, auth: false }),
        await rawCall(lm.running.url, undefined, { method: 'GET' }),
      ];
      const ids = answers.map((a) => a.headers.get('x-amzn-requestid') ?? '');
      for (const id of ids) assert.match(id, UUID);
      assert.equal(new Set(ids).size, ids.length);
    });

    it('keep the Date header on real time after the virtual clock moves a year ahead', async () => {
      lm.running.clock.advance(365 * DAY);
      const ok = await rawCall(lm.running.url, 'GetLicense', { body: { LicenseArn: CONFIGURABLE_ARN } });
      assert.equal(ok.json?.['License'] !== undefined, true);
      assert.ok(dateHeaderSkewMs(ok) < 5_000, `Date ${ok.headers.get('date')} is real time`);
      const error = await rawCall(lm.running.url, 'CheckoutLicense', { body: CHECKOUT_BODY });
      assertRawError(error, 'NoEntitlementsAllowedException', 400);
      assert.ok(dateHeaderSkewMs(error) < 5_000);
    });

    it('so the SDK does not shift its signing clock when the virtual clock moves', async () => {
      lm.running.clock.advance(365 * DAY);
      // The SDK takes the server's Date into its clock offset after every answer, success or error;
      // real time keeps the offset near 0 (not a year).
      const offset = () => Math.abs(lm.client.config.systemClockOffset ?? 0);
      await lm.client.send(new GetLicenseCommand({ LicenseArn: CONFIGURABLE_ARN }));
      assert.ok(offset() < 5_000, `offset after a success: ${lm.client.config.systemClockOffset} ms`);
      await expectAwsError(checkout(lm.client), 'NoEntitlementsAllowedException', 400);
      assert.ok(offset() < 5_000, `offset after an error: ${lm.client.config.systemClockOffset} ms`);
    });
  });

  describe('errors', () => {
    it('carry __type, Message and message in the body, and an x-amzn-ErrorType that agrees', async () => {
      const answer = await rawCall(lm.running.url, 'CheckoutLicense', {
        body: { ...CHECKOUT_BODY, ProductSKU: 'no-such-sku' },
      });
      assertRawError(answer, 'ResourceNotFoundException', 400);
      assert.deepEqual(Object.keys(answer.json ?? {}).sort(), ['Message', '__type', 'message']);
      assert.match(String(answer.json?.['Message']), /no-such-sku/);
      assert.match(answer.headers.get('x-amzn-requestid') ?? '', UUID);
    });

    it('put RedirectException Location in the body and in a Location header', async () => {
      const answer = await rawCall(lm.running.url, 'DeleteLicense', {
        body: { LicenseArn: CONFIGURABLE_ARN, SourceVersion: '1' },
        headers: {
          Authorization:
            'AWS4-HMAC-SHA256 Credential=AKIDTEST/20260101/eu-central-1/license-manager/aws4_request, ' +
            'SignedHeaders=host;x-amz-date, Signature=00',
        },
      });
      assertRawError(answer, 'RedirectException', 308);
      assert.equal(answer.json?.['Location'], 'https://license-manager.us-east-1.amazonaws.com');
      assert.equal(answer.headers.get('location'), 'https://license-manager.us-east-1.amazonaws.com');
    });

    it('list every violated constraint in one ValidationException, Coral style', async () => {
      const answer = await rawCall(lm.running.url, 'CheckoutLicense', {
        body: { ...CHECKOUT_BODY, ProductSKU: undefined, CheckoutType: 'BOGUS' },
      });
      assertRawError(answer, 'ValidationException', 400);
      assert.equal(
        answer.json?.['Message'],
        "2 validation errors detected: Value null at 'productSKU' failed to satisfy constraint: Member must not be null; " +
          "Value 'BOGUS' at 'checkoutType' failed to satisfy constraint: Member must satisfy enum value set: [PROVISIONAL, PERPETUAL]",
      );
    });

    it('answer UnknownOperationException for a target License Manager does not have', async () => {
      assertRawError(await rawCall(lm.running.url, 'BogusOperation', { body: {} }), 'UnknownOperationException', 400);
      const foreign = await rawCall(lm.running.url, undefined, {
        body: {},
        headers: { 'X-Amz-Target': 'AmazonSSM.GetParameter' },
      });
      assertRawError(foreign, 'UnknownOperationException', 400);
    });

    it('answer UnknownOperationException, saying so, for a modelled operation it does not emulate', async () => {
      const answer = await rawCall(lm.running.url, 'CreateGrant', { body: {} });
      assertRawError(answer, 'UnknownOperationException', 400);
      assert.match(
        String(answer.json?.['Message']),
        /CreateGrant is a License Manager operation that licensegate-emulator does not emulate/,
      );
    });

    it('answer UnknownOperationException when X-Amz-Target is missing', async () => {
      const answer = await rawCall(lm.running.url, undefined, { body: {} });
      assertRawError(answer, 'UnknownOperationException', 400);
      assert.match(String(answer.json?.['Message']), /X-Amz-Target/);
    });

    it('answer 404 UnknownOperationException to GET / and to another path', async () => {
      assertRawError(await rawCall(lm.running.url, undefined, { method: 'GET' }), 'UnknownOperationException', 404);
      assertRawError(
        await rawCall(lm.running.url, 'GetLicense', { path: '/2018-08-01/licenses', body: {} }),
        'UnknownOperationException',
        404,
      );
    });

    it('answer SerializationException to a body that is not JSON', async () => {
      assertRawError(
        await rawCall(lm.running.url, 'CheckoutLicense', { body: '{"ProductSKU": ' }),
        'SerializationException',
        400,
      );
    });

    it('answer SerializationException to a content type other than JSON', async () => {
      const answer = await rawCall(lm.running.url, 'GetLicense', {
        body: JSON.stringify({ LicenseArn: CONFIGURABLE_ARN }),
        headers: { 'Content-Type': 'text/plain' },
      });
      assertRawError(answer, 'SerializationException', 400);
      assert.match(String(answer.json?.['Message']), /text\/plain/);
    });

    it('answer 413 SerializationException to a body over 1 MiB', async () => {
      const body = JSON.stringify({ LicenseArn: CONFIGURABLE_ARN, Padding: 'x'.repeat(1024 * 1024) });
      const answer = await rawCall(lm.running.url, 'GetLicense', { body });
      assertRawError(answer, 'SerializationException', 413);
    });

    it('take a body of exactly 1 MiB', async () => {
      const head = JSON.stringify({ LicenseArn: CONFIGURABLE_ARN, Padding: '' });
      const body = head.replace('""', `"${'x'.repeat(1024 * 1024 - Buffer.byteLength(head))}"`);
      assert.equal(Buffer.byteLength(body), 1024 * 1024);
      assert.equal((await rawCall(lm.running.url, 'GetLicense', { body })).status, 200);
    });
  });

  describe('status codes', () => {
    for (const [name, status] of Object.entries(SMITHY)) {
      it(`smithy (default): ${name} -> ${status}`, async () => {
        lm.running.addFault({ operation: 'GetLicense', kind: 'error', error: name, times: 1 });
        const answer = await rawCall(lm.running.url, 'GetLicense', { body: { LicenseArn: CONFIGURABLE_ARN } });
        assertRawError(answer, name, status);
      });
    }
  });
});

describe("wire protocol with statusCodes: 'apiref'", () => {
  const lm = useEmulator(() => ({ licenses: standardSeeds(), statusCodes: 'apiref' }), { each: false });

  for (const name of Object.keys(SMITHY)) {
    const status = name === 'ServerInternalException' ? 500 : 400;
    it(`apiref: ${name} -> ${status}`, async () => {
      lm.running.addFault({ operation: 'GetLicense', kind: 'error', error: name, times: 1 });
      const answer = await rawCall(lm.running.url, 'GetLicense', { body: { LicenseArn: CONFIGURABLE_ARN } });
      assertRawError(answer, name, status);
    });
  }

  it('the SDK still names each error by __type: ConflictException at 400, RateLimitExceededException at 400', async () => {
    const { LicenseConsumptionToken } = await checkout(lm.client, {
      type: 'PERPETUAL',
      entitlements: [{ Name: 'DataConsumption', Unit: 'Count', Value: '1' }],
    });
    await expectAwsError(
      lm.client.send(new CheckInLicenseCommand({ LicenseConsumptionToken })),
      'ConflictException',
      400,
    );
    lm.running.addFault({ operation: 'CheckoutLicense', kind: 'error', error: 'RateLimitExceededException', times: 1 });
    await expectAwsError(checkout(lm.client), 'RateLimitExceededException', 400);
  });

  it('a fault with its own status keeps it', async () => {
    lm.running.addFault({
      operation: 'GetLicense',
      kind: 'error',
      error: 'RateLimitExceededException',
      status: 429,
      times: 1,
    });
    const answer = await rawCall(lm.running.url, 'GetLicense', { body: { LicenseArn: CONFIGURABLE_ARN } });
    assertRawError(answer, 'RateLimitExceededException', 429);
  });
});
