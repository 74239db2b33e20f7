import assert from 'node:assert/strict';

import {
  CheckInLicenseCommand,
  CheckoutBorrowLicenseCommand,
  CreateLicenseCommand,
  ExtendLicenseConsumptionCommand,
  GetLicenseCommand,
  GetLicenseUsageCommand,
  ListLicensesCommand,
  ListReceivedLicensesCommand,
} from '@aws-sdk/client-license-manager';

import {
  CONFIGURABLE_ARN,
  CREDENTIALS,
  DAY,
  REGION,
  assertRawError,
  checkout,
  expectAwsError,
  fakeSigV4Headers,
  newToken,
  rawCall,
  standardSeeds,
  usageOf,
  useEmulator,
} from './support/emulator-fixture.js';

/** The IAM policy of the AWS Marketplace integration page: what a buyer's software may call. */
const BUYER_ACTIONS = [
  'license-manager:CheckoutLicense',
  'license-manager:GetLicense',
  'license-manager:CheckInLicense',
  'license-manager:ExtendLicenseConsumption',
  'license-manager:ListReceivedLicenses',
];
const BUYER = { accessKeyId: 'AKIDBUYER', secretAccessKey: 'buyer-secret' };
const READER = { accessKeyId: 'AKIDREADER', secretAccessKey: 'reader-secret' };
const SESSION = { accessKeyId: 'ASIASESSION', secretAccessKey: 'session-secret', sessionToken: 'session-token-1' };

function createLicenseInput() {
  const now = Date.now();
  return {
    LicenseName: 'Denied license',
    ProductName: 'Denied product',
    ProductSKU: 'sku-denied',
    Issuer: { Name: 'Buyer Co' },
    HomeRegion: 'us-east-1',
    Validity: { Begin: new Date(now - DAY).toISOString(), End: new Date(now + DAY).toISOString() },
    Entitlements: [{ Name: 'Seats', MaxCount: 1, Unit: 'Count' as const }],
    Beneficiary: '111122223333',
    ConsumptionConfiguration: { ProvisionalConfiguration: { MaxTimeToLiveInMinutes: 60 } },
    ClientToken: newToken(),
  };
}

describe("auth: 'signed' (the default)", () => {
  const lm = useEmulator(() => ({ licenses: standardSeeds() }), { each: false });

  it('answers an unsigned request with MissingAuthenticationTokenException (400)', async () => {
    const answer = await rawCall(lm.running.url, 'GetLicense', { body: { LicenseArn: CONFIGURABLE_ARN }, auth: false });
    assertRawError(answer, 'MissingAuthenticationTokenException', 400);
    assert.deepEqual(lm.running.emulator.callCounts()['GetLicense'], { calls: 1, errors: 1 });
  });

  it('answers a malformed Authorization header with IncompleteSignatureException (400)', async () => {
    for (const authorization of [
      'Bearer abc',
      'AWS4-HMAC-SHA256 Credential=AKIDTEST/20260101/us-east-1/license-manager/aws4_request, SignedHeaders=host;x-amz-date',
      'AWS4-HMAC-SHA256 Credential=AKIDTEST/20260101/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=00',
      'AWS4-HMAC-SHA256 Credential=AKIDTEST/us-east-1, SignedHeaders=host;x-amz-date, Signature=00',
    ]) {
      const answer = await rawCall(lm.running.url, 'GetLicense', {
        body: { LicenseArn: CONFIGURABLE_ARN },
        headers: { Authorization: authorization },
      });
      assertRawError(answer, 'IncompleteSignatureException', 400);
    }
  });

  it('answers a signed header that is missing from the request with IncompleteSignatureException', async () => {
    const answer = await rawCall(lm.running.url, 'GetLicense', {
      body: { LicenseArn: CONFIGURABLE_ARN },
      headers: {
        Authorization:
          'AWS4-HMAC-SHA256 Credential=AKIDTEST/20260101/us-east-1/license-manager/aws4_request, ' +
          'SignedHeaders=host;x-amz-date;x-amz-target;x-amz-security-token, Signature=00',
      },
    });
    assertRawError(answer, 'IncompleteSignatureException', 400);
  });

  it('does not check the signature: an SDK client with any secret is served', async () => {
    const other = lm.clientFor({ credentials: { accessKeyId: 'AKIDANYONE', secretAccessKey: 'whatever' } });
    const answer = await other.send(new GetLicenseCommand({ LicenseArn: CONFIGURABLE_ARN }));
    assert.equal(answer.License?.LicenseArn, CONFIGURABLE_ARN);
  });
});

describe("auth: 'strict' with the real SDK", () => {
  const lm = useEmulator(
    () => ({
      licenses: standardSeeds(),
      auth: 'strict',
      accessKeys: [
        { ...CREDENTIALS },
        { ...BUYER, actions: BUYER_ACTIONS },
        { ...READER, actions: ['license-manager:Get*'] },
        { ...SESSION },
      ],
    }),
    { each: false },
  );

  it('serves a request signed with a known key and its secret', async () => {
    const answer = await checkout(lm.client);
    assert.equal(answer.LicenseArn, CONFIGURABLE_ARN);
  });

  it('answers a wrong secret with InvalidSignatureException (400) and does nothing', async () => {
    const wrong = lm.clientFor({
      credentials: { accessKeyId: CREDENTIALS.accessKeyId, secretAccessKey: 'not-the-secret' },
    });
    const error = await expectAwsError(checkout(wrong), 'InvalidSignatureException', 400);
    assert.match(error.message, /signature we calculated does not match/);
    assert.equal((await usageOf(lm.client, CONFIGURABLE_ARN))['ConcurrentUsers'], '0');
  });

  it('answers an unknown access key with UnrecognizedClientException (400)', async () => {
    const stranger = lm.clientFor({ credentials: { accessKeyId: 'AKIDSTRANGER', secretAccessKey: 'secret' } });
    const error = await expectAwsError(
      stranger.send(new GetLicenseCommand({ LicenseArn: CONFIGURABLE_ARN })),
      'UnrecognizedClientException',
      400,
    );
    assert.match(error.message, /security token included in the request is invalid/);
  });

  it('checks the session token of a key that has one', async () => {
    const withToken = lm.clientFor({ credentials: SESSION });
    await withToken.send(new GetLicenseCommand({ LicenseArn: CONFIGURABLE_ARN }));
    const withoutToken = lm.clientFor({
      credentials: { accessKeyId: SESSION.accessKeyId, secretAccessKey: SESSION.secretAccessKey },
    });
    await expectAwsError(
      withoutToken.send(new GetLicenseCommand({ LicenseArn: CONFIGURABLE_ARN })),
      'UnrecognizedClientException',
      400,
    );
  });

  it('answers an unsigned request with MissingAuthenticationTokenException and a forged one with InvalidSignatureException', async () => {
    assertRawError(
      await rawCall(lm.running.url, 'GetLicense', { body: { LicenseArn: CONFIGURABLE_ARN }, auth: false }),
      'MissingAuthenticationTokenException',
      400,
    );
    assertRawError(
      await rawCall(lm.running.url, 'GetLicense', {
        body: { LicenseArn: CONFIGURABLE_ARN },
        headers: fakeSigV4Headers(REGION, 'content-type;host;x-amz-date;x-amz-target'),
      }),
      'InvalidSignatureException',
      400,
    );
  });

  it('checks request times against its wall clock: skewed 20 minutes, a request signed on real time is InvalidSignatureException', async () => {
    lm.running.clock.skew(20 * 60_000);
    // Fresh clients: the SDK learns the server's offset from the Date header of the refusal.
    const error = await expectAwsError(
      lm.clientFor().send(new GetLicenseCommand({ LicenseArn: CONFIGURABLE_ARN })),
      'InvalidSignatureException',
      400,
    );
    assert.match(error.message, /Signature expired/);
    lm.running.clock.skew(10 * 60_000);
    const fresh = lm.clientFor();
    const answer = await fresh.send(new GetLicenseCommand({ LicenseArn: CONFIGURABLE_ARN }));
    assert.equal(answer.License?.LicenseArn, CONFIGURABLE_ARN, 'within 15 minutes of its wall clock');
  });

  it("lets a key limited to the Marketplace page's IAM policy call the five buyer operations", async () => {
    const buyer = lm.clientFor({ credentials: BUYER });
    const seat = await checkout(buyer);
    await buyer.send(new ExtendLicenseConsumptionCommand({ LicenseConsumptionToken: seat.LicenseConsumptionToken }));
    await buyer.send(new CheckInLicenseCommand({ LicenseConsumptionToken: seat.LicenseConsumptionToken }));
    const license = await buyer.send(new GetLicenseCommand({ LicenseArn: CONFIGURABLE_ARN }));
    assert.equal(license.License?.Status, 'AVAILABLE');
    const listed = await buyer.send(new ListReceivedLicensesCommand({}));
    assert.equal(listed.Licenses?.length, 2);
  });

  it('answers AccessDeniedException (401) to that key for CreateLicense, and creates nothing', async () => {
    const buyer = lm.clientFor({ credentials: BUYER });
    const error = await expectAwsError(
      buyer.send(new CreateLicenseCommand(createLicenseInput())),
      'AccessDeniedException',
      401,
    );
    assert.match(error.message, /AKIDBUYER is not authorized to perform: license-manager:CreateLicense/);
    const issued = await lm.client.send(new ListLicensesCommand({}));
    assert.deepEqual(issued.Licenses, []);
    await lm.client.send(new CreateLicenseCommand(createLicenseInput()));
    assert.equal((await lm.client.send(new ListLicensesCommand({}))).Licenses?.length, 1);
  });

  it('answers AccessDeniedException to that key for the other operations outside its policy', async () => {
    const buyer = lm.clientFor({ credentials: BUYER });
    await expectAwsError(
      buyer.send(new GetLicenseUsageCommand({ LicenseArn: CONFIGURABLE_ARN })),
      'AccessDeniedException',
      401,
    );
    await expectAwsError(
      buyer.send(
        new CheckoutBorrowLicenseCommand({
          LicenseArn: CONFIGURABLE_ARN,
          Entitlements: [{ Name: 'ConcurrentUsers', Unit: 'Count', Value: '1' }],
          DigitalSignatureMethod: 'JWT_PS384',
          ClientToken: newToken(),
        }),
      ),
      'AccessDeniedException',
      401,
    );
  });

  it('matches IAM wildcards: license-manager:Get* allows GetLicense and GetLicenseUsage only', async () => {
    const reader = lm.clientFor({ credentials: READER });
    await reader.send(new GetLicenseCommand({ LicenseArn: CONFIGURABLE_ARN }));
    await reader.send(new GetLicenseUsageCommand({ LicenseArn: CONFIGURABLE_ARN }));
    await expectAwsError(checkout(reader), 'AccessDeniedException', 401);
    await expectAwsError(reader.send(new ListReceivedLicensesCommand({})), 'AccessDeniedException', 401);
  });
});
