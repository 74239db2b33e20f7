import assert from 'node:assert/strict';
import { constants, verify } from 'node:crypto';

import {
  CheckInLicenseCommand,
  CheckoutBorrowLicenseCommand,
  GetLicenseCommand,
  type CheckoutBorrowLicenseCommandInput,
  type LicenseManagerClient,
} from '@aws-sdk/client-license-manager';

import {
  ALL_TIERS,
  CONFIGURABLE_ARN,
  DAY,
  EMULATOR_ACCOUNT,
  HOUR,
  MARKETPLACE_FINGERPRINT,
  MINUTE,
  TIERED_ARN,
  TIERED_SKU,
  arnFor,
  checkout,
  counted,
  expectAwsError,
  marketplaceSeed,
  newToken,
  sellerFingerprint,
  sellerSeed,
  standardSeeds,
  tier,
  usageOf,
  useEmulator,
} from './support/emulator-fixture.js';

/** Checkout times are `YYYY-MM-DDTHH:MM:SS`, UTC without a zone. */
const CHECKOUT_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/;

function checkoutTimeMs(text: string | undefined): number {
  assert.match(text ?? '', CHECKOUT_TIME);
  return Date.parse(`${text}Z`);
}

const PREMIUM_SKU = 'sku-premium';
const OVERAGE_SKU = 'sku-overage';
const ONE_SEAT_SKU = 'sku-one-seat';
const EXPIRED_SKU = 'sku-expired';
const DEACTIVATED_SKU = 'sku-deactivated';
const SHORT_SKU = 'sku-short-term';
const FUTURE_SKU = 'sku-not-yet-begun';
const SELLER_SKU = 'sku-seller';
const BORROW_SKU = 'sku-borrow';
const BORROW_LOCKED_SKU = 'sku-borrow-no-early-check-in';

function seeds() {
  return [
    ...standardSeeds(),
    marketplaceSeed(PREMIUM_SKU, [tier('Premium')]),
    marketplaceSeed(OVERAGE_SKU, [counted('ConcurrentUsers', 2, { Overage: true })]),
    marketplaceSeed(ONE_SEAT_SKU, [counted('ConcurrentUsers', 1)]),
    marketplaceSeed(EXPIRED_SKU, [tier('Basic')], { Validity: { Begin: '-30d', End: '-1d' } }),
    marketplaceSeed(DEACTIVATED_SKU, [tier('Basic')], { Status: 'DEACTIVATED' }),
    marketplaceSeed(SHORT_SKU, [tier('Basic')], { Validity: { Begin: '-1d', End: '+2d' } }),
    marketplaceSeed(FUTURE_SKU, [tier('Basic')], { Validity: { Begin: '+1d', End: '+30d' } }),
    sellerSeed(SELLER_SKU, 'Acme Corp', [counted('Users', 10)], { Beneficiary: 'customer@example.com' }),
    sellerSeed(BORROW_SKU, 'Acme Corp', [counted('Users', 3), tier('Pro')], {
      ConsumptionConfiguration: {
        RenewType: 'None',
        ProvisionalConfiguration: { MaxTimeToLiveInMinutes: 60 },
        BorrowConfiguration: { AllowEarlyCheckIn: true, MaxTimeToLiveInMinutes: 1440 },
      },
    }),
    sellerSeed(BORROW_LOCKED_SKU, 'Acme Corp', [counted('Users', 3)], {
      ConsumptionConfiguration: {
        RenewType: 'None',
        BorrowConfiguration: { AllowEarlyCheckIn: false, MaxTimeToLiveInMinutes: 120 },
      },
    }),
  ];
}

describe('CheckoutLicense through the AWS SDK', () => {
  const lm = useEmulator(() => ({ licenses: seeds() }));

  describe('tiers (Unit None)', () => {
    it('answers a checkout that lists Basic, Intermediate and Premium with only the tier bought', async () => {
      const answer = await checkout(lm.client, { sku: TIERED_SKU, entitlements: ALL_TIERS });
      assert.deepEqual(answer.EntitlementsAllowed, [{ Name: 'Intermediate', Unit: 'None', Value: 'Enabled' }]);
      assert.equal(answer.CheckoutType, 'PROVISIONAL');
      assert.equal(answer.LicenseArn, TIERED_ARN);
      assert.match(answer.LicenseConsumptionToken ?? '', /^[0-9a-f]{32}$/);
      assert.equal(answer.SignedToken, undefined);
      const issued = checkoutTimeMs(answer.IssuedAt);
      assert.ok(Math.abs(issued - lm.running.clock.now()) < 5_000, 'IssuedAt is the virtual now');
      assert.equal(checkoutTimeMs(answer.Expiration) - issued, HOUR, 'Expiration = IssuedAt + the 60-minute TTL');
    });

    it('answers the other tier for another license', async () => {
      const answer = await checkout(lm.client, { sku: PREMIUM_SKU, entitlements: ALL_TIERS });
      assert.deepEqual(answer.EntitlementsAllowed, [{ Name: 'Premium', Unit: 'None', Value: 'Enabled' }]);
    });

    it('refuses a checkout naming no tier the license has with NoEntitlementsAllowedException', async () => {
      const error = await expectAwsError(
        checkout(lm.client, {
          sku: TIERED_SKU,
          entitlements: [
            { Name: 'Basic', Unit: 'None' },
            { Name: 'Enterprise', Unit: 'None' },
          ],
        }),
        'NoEntitlementsAllowedException',
        400,
      );
      assert.match(error.message, /No Entitlements Allowed/);
    });

    it('grants nothing when the Unit differs: Count for a None tier, None for a Count entitlement', async () => {
      await expectAwsError(
        checkout(lm.client, { sku: TIERED_SKU, entitlements: [{ Name: 'Intermediate', Unit: 'Count', Value: '1' }] }),
        'NoEntitlementsAllowedException',
        400,
      );
      await expectAwsError(
        checkout(lm.client, { entitlements: [{ Name: 'ConcurrentUsers', Unit: 'None' }] }),
        'NoEntitlementsAllowedException',
        400,
      );
      assert.deepEqual(await usageOf(lm.client, CONFIGURABLE_ARN), { ConcurrentUsers: '0', DataConsumption: '0' });
    });
  });

  describe('counted units', () => {
    it('takes the units a PROVISIONAL checkout asks for and echoes them', async () => {
      const answer = await checkout(lm.client, {
        entitlements: [{ Name: 'ConcurrentUsers', Unit: 'Count', Value: '2' }],
      });
      assert.deepEqual(answer.EntitlementsAllowed, [{ Name: 'ConcurrentUsers', Unit: 'Count', Value: '2' }]);
      assert.equal(answer.LicenseArn, CONFIGURABLE_ARN);
      assert.deepEqual(await usageOf(lm.client, CONFIGURABLE_ARN), { ConcurrentUsers: '2', DataConsumption: '0' });
    });

    it('grants seats up to MaxCount, then refuses with NoEntitlementsAllowedException and takes nothing', async () => {
      for (let i = 0; i < 5; i++) await checkout(lm.client);
      await expectAwsError(checkout(lm.client), 'NoEntitlementsAllowedException', 400);
      assert.equal((await usageOf(lm.client, CONFIGURABLE_ARN))['ConcurrentUsers'], '5');
    });

    it('refuses a single checkout of more than MaxCount', async () => {
      await expectAwsError(
        checkout(lm.client, { entitlements: [{ Name: 'ConcurrentUsers', Unit: 'Count', Value: '6' }] }),
        'NoEntitlementsAllowedException',
        400,
      );
      assert.equal((await usageOf(lm.client, CONFIGURABLE_ARN))['ConcurrentUsers'], '0');
    });

    it('lets checkouts go past MaxCount when the entitlement has Overage: true', async () => {
      const arn = arnFor(OVERAGE_SKU);
      for (let i = 0; i < 3; i++) await checkout(lm.client, { sku: OVERAGE_SKU });
      const answer = await checkout(lm.client, {
        sku: OVERAGE_SKU,
        entitlements: [{ Name: 'ConcurrentUsers', Unit: 'Count', Value: '10' }],
      });
      assert.deepEqual(answer.EntitlementsAllowed, [{ Name: 'ConcurrentUsers', Unit: 'Count', Value: '10' }]);
      assert.deepEqual(await usageOf(lm.client, arn), { ConcurrentUsers: '13' });
    });

    it('consumes PERPETUAL units for good and refuses what is above the remaining pool', async () => {
      const data = (value: string) => [{ Name: 'DataConsumption', Unit: 'Count' as const, Value: value }];
      const first = await checkout(lm.client, { type: 'PERPETUAL', entitlements: data('995') });
      assert.equal(first.CheckoutType, 'PERPETUAL');
      await expectAwsError(
        checkout(lm.client, { type: 'PERPETUAL', entitlements: data('10') }),
        'NoEntitlementsAllowedException',
        400,
      );
      lm.running.clock.advance(2 * DAY);
      assert.equal((await usageOf(lm.client, CONFIGURABLE_ARN))['DataConsumption'], '995', 'no TTL gives units back');
      await checkout(lm.client, { type: 'PERPETUAL', entitlements: data('5') });
      assert.equal((await usageOf(lm.client, CONFIGURABLE_ARN))['DataConsumption'], '1000');
      await expectAwsError(
        checkout(lm.client, { type: 'PERPETUAL', entitlements: data('1') }),
        'NoEntitlementsAllowedException',
        400,
      );
    });

    it('refuses the whole checkout when one of several counted entitlements lacks the units', async () => {
      await expectAwsError(
        checkout(lm.client, {
          entitlements: [
            { Name: 'ConcurrentUsers', Unit: 'Count', Value: '1' },
            { Name: 'DataConsumption', Unit: 'Count', Value: '1001' },
          ],
        }),
        'NoEntitlementsAllowedException',
        400,
      );
      assert.deepEqual(await usageOf(lm.client, CONFIGURABLE_ARN), { ConcurrentUsers: '0', DataConsumption: '0' });
    });

    it('grants several counted entitlements in one checkout when all have the units', async () => {
      const answer = await checkout(lm.client, {
        entitlements: [
          { Name: 'ConcurrentUsers', Unit: 'Count', Value: '1' },
          { Name: 'DataConsumption', Unit: 'Count', Value: '7' },
        ],
      });
      assert.equal(answer.EntitlementsAllowed?.length, 2);
      assert.deepEqual(await usageOf(lm.client, CONFIGURABLE_ARN), { ConcurrentUsers: '1', DataConsumption: '7' });
    });

    it('grants Value "0" and takes nothing', async () => {
      const answer = await checkout(lm.client, {
        entitlements: [{ Name: 'ConcurrentUsers', Unit: 'Count', Value: '0' }],
      });
      assert.deepEqual(answer.EntitlementsAllowed, [{ Name: 'ConcurrentUsers', Unit: 'Count', Value: '0' }]);
      assert.equal((await usageOf(lm.client, CONFIGURABLE_ARN))['ConcurrentUsers'], '0');
    });

    it('echoes NodeId', async () => {
      const answer = await checkout(lm.client, { nodeId: '10.0.0.7' });
      assert.equal(answer.NodeId, '10.0.0.7');
    });
  });

  describe('KeyFingerprint, SKU and beneficiary', () => {
    it('finds an AWS Marketplace license only with the Marketplace fingerprint', async () => {
      await checkout(lm.client, { fingerprint: MARKETPLACE_FINGERPRINT });
      const wrong = await expectAwsError(
        checkout(lm.client, { fingerprint: sellerFingerprint('AWS/Marketplace') }),
        'ResourceNotFoundException',
        400,
      );
      assert.match(wrong.message, /fingerprint/);
      assert.equal((await usageOf(lm.client, CONFIGURABLE_ARN))['ConcurrentUsers'], '1');
    });

    it('finds a seller-issued license with the fingerprint GetLicense reports, and not with the Marketplace one', async () => {
      const arn = arnFor(SELLER_SKU, EMULATOR_ACCOUNT);
      const license = (await lm.client.send(new GetLicenseCommand({ LicenseArn: arn }))).License;
      assert.equal(license?.Issuer?.KeyFingerprint, `aws:${EMULATOR_ACCOUNT}:Acme Corp:issuer-fingerprint`);
      const users = [{ Name: 'Users', Unit: 'Count' as const, Value: '1' }];
      const answer = await checkout(lm.client, {
        sku: SELLER_SKU,
        fingerprint: license?.Issuer?.KeyFingerprint ?? '',
        entitlements: users,
      });
      assert.equal(answer.LicenseArn, arn);
      await expectAwsError(
        checkout(lm.client, { sku: SELLER_SKU, fingerprint: MARKETPLACE_FINGERPRINT, entitlements: users }),
        'ResourceNotFoundException',
        400,
      );
      await expectAwsError(
        checkout(lm.client, { sku: SELLER_SKU, fingerprint: sellerFingerprint('Acme'), entitlements: users }),
        'ResourceNotFoundException',
        400,
      );
    });

    it('answers ResourceNotFoundException for an unknown SKU', async () => {
      await expectAwsError(checkout(lm.client, { sku: 'no-such-sku' }), 'ResourceNotFoundException', 400);
    });

    it('matches Beneficiary when the caller names one', async () => {
      const users = [{ Name: 'Users', Unit: 'Count' as const, Value: '1' }];
      const fingerprint = sellerFingerprint('Acme Corp');
      await checkout(lm.client, {
        sku: SELLER_SKU,
        fingerprint,
        entitlements: users,
        beneficiary: 'customer@example.com',
      });
      await expectAwsError(
        checkout(lm.client, { sku: SELLER_SKU, fingerprint, entitlements: users, beneficiary: 'other@example.com' }),
        'ResourceNotFoundException',
        400,
      );
    });
  });

  describe('license status and validity', () => {
    it('refuses an expired license with NoEntitlementsAllowedException; GetLicense reports EXPIRED', async () => {
      await expectAwsError(
        checkout(lm.client, { sku: EXPIRED_SKU, entitlements: ALL_TIERS }),
        'NoEntitlementsAllowedException',
        400,
      );
      const license = (await lm.client.send(new GetLicenseCommand({ LicenseArn: arnFor(EXPIRED_SKU) }))).License;
      assert.equal(license?.Status, 'EXPIRED');
    });

    it('refuses a DEACTIVATED license; GetLicense reports DEACTIVATED', async () => {
      await expectAwsError(
        checkout(lm.client, { sku: DEACTIVATED_SKU, entitlements: ALL_TIERS }),
        'NoEntitlementsAllowedException',
        400,
      );
      const license = (await lm.client.send(new GetLicenseCommand({ LicenseArn: arnFor(DEACTIVATED_SKU) }))).License;
      assert.equal(license?.Status, 'DEACTIVATED');
    });

    it('stops granting once the virtual clock passes Validity.End', async () => {
      const arn = arnFor(SHORT_SKU);
      assert.deepEqual((await checkout(lm.client, { sku: SHORT_SKU, entitlements: ALL_TIERS })).EntitlementsAllowed, [
        { Name: 'Basic', Unit: 'None', Value: 'Enabled' },
      ]);
      assert.equal((await lm.client.send(new GetLicenseCommand({ LicenseArn: arn }))).License?.Status, 'AVAILABLE');
      lm.running.clock.advance(2 * DAY + MINUTE);
      await expectAwsError(
        checkout(lm.client, { sku: SHORT_SKU, entitlements: ALL_TIERS }),
        'NoEntitlementsAllowedException',
        400,
      );
      assert.equal((await lm.client.send(new GetLicenseCommand({ LicenseArn: arn }))).License?.Status, 'EXPIRED');
    });

    it('refuses a license whose Validity has not begun, until the clock reaches Begin', async () => {
      await expectAwsError(
        checkout(lm.client, { sku: FUTURE_SKU, entitlements: ALL_TIERS }),
        'NoEntitlementsAllowedException',
        400,
      );
      lm.running.clock.advance(DAY + MINUTE);
      const answer = await checkout(lm.client, { sku: FUTURE_SKU, entitlements: ALL_TIERS });
      assert.equal(answer.LicenseArn, arnFor(FUTURE_SKU));
    });

    it('checks out from the usable license when an older one with the same SKU has expired', async () => {
      const [fresh] = lm.running.addLicenses([
        marketplaceSeed(EXPIRED_SKU, [tier('Premium')], { LicenseArn: arnFor('renewed contract') }),
      ]);
      const answer = await checkout(lm.client, { sku: EXPIRED_SKU, entitlements: ALL_TIERS });
      assert.equal(answer.LicenseArn, fresh);
      assert.deepEqual(answer.EntitlementsAllowed, [{ Name: 'Premium', Unit: 'None', Value: 'Enabled' }]);
    });
  });

  describe('ClientToken idempotency', () => {
    it('replays the same answer for the same token and parameters, and consumes once', async () => {
      const clientToken = newToken();
      const first = await checkout(lm.client, { clientToken });
      const second = await checkout(lm.client, { clientToken });
      assert.equal(second.LicenseConsumptionToken, first.LicenseConsumptionToken);
      assert.equal(second.Expiration, first.Expiration);
      assert.equal(lm.running.calls('CheckoutLicense'), 2, 'both calls reached the emulator');
      assert.equal((await usageOf(lm.client, CONFIGURABLE_ARN))['ConcurrentUsers'], '1');
      assert.equal(lm.running.emulator.dump().consumptions.length, 1);
    });

    it('debits PERPETUAL units once however often the same request is retried', async () => {
      const clientToken = newToken();
      const entitlements = [{ Name: 'DataConsumption', Unit: 'Count' as const, Value: '10' }];
      for (let i = 0; i < 3; i++) await checkout(lm.client, { type: 'PERPETUAL', entitlements, clientToken });
      assert.equal((await usageOf(lm.client, CONFIGURABLE_ARN))['DataConsumption'], '10');
    });

    it('refuses the same token with other parameters with ValidationException, taking nothing', async () => {
      const clientToken = newToken();
      await checkout(lm.client, { clientToken });
      const error = await expectAwsError(
        checkout(lm.client, { clientToken, entitlements: [{ Name: 'ConcurrentUsers', Unit: 'Count', Value: '2' }] }),
        'ValidationException',
        400,
      );
      assert.match(error.message, /ClientToken/);
      assert.equal((await usageOf(lm.client, CONFIGURABLE_ARN))['ConcurrentUsers'], '1');
    });

    it('does not burn the token of a failed call: its retry is done afresh', async () => {
      const held = await checkout(lm.client, { sku: ONE_SEAT_SKU });
      const clientToken = newToken();
      await expectAwsError(
        checkout(lm.client, { sku: ONE_SEAT_SKU, clientToken }),
        'NoEntitlementsAllowedException',
        400,
      );
      await lm.client.send(new CheckInLicenseCommand({ LicenseConsumptionToken: held.LicenseConsumptionToken }));
      const retried = await checkout(lm.client, { sku: ONE_SEAT_SKU, clientToken });
      assert.notEqual(retried.LicenseConsumptionToken, held.LicenseConsumptionToken);
      assert.deepEqual(await usageOf(lm.client, arnFor(ONE_SEAT_SKU)), { ConcurrentUsers: '1' });
    });

    it('forgets a token after the 24-hour window even when the clock was moved back before', async () => {
      // A token used while the clock was 200 days ahead, then the clock goes back to real time.
      lm.running.clock.advance(200 * DAY);
      await checkout(lm.client, { sku: TIERED_SKU, entitlements: ALL_TIERS });
      lm.running.clock.reset();
      const clientToken = newToken();
      const first = await checkout(lm.client, { clientToken });
      lm.running.clock.advance(25 * HOUR);
      const second = await checkout(lm.client, { clientToken });
      assert.notEqual(second.LicenseConsumptionToken, first.LicenseConsumptionToken, 'the window has passed');
    });

    it('forgets a token after the 24-hour window (virtual clock)', async () => {
      const clientToken = newToken();
      const first = await checkout(lm.client, { clientToken });
      lm.running.clock.advance(25 * HOUR);
      const second = await checkout(lm.client, { clientToken });
      assert.notEqual(second.LicenseConsumptionToken, first.LicenseConsumptionToken);
      assert.equal((await usageOf(lm.client, CONFIGURABLE_ARN))['ConcurrentUsers'], '1', 'the first seat expired');
    });
  });
});

describe('CheckoutBorrowLicense through the AWS SDK', () => {
  // One emulator (reset before each test), so that its RSA signing key is made once.
  const lm = useEmulator(() => ({ licenses: seeds() }), { each: false });
  const borrowArn = arnFor(BORROW_SKU, EMULATOR_ACCOUNT);

  function borrow(client: LicenseManagerClient, input: Partial<CheckoutBorrowLicenseCommandInput> = {}) {
    return client.send(
      new CheckoutBorrowLicenseCommand({
        LicenseArn: borrowArn,
        Entitlements: [{ Name: 'Users', Unit: 'Count', Value: '1' }],
        DigitalSignatureMethod: 'JWT_PS384',
        NodeId: 'laptop-7',
        CheckoutMetadata: [{ Name: 'user', Value: 'alice' }],
        ClientToken: newToken(),
        ...input,
      }),
    );
  }

  function verifies(token: string, pem: string): boolean {
    const [header, payload, signature] = token.split('.');
    return verify(
      'sha384',
      Buffer.from(`${header}.${payload}`),
      { key: pem, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 48 },
      Buffer.from(signature ?? '', 'base64url'),
    );
  }

  function decode(part: string | undefined): Record<string, unknown> {
    return JSON.parse(Buffer.from(part ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
  }

  it('answers a PS384 SignedToken that verifies with the emulator signing key', async () => {
    const answer = await borrow(lm.client);
    const token = answer.SignedToken ?? '';
    const parts = token.split('.');
    assert.equal(parts.length, 3);
    assert.equal(decode(parts[0])['alg'], 'PS384');
    assert.ok(verifies(token, lm.running.emulator.signingKeyPem()), 'the signature verifies');
    const payload = decode(parts[1]);
    assert.equal(payload['licenseArn'], borrowArn);
    assert.equal(payload['licenseConsumptionToken'], answer.LicenseConsumptionToken);
    assert.deepEqual(payload['entitlementsAllowed'], [{ name: 'Users', unit: 'Count', value: '1' }]);
    assert.equal(payload['nodeId'], 'laptop-7');
    assert.deepEqual(payload['checkoutMetadata'], { user: 'alice' });
    assert.equal(payload['issuedAt'], answer.IssuedAt);
    assert.equal(payload['expiration'], answer.Expiration);
    assert.equal(checkoutTimeMs(answer.Expiration) - checkoutTimeMs(answer.IssuedAt), 1440 * MINUTE);
    assert.deepEqual(answer.CheckoutMetadata, [{ Name: 'user', Value: 'alice' }]);
    assert.equal(answer.NodeId, 'laptop-7');
    assert.deepEqual(await usageOf(lm.client, borrowArn), { Users: '1' });
  });

  it('answers a token that no longer verifies once tampered with', async () => {
    const token = (await borrow(lm.client)).SignedToken ?? '';
    const [header, payload, signature] = token.split('.');
    const forged = Buffer.from(
      JSON.stringify({ ...decode(payload), entitlementsAllowed: [{ name: 'Users', unit: 'Count', value: '3' }] }),
    ).toString('base64url');
    assert.ok(verifies(token, lm.running.emulator.signingKeyPem()));
    assert.equal(verifies(`${header}.${forged}.${signature}`, lm.running.emulator.signingKeyPem()), false);
  });

  it('gives the borrowed units back after the borrow TTL', async () => {
    await borrow(lm.client, { Entitlements: [{ Name: 'Users', Unit: 'Count', Value: '3' }] });
    await expectAwsError(borrow(lm.client), 'NoEntitlementsAllowedException', 400);
    lm.running.clock.advance(1439 * MINUTE);
    assert.deepEqual(await usageOf(lm.client, borrowArn), { Users: '3' });
    lm.running.clock.advance(2 * MINUTE);
    assert.deepEqual(await usageOf(lm.client, borrowArn), { Users: '0' });
  });

  it('refuses a signature method other than JWT_PS384 with UnsupportedDigitalSignatureMethodException', async () => {
    await expectAwsError(
      borrow(lm.client, { DigitalSignatureMethod: 'JWT_RS256' as never }),
      'UnsupportedDigitalSignatureMethodException',
      400,
    );
    assert.deepEqual(await usageOf(lm.client, borrowArn), { Users: '0' });
  });

  it('refuses an entitlement the license lacks with EntitlementNotAllowedException (no partial checkout)', async () => {
    await expectAwsError(
      borrow(lm.client, {
        Entitlements: [
          { Name: 'Users', Unit: 'Count', Value: '1' },
          { Name: 'Admins', Unit: 'Count', Value: '1' },
        ],
      }),
      'EntitlementNotAllowedException',
      400,
    );
    await expectAwsError(
      borrow(lm.client, { Entitlements: [{ Name: 'Pro', Unit: 'Count', Value: '1' }] }),
      'EntitlementNotAllowedException',
      400,
    );
    assert.deepEqual(await usageOf(lm.client, borrowArn), { Users: '0' });
  });

  it('refuses a license without BorrowConfiguration with NoEntitlementsAllowedException', async () => {
    await expectAwsError(
      borrow(lm.client, {
        LicenseArn: CONFIGURABLE_ARN,
        Entitlements: [{ Name: 'ConcurrentUsers', Unit: 'Count', Value: '1' }],
      }),
      'NoEntitlementsAllowedException',
      400,
    );
    assert.equal((await usageOf(lm.client, CONFIGURABLE_ARN))['ConcurrentUsers'], '0');
  });

  it('answers ResourceNotFoundException for an unknown license', async () => {
    await expectAwsError(borrow(lm.client, { LicenseArn: arnFor('nothing') }), 'ResourceNotFoundException', 400);
  });

  it('replays a borrow with the same ClientToken, consuming once', async () => {
    const ClientToken = newToken();
    const first = await borrow(lm.client, { ClientToken });
    const second = await borrow(lm.client, { ClientToken });
    assert.equal(second.SignedToken, first.SignedToken);
    assert.deepEqual(await usageOf(lm.client, borrowArn), { Users: '1' });
  });

  it('checks in a borrow early when AllowEarlyCheckIn is true, refuses it with ConflictException otherwise', async () => {
    const early = await borrow(lm.client);
    await lm.client.send(new CheckInLicenseCommand({ LicenseConsumptionToken: early.LicenseConsumptionToken }));
    assert.deepEqual(await usageOf(lm.client, borrowArn), { Users: '0' });
    const lockedArn = arnFor(BORROW_LOCKED_SKU, EMULATOR_ACCOUNT);
    const locked = await borrow(lm.client, { LicenseArn: lockedArn });
    await expectAwsError(
      lm.client.send(new CheckInLicenseCommand({ LicenseConsumptionToken: locked.LicenseConsumptionToken })),
      'ConflictException',
      409,
    );
    assert.deepEqual(await usageOf(lm.client, lockedArn), { Users: '1' });
  });
});

describe('CheckoutLicense with another emulator account', () => {
  const lm = useEmulator(() => ({
    accountId: '210987654321',
    licenses: [sellerSeed('sku-other-account', 'Other Co', [tier('Gold')])],
  }));

  it('reports and matches the fingerprint aws:<accountId>:<Issuer.Name>:issuer-fingerprint', async () => {
    const fingerprint = sellerFingerprint('Other Co', '210987654321');
    const listed = lm.running.emulator.dump().licenses[0];
    const arn = listed?.LicenseArn ?? '';
    const license = (await lm.client.send(new GetLicenseCommand({ LicenseArn: arn }))).License;
    assert.equal(license?.Issuer?.KeyFingerprint, fingerprint);
    const answer = await checkout(lm.client, {
      sku: 'sku-other-account',
      fingerprint,
      entitlements: [{ Name: 'Gold', Unit: 'None' }],
    });
    assert.equal(answer.LicenseArn, arn);
    await expectAwsError(
      checkout(lm.client, {
        sku: 'sku-other-account',
        fingerprint: sellerFingerprint('Other Co'),
        entitlements: ALL_TIERS,
      }),
      'ResourceNotFoundException',
      400,
    );
  });
});
