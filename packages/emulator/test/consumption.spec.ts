import assert from 'node:assert/strict';

import {
  CheckInLicenseCommand,
  ExtendLicenseConsumptionCommand,
  type LicenseManagerClient,
} from '@aws-sdk/client-license-manager';

import {
  CONFIGURABLE_ARN,
  DAY,
  HOUR,
  MINUTE,
  arnFor,
  checkout,
  counted,
  expectAwsError,
  marketplaceSeed,
  standardSeeds,
  usageOf,
  useEmulator,
} from './support/emulator-fixture.js';

const LONG_TTL_SKU = 'sku-three-hour-ttl';
const NO_TTL_SKU = 'sku-no-provisional-configuration';
const LOCKED_SKU = 'sku-no-check-in';
const ENDING_SKU = 'sku-ending-soon';

function seeds() {
  return [
    ...standardSeeds(),
    marketplaceSeed(LONG_TTL_SKU, [counted('ConcurrentUsers', 5)], {
      ConsumptionConfiguration: { RenewType: 'None', ProvisionalConfiguration: { MaxTimeToLiveInMinutes: 180 } },
    }),
    marketplaceSeed(NO_TTL_SKU, [counted('ConcurrentUsers', 5)], { ConsumptionConfiguration: { RenewType: 'None' } }),
    marketplaceSeed(LOCKED_SKU, [counted('ConcurrentUsers', 5, { AllowCheckIn: false })]),
    marketplaceSeed(ENDING_SKU, [counted('ConcurrentUsers', 5)], { Validity: { Begin: '-1d', End: '+30m' } }),
  ];
}

function checkIn(client: LicenseManagerClient, token: string | undefined) {
  return client.send(new CheckInLicenseCommand({ LicenseConsumptionToken: token }));
}

function extend(client: LicenseManagerClient, token: string | undefined, dryRun?: boolean) {
  return client.send(
    new ExtendLicenseConsumptionCommand({
      LicenseConsumptionToken: token,
      ...(dryRun !== undefined ? { DryRun: dryRun } : {}),
    }),
  );
}

function seats(client: LicenseManagerClient, arn: string = CONFIGURABLE_ARN): Promise<string | undefined> {
  return usageOf(client, arn).then((usage) => usage['ConcurrentUsers']);
}

function timeMs(text: string | undefined): number {
  assert.match(text ?? '', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
  return Date.parse(`${text}Z`);
}

describe('CheckInLicense through the AWS SDK', () => {
  const lm = useEmulator(() => ({ licenses: seeds() }), { each: false });

  it('returns a seat to the pool at once, with an empty answer', async () => {
    const held = [];
    for (let i = 0; i < 5; i++) held.push(await checkout(lm.client));
    await expectAwsError(checkout(lm.client), 'NoEntitlementsAllowedException', 400);
    const answer = await checkIn(lm.client, held[0]?.LicenseConsumptionToken);
    assert.deepEqual(Object.keys(answer), ['$metadata']);
    assert.equal(answer.$metadata.httpStatusCode, 200);
    assert.equal(await seats(lm.client), '4');
    await checkout(lm.client);
    assert.equal(await seats(lm.client), '5');
  });

  it('answers ResourceNotFoundException for a token checked in already', async () => {
    const { LicenseConsumptionToken } = await checkout(lm.client);
    await checkIn(lm.client, LicenseConsumptionToken);
    await expectAwsError(checkIn(lm.client, LicenseConsumptionToken), 'ResourceNotFoundException', 400);
    assert.equal(await seats(lm.client), '0');
  });

  it('answers ResourceNotFoundException for an unknown token', async () => {
    await expectAwsError(checkIn(lm.client, '0123456789abcdef0123456789abcdef'), 'ResourceNotFoundException', 400);
  });

  it('refuses PERPETUAL units with ConflictException: they are consumed for good', async () => {
    const { LicenseConsumptionToken } = await checkout(lm.client, {
      type: 'PERPETUAL',
      entitlements: [{ Name: 'DataConsumption', Unit: 'Count', Value: '25' }],
    });
    await expectAwsError(checkIn(lm.client, LicenseConsumptionToken), 'ConflictException', 409);
    assert.equal((await usageOf(lm.client, CONFIGURABLE_ARN))['DataConsumption'], '25');
    // Still a conflict later: a PERPETUAL consumption never expires.
    lm.running.clock.advance(3 * HOUR);
    await expectAwsError(checkIn(lm.client, LicenseConsumptionToken), 'ConflictException', 409);
  });

  it('refuses units of an entitlement with AllowCheckIn: false with ConflictException', async () => {
    const arn = arnFor(LOCKED_SKU);
    const { LicenseConsumptionToken } = await checkout(lm.client, { sku: LOCKED_SKU });
    await expectAwsError(checkIn(lm.client, LicenseConsumptionToken), 'ConflictException', 409);
    assert.equal(await seats(lm.client, arn), '1');
  });

  it('checks in a tier checkout (no units) too', async () => {
    const { LicenseConsumptionToken } = await checkout(lm.client, {
      sku: 'sku-tiered',
      entitlements: [{ Name: 'Intermediate', Unit: 'None' }],
    });
    await checkIn(lm.client, LicenseConsumptionToken);
    await expectAwsError(checkIn(lm.client, LicenseConsumptionToken), 'ResourceNotFoundException', 400);
  });
});

describe('PROVISIONAL TTL and ExtendLicenseConsumption (virtual clock)', () => {
  const lm = useEmulator(() => ({ licenses: seeds() }), { each: false });

  it('returns a PROVISIONAL seat by itself after the 60-minute TTL', async () => {
    await checkout(lm.client);
    lm.running.clock.advance(59 * MINUTE);
    assert.equal(await seats(lm.client), '1');
    lm.running.clock.advance(2 * MINUTE);
    assert.equal(await seats(lm.client), '0');
    assert.equal(lm.running.emulator.dump().consumptions.length, 0);
  });

  it('keeps a seat extended at 50 minutes until 110 minutes, then returns it', async () => {
    const first = await checkout(lm.client);
    lm.running.clock.advance(50 * MINUTE);
    const extended = await extend(lm.client, first.LicenseConsumptionToken);
    assert.equal(extended.LicenseConsumptionToken, first.LicenseConsumptionToken);
    const expected = timeMs(first.IssuedAt) + 110 * MINUTE;
    assert.ok(
      Math.abs(timeMs(extended.Expiration) - expected) <= 2_000,
      `new expiry ${extended.Expiration} = now + 60 min`,
    );
    lm.running.clock.advance(20 * MINUTE); // 70 min: past the first expiry
    assert.equal(await seats(lm.client), '1');
    lm.running.clock.advance(39 * MINUTE); // 109 min
    assert.equal(await seats(lm.client), '1');
    lm.running.clock.advance(2 * MINUTE); // 111 min
    assert.equal(await seats(lm.client), '0');
  });

  it('keeps a seat alive for hours with an extension every 50 minutes', async () => {
    const { LicenseConsumptionToken } = await checkout(lm.client);
    for (let i = 0; i < 6; i++) {
      lm.running.clock.advance(50 * MINUTE);
      await extend(lm.client, LicenseConsumptionToken);
    }
    assert.equal(await seats(lm.client), '1');
    await checkIn(lm.client, LicenseConsumptionToken);
    assert.equal(await seats(lm.client), '0');
  });

  it('answers ResourceNotFoundException to CheckInLicense and ExtendLicenseConsumption after expiry', async () => {
    const { LicenseConsumptionToken } = await checkout(lm.client);
    lm.running.clock.advance(61 * MINUTE);
    await expectAwsError(checkIn(lm.client, LicenseConsumptionToken), 'ResourceNotFoundException', 400);
    await expectAwsError(extend(lm.client, LicenseConsumptionToken), 'ResourceNotFoundException', 400);
  });

  it('answers the current expiry to a DryRun and does not move it', async () => {
    const first = await checkout(lm.client);
    lm.running.clock.advance(30 * MINUTE);
    const dry = await extend(lm.client, first.LicenseConsumptionToken, true);
    assert.equal(dry.Expiration, first.Expiration);
    assert.equal(dry.LicenseConsumptionToken, first.LicenseConsumptionToken);
    lm.running.clock.advance(31 * MINUTE);
    assert.equal(await seats(lm.client), '0');
  });

  it("uses the license's MaxTimeToLiveInMinutes, and 60 minutes when it has none", async () => {
    const long = await checkout(lm.client, { sku: LONG_TTL_SKU });
    assert.equal(timeMs(long.Expiration) - timeMs(long.IssuedAt), 180 * MINUTE);
    const plain = await checkout(lm.client, { sku: NO_TTL_SKU });
    assert.equal(timeMs(plain.Expiration) - timeMs(plain.IssuedAt), 60 * MINUTE);
    lm.running.clock.advance(61 * MINUTE);
    assert.equal(await seats(lm.client, arnFor(LONG_TTL_SKU)), '1');
    assert.equal(await seats(lm.client, arnFor(NO_TTL_SKU)), '0');
    const extended = await extend(lm.client, long.LicenseConsumptionToken);
    const now = lm.running.clock.now();
    assert.ok(Math.abs(timeMs(extended.Expiration) - (now + 180 * MINUTE)) <= 2_000);
  });

  it('refuses to extend a PERPETUAL checkout with ValidationException', async () => {
    const { LicenseConsumptionToken } = await checkout(lm.client, {
      type: 'PERPETUAL',
      entitlements: [{ Name: 'DataConsumption', Unit: 'Count', Value: '1' }],
    });
    await expectAwsError(extend(lm.client, LicenseConsumptionToken), 'ValidationException', 400);
  });

  it('answers ResourceNotFoundException to an unknown token', async () => {
    await expectAwsError(extend(lm.client, 'ffffffffffffffffffffffffffffffff'), 'ResourceNotFoundException', 400);
  });

  it('refuses to extend once the license has expired, and the seat then runs out', async () => {
    const arn = arnFor(ENDING_SKU);
    const { LicenseConsumptionToken } = await checkout(lm.client, { sku: ENDING_SKU });
    lm.running.clock.advance(31 * MINUTE);
    await expectAwsError(extend(lm.client, LicenseConsumptionToken), 'ResourceNotFoundException', 400);
    await expectAwsError(checkout(lm.client, { sku: ENDING_SKU }), 'NoEntitlementsAllowedException', 400);
    assert.equal(await seats(lm.client, arn), '1');
    lm.running.clock.advance(30 * MINUTE);
    assert.equal(await seats(lm.client, arn), '0');
  });

  it('lets a seat expire while the clock jumps by days, and frees the whole pool', async () => {
    for (let i = 0; i < 5; i++) await checkout(lm.client);
    lm.running.clock.advance(DAY);
    for (let i = 0; i < 5; i++) await checkout(lm.client);
    assert.equal(await seats(lm.client), '5');
  });
});
