/**
 * Client-supplied names that are members of `Object.prototype` (`__proto__`, `constructor`,
 * `toString`...), sent through every place the emulator looks a name up: each gets the AWS error any
 * unknown name gets, or is served normally where the name is free-form (a ClientToken, a license
 * name, an entitlement name), and never a 500 or a silent wrong answer.
 */
import assert from 'node:assert/strict';

import {
  CheckInLicenseCommand,
  CheckoutBorrowLicenseCommand,
  CreateLicenseCommand,
  ExtendLicenseConsumptionCommand,
  GetLicenseCommand,
  ListLicenseVersionsCommand,
  ListLicensesCommand,
  ListReceivedLicensesCommand,
} from '@aws-sdk/client-license-manager';

import { EmulatorError, startEmulator } from '../src/index.js';
import {
  CONFIGURABLE_ARN,
  CREDENTIALS,
  DAY,
  EMULATOR_ACCOUNT,
  REGION,
  TIERED_SKU,
  admin,
  arnFor,
  assertRawError,
  checkout,
  counted,
  expectAwsError,
  marketplaceSeed,
  newToken,
  rawCall,
  sellerFingerprint,
  sellerSeed,
  standardSeeds,
  tier,
  usageOf,
  useEmulator,
  type RawAnswer,
} from './support/emulator-fixture.js';

/** Every name the suite sends: own members of Object.prototype, and `__proto__`. */
const NAMES = [
  '__proto__',
  'constructor',
  'toString',
  'valueOf',
  'hasOwnProperty',
  'isPrototypeOf',
  '__defineGetter__',
] as const;

/** The names that are also well-formed exception names (a letter, then letters and digits). */
const IDENTIFIER_NAMES = NAMES.filter((name) => /^[A-Za-z][A-Za-z0-9]*$/.test(name));

const FILTERS = 'ProductSKU, Status, Fingerprint, Beneficiary';
const ENTITLEMENTS_SKU = 'sku-proto-entitlements';
const BORROW_SKU = 'sku-proto-borrow';

/** A seller license whose SKU, names, issuer, beneficiary and only entitlement are all `name`. */
function namedSeed(name: string) {
  return sellerSeed(name, name, [counted(name, 2)], { LicenseName: name, ProductName: name, Beneficiary: name });
}

/** The JSON request body text with a member named `name` (JSON.stringify would drop a `__proto__` key set by assignment). */
function bodyWithMember(base: Record<string, unknown>, name: string, value: unknown): string {
  const text = JSON.stringify(base);
  return `${text.slice(0, -1)}${text.length > 2 ? ',' : ''}${JSON.stringify(name)}:${JSON.stringify(value)}}`;
}

function assertAdminError(answer: RawAnswer, status: number, code: string, what: string): void {
  assert.equal(answer.status, status, `${what}: ${answer.text}`);
  assert.equal(answer.json?.['code'], code, what);
}

describe('names that are Object.prototype members, through every name lookup', () => {
  const lm = useEmulator(
    () => ({
      licenses: [
        ...standardSeeds(),
        sellerSeed(
          ENTITLEMENTS_SKU,
          'Proto Co',
          NAMES.map((name) => counted(name, 2)),
        ),
        sellerSeed(BORROW_SKU, 'Proto Co', [counted('Seats', 5)], {
          ConsumptionConfiguration: { BorrowConfiguration: { AllowEarlyCheckIn: true, MaxTimeToLiveInMinutes: 60 } },
        }),
        ...NAMES.map(namedSeed),
      ],
    }),
    { each: false },
  );

  describe('filter names', () => {
    for (const name of NAMES) {
      it(`ListReceivedLicenses and ListLicenses refuse the filter name '${name}' with InvalidParameterValueException`, async () => {
        for (const command of [
          new ListReceivedLicensesCommand({ Filters: [{ Name: name, Values: ['x'] }] }),
          new ListLicensesCommand({ Filters: [{ Name: name, Values: ['x'] }] }),
        ]) {
          const error = await expectAwsError(
            lm.client.send(command as ListLicensesCommand),
            'InvalidParameterValueException',
            400,
          );
          assert.match(error.message, new RegExp(`^Filter name '${name}' is not supported here`));
          assert.match(error.message, /use one of: ProductSKU, Status, Fingerprint, Beneficiary/);
        }
      });
    }

    it('matches such a name as a filter value like any other value', async () => {
      for (const name of NAMES) {
        const arn = arnFor(name, EMULATOR_ACCOUNT);
        for (const filter of [
          { Name: 'ProductSKU', Values: [name] },
          { Name: 'IssuerName', Values: [name] },
          { Name: 'Beneficiary', Values: [name] },
          { Name: 'Fingerprint', Values: [sellerFingerprint(name)] },
        ]) {
          const received = await lm.client.send(new ListReceivedLicensesCommand({ Filters: [filter] }));
          assert.deepEqual(
            received.Licenses?.map((l) => l.LicenseArn),
            [arn],
            `${filter.Name}=${filter.Values[0]}`,
          );
        }
        const issued = await lm.client.send(
          new ListLicensesCommand({ Filters: [{ Name: 'ProductSKU', Values: [name] }] }),
        );
        assert.deepEqual(
          issued.Licenses?.map((l) => l.LicenseArn),
          [arn],
        );
      }
    });

    it(`lists the filters ListLicenses takes (${FILTERS}) for a filter it does not take`, async () => {
      const error = await expectAwsError(
        lm.client.send(new ListLicensesCommand({ Filters: [{ Name: 'IssuerName', Values: ['x'] }] })),
        'InvalidParameterValueException',
        400,
      );
      assert.match(error.message, new RegExp(`use one of: ${FILTERS}\\.$`));
    });
  });

  describe('operation names', () => {
    it('answers X-Amz-Target AWSLicenseManager.<name> with UnknownOperationException and counts no call', async () => {
      for (const name of NAMES) {
        const answer = await rawCall(lm.running.url, name, { body: {} });
        assertRawError(answer, 'UnknownOperationException', 400);
        assert.equal(answer.json?.['message'], `Unknown operation: AWSLicenseManager.${name}.`);
        assert.equal(lm.running.calls(name), 0, name);
        assert.equal(Object.hasOwn(lm.running.emulator.callCounts(), name), false, name);
        assert.throws(() => lm.running.emulator.dispatch(name, {}, REGION), /not an emulated operation/);
      }
      assert.equal(lm.running.calls(), 0);
    });
  });

  describe('entitlement names', () => {
    it('checks out, reports and checks in entitlements with such names', async () => {
      const arn = arnFor(ENTITLEMENTS_SKU, EMULATOR_ACCOUNT);
      const answer = await checkout(lm.client, {
        sku: ENTITLEMENTS_SKU,
        fingerprint: sellerFingerprint('Proto Co'),
        entitlements: NAMES.map((name) => ({ Name: name, Unit: 'Count', Value: '1' })),
      });
      assert.deepEqual(
        answer.EntitlementsAllowed?.map((e) => [e.Name, e.Value]),
        NAMES.map((name) => [name, '1']),
      );
      const usage = await usageOf(lm.client, arn);
      assert.deepEqual(Object.keys(usage).sort(), [...NAMES].sort());
      for (const name of NAMES) assert.equal(usage[name], '1', name);
      await lm.client.send(new CheckInLicenseCommand({ LicenseConsumptionToken: answer.LicenseConsumptionToken }));
      const after = await usageOf(lm.client, arn);
      for (const name of NAMES) assert.equal(after[name], '0', name);
    });

    it('grants nothing of a license that has none of them', async () => {
      await expectAwsError(
        checkout(lm.client, {
          sku: TIERED_SKU,
          entitlements: NAMES.map((name) => ({ Name: name, Unit: 'None' })),
        }),
        'NoEntitlementsAllowedException',
        400,
      );
    });

    it('refuses a drawdown beyond MaxCount of such an entitlement', async () => {
      await expectAwsError(
        checkout(lm.client, {
          sku: ENTITLEMENTS_SKU,
          fingerprint: sellerFingerprint('Proto Co'),
          entitlements: [{ Name: 'constructor', Unit: 'Count', Value: '3' }],
        }),
        'NoEntitlementsAllowedException',
        400,
      );
    });
  });

  describe('member names in a request body', () => {
    it('takes nothing from a member named like a prototype member (AWS ignores unknown members)', async () => {
      for (const name of NAMES) {
        const fromProto = await rawCall(lm.running.url, 'GetLicense', {
          body: bodyWithMember({}, name, { LicenseArn: CONFIGURABLE_ARN }),
        });
        assertRawError(fromProto, 'ValidationException', 400);
        assert.match(String(fromProto.json?.['message']), /Value null at 'licenseArn' failed to satisfy constraint/);
        const extra = await rawCall(lm.running.url, 'GetLicense', {
          body: bodyWithMember({ LicenseArn: CONFIGURABLE_ARN }, name, { Version: '9' }),
        });
        assert.equal(extra.status, 200, `${name}: ${extra.text}`);
        assert.equal((extra.json?.['License'] as { Version?: string } | undefined)?.Version, '1');
      }
    });

    it('reads no filter Name from a member named __proto__', async () => {
      const answer = await rawCall(lm.running.url, 'ListReceivedLicenses', {
        body: `{"Filters":[{"__proto__":{"Name":"ProductSKU","Values":["${TIERED_SKU}"]}}]}`,
      });
      assertRawError(answer, 'InvalidParameterValueException', 400);
    });
  });

  describe('license ARNs, consumption tokens, versions and NextTokens', () => {
    it('answers each with the error of an unknown one', async () => {
      for (const name of NAMES) {
        const arn = `arn:aws:license-manager::${EMULATOR_ACCOUNT}:license:${name}`;
        await expectAwsError(
          lm.client.send(new GetLicenseCommand({ LicenseArn: arn })),
          'InvalidParameterValueException',
          400,
        );
        await expectAwsError(
          lm.client.send(new GetLicenseCommand({ LicenseArn: CONFIGURABLE_ARN, Version: name })),
          'InvalidParameterValueException',
          400,
        );
        await expectAwsError(
          lm.client.send(new ListLicenseVersionsCommand({ LicenseArn: CONFIGURABLE_ARN, NextToken: name })),
          'InvalidParameterValueException',
          400,
        );
        await expectAwsError(
          lm.client.send(new CheckInLicenseCommand({ LicenseConsumptionToken: name })),
          'ResourceNotFoundException',
          400,
        );
        await expectAwsError(
          lm.client.send(new ExtendLicenseConsumptionCommand({ LicenseConsumptionToken: name })),
          'ResourceNotFoundException',
          400,
        );
        const listed = await lm.client.send(new ListReceivedLicensesCommand({ LicenseArns: [arn] }));
        assert.deepEqual(listed.Licenses, []);
      }
    });
  });

  describe('ClientTokens', () => {
    it('replays the first answer for the same token and parameters, and refuses other parameters', async () => {
      for (const name of NAMES) {
        const entitlements = [{ Name: 'DataConsumption', Unit: 'Count' as const, Value: '1' }];
        const first = await checkout(lm.client, { clientToken: name, entitlements });
        const again = await checkout(lm.client, { clientToken: name, entitlements });
        assert.equal(again.LicenseConsumptionToken, first.LicenseConsumptionToken, name);
        await expectAwsError(
          checkout(lm.client, {
            clientToken: name,
            entitlements: [{ Name: 'DataConsumption', Unit: 'Count', Value: '2' }],
          }),
          'ValidationException',
          400,
        );
      }
      assert.equal((await usageOf(lm.client, CONFIGURABLE_ARN))['DataConsumption'], String(NAMES.length));
    });
  });

  describe('license fields', () => {
    it('creates, reads and checks out a license whose names, SKU, issuer and beneficiary are such names', async () => {
      for (const name of NAMES) {
        const now = Date.now();
        const input = {
          LicenseName: name,
          ProductName: name,
          ProductSKU: `created-${name}`,
          Issuer: { Name: `created-${name}` },
          HomeRegion: REGION,
          Validity: { Begin: new Date(now - DAY).toISOString(), End: new Date(now + DAY).toISOString() },
          Entitlements: [{ Name: name, MaxCount: 1, Unit: 'Count' as const }],
          Beneficiary: name,
          ConsumptionConfiguration: { ProvisionalConfiguration: { MaxTimeToLiveInMinutes: 60 } },
          LicenseMetadata: [{ Name: name, Value: name }],
          ClientToken: name,
        };
        const created = await lm.client.send(new CreateLicenseCommand(input));
        const replayed = await lm.client.send(new CreateLicenseCommand(input));
        assert.equal(replayed.LicenseArn, created.LicenseArn, `${name}: the ClientToken replays`);
        const { License: license } = await lm.client.send(new GetLicenseCommand({ LicenseArn: created.LicenseArn }));
        assert.deepEqual(
          [license?.LicenseName, license?.ProductName, license?.Beneficiary, license?.Entitlements?.[0]?.Name],
          [name, name, name, name],
        );
        assert.deepEqual(license?.LicenseMetadata, [{ Name: name, Value: name }]);
        const seat = await checkout(lm.client, {
          sku: `created-${name}`,
          fingerprint: sellerFingerprint(`created-${name}`),
          entitlements: [{ Name: name, Unit: 'Count', Value: '1' }],
        });
        assert.equal(seat.LicenseArn, created.LicenseArn);
        const seeded = await checkout(lm.client, {
          sku: name,
          fingerprint: sellerFingerprint(name),
          entitlements: [{ Name: name, Unit: 'Count', Value: '1' }],
          beneficiary: name,
        });
        assert.equal(seeded.LicenseArn, arnFor(name, EMULATOR_ACCOUNT));
      }
    });

    it('signs CheckoutMetadata with such names into the borrow token as members of their own', async () => {
      const answer = await lm.client.send(
        new CheckoutBorrowLicenseCommand({
          LicenseArn: arnFor(BORROW_SKU, EMULATOR_ACCOUNT),
          Entitlements: [{ Name: 'Seats', Unit: 'Count', Value: '1' }],
          DigitalSignatureMethod: 'JWT_PS384',
          CheckoutMetadata: NAMES.map((name) => ({ Name: name, Value: `value of ${name}` })),
          ClientToken: newToken(),
        }),
      );
      assert.deepEqual(
        answer.CheckoutMetadata?.map((m) => m.Name),
        [...NAMES],
      );
      const payload = JSON.parse(Buffer.from(answer.SignedToken?.split('.')[1] ?? '', 'base64url').toString()) as {
        checkoutMetadata: Record<string, string>;
      };
      assert.deepEqual(Object.keys(payload.checkoutMetadata).sort(), [...NAMES].sort());
      for (const name of NAMES) {
        assert.ok(Object.hasOwn(payload.checkoutMetadata, name), name);
        assert.equal(payload.checkoutMetadata[name], `value of ${name}`);
      }
    });
  });

  describe('the admin path', () => {
    it('refuses clock bodies whose only members are such names, and leaves the clock alone', async () => {
      for (const name of NAMES) {
        for (const body of [bodyWithMember({}, name, '1h'), bodyWithMember({}, name, { advance: '1h', reset: true })]) {
          assertAdminError(await admin(lm.running.url, 'POST', '/clock', body), 400, 'ERR_LG_EMU_BAD_CLOCK', body);
        }
        assertAdminError(
          await admin(lm.running.url, 'POST', '/clock', bodyWithMember({ advance: '1h' }, name, 1)),
          400,
          'ERR_LG_EMU_BAD_CLOCK',
          `advance with a member ${name}`,
        );
      }
      assert.equal(lm.running.clock.offsetMs, 0);
    });

    it('refuses fault kinds, operations and phases that are such names', async () => {
      for (const name of NAMES) {
        for (const spec of [
          bodyWithMember({}, 'kind', name),
          bodyWithMember({ kind: 'error' }, 'operation', name),
          bodyWithMember({ kind: 'error' }, 'phase', name),
          bodyWithMember({}, name, { kind: 'error' }),
        ]) {
          assertAdminError(await admin(lm.running.url, 'POST', '/faults', spec), 400, 'ERR_LG_EMU_BAD_FAULT', spec);
          assert.throws(
            () => lm.running.addFault(JSON.parse(spec) as never),
            (error: unknown) => error instanceof EmulatorError && error.code === 'ERR_LG_EMU_BAD_FAULT',
          );
        }
      }
      assert.deepEqual(lm.running.emulator.faults.list(), []);
    });

    it('answers a fault whose error is such a name with that exception at 400', async () => {
      for (const name of NAMES) {
        const answer = await admin(lm.running.url, 'POST', '/faults', {
          operation: 'GetLicense',
          kind: 'error',
          error: name,
          times: 1,
        });
        if (!IDENTIFIER_NAMES.includes(name)) {
          assertAdminError(answer, 400, 'ERR_LG_EMU_BAD_FAULT', name);
          continue;
        }
        assert.equal(answer.status, 201, answer.text);
        const struck = await rawCall(lm.running.url, 'GetLicense', { body: { LicenseArn: CONFIGURABLE_ARN } });
        assertRawError(struck, name, 400);
      }
    });

    it('refuses seed licenses whose extras are such names, or that sit under a __proto__ member', async () => {
      const seed = marketplaceSeed('sku-proto-seed', [tier('Gold')]);
      const bodies = [
        ...NAMES.map((name) => JSON.stringify([{ ...seed, Status: name }])),
        ...NAMES.map((name) => JSON.stringify([{ ...seed, AwsMarketplace: name }])),
        `[${bodyWithMember({}, '__proto__', seed)}]`,
      ];
      for (const body of bodies) {
        assertAdminError(await admin(lm.running.url, 'POST', '/licenses', body), 400, 'ERR_LG_EMU_BAD_SEED', body);
        assert.throws(
          () => lm.running.addLicenses(JSON.parse(body) as unknown[]),
          (error: unknown) => error instanceof EmulatorError && error.code === 'ERR_LG_EMU_BAD_SEED',
        );
      }
      assert.equal(lm.running.emulator.dump().licenses.length, 4 + NAMES.length);
    });

    it('answers 404 for routes and fault ids that are such names', async () => {
      for (const name of NAMES) {
        for (const [method, path] of [
          ['GET', `/${name}`],
          ['POST', `/${name}`],
          ['DELETE', `/faults/${name}`],
        ] as const) {
          assertAdminError(
            await admin(lm.running.url, method, path),
            404,
            'ERR_LG_EMU_BAD_ADMIN_REQUEST',
            `${method} ${path}`,
          );
        }
      }
    });

    it('refuses seeds with such extras at start too', async () => {
      for (const name of NAMES) {
        await assert.rejects(
          startEmulator({ port: 0, licenses: [{ ...marketplaceSeed('sku-start', [tier('Gold')]), Status: name }] }),
          (error: unknown) => error instanceof EmulatorError && error.code === 'ERR_LG_EMU_BAD_SEED',
        );
      }
    });
  });

  describe('signed header names', () => {
    it('refuses SignedHeaders that name a header the request lacks, whatever its name', async () => {
      for (const name of ['constructor', '__proto__']) {
        const answer = await rawCall(lm.running.url, 'GetLicense', {
          body: { LicenseArn: CONFIGURABLE_ARN },
          headers: {
            Authorization:
              `AWS4-HMAC-SHA256 Credential=${CREDENTIALS.accessKeyId}/20260101/${REGION}/license-manager/aws4_request, ` +
              `SignedHeaders=${name};host;x-amz-date, Signature=00`,
          },
        });
        assertRawError(answer, 'IncompleteSignatureException', 400);
        assert.match(String(answer.json?.['message']), new RegExp(`requires signed header '${name}' to be present`));
      }
      assert.equal(lm.running.emulator.callCounts()['GetLicense']?.errors, 2);
    });
  });
});

describe('names that are Object.prototype members, under strict auth', () => {
  const lm = useEmulator(
    () => ({
      licenses: standardSeeds(),
      auth: 'strict' as const,
      accessKeys: [
        { ...CREDENTIALS },
        { accessKeyId: 'AKIDNAMES', secretAccessKey: 'secret', actions: IDENTIFIER_NAMES },
      ],
    }),
    { each: false },
  );

  it('answers an access key id that is such a name with UnrecognizedClientException', async () => {
    for (const name of NAMES) {
      const stranger = lm.clientFor({ credentials: { accessKeyId: name, secretAccessKey: 'secret' } });
      await expectAwsError(
        stranger.send(new GetLicenseCommand({ LicenseArn: CONFIGURABLE_ARN })),
        'UnrecognizedClientException',
        400,
      );
    }
  });

  it('denies every operation to a key whose actions are such names', async () => {
    const limited = lm.clientFor({ credentials: { accessKeyId: 'AKIDNAMES', secretAccessKey: 'secret' } });
    await expectAwsError(checkout(limited), 'AccessDeniedException', 401);
    await expectAwsError(
      limited.send(new GetLicenseCommand({ LicenseArn: CONFIGURABLE_ARN })),
      'AccessDeniedException',
      401,
    );
  });

  it('refuses SignedHeaders that name a header the request lacks with IncompleteSignatureException, not a 500', async () => {
    for (const name of ['constructor', '__proto__']) {
      const amzDate = new Date()
        .toISOString()
        .replace(/[-:]/g, '')
        .replace(/\.\d{3}/, '');
      const answer = await rawCall(lm.running.url, 'GetLicense', {
        body: { LicenseArn: CONFIGURABLE_ARN },
        headers: {
          'X-Amz-Date': amzDate,
          Authorization:
            `AWS4-HMAC-SHA256 Credential=${CREDENTIALS.accessKeyId}/${amzDate.slice(0, 8)}/${REGION}/license-manager/aws4_request, ` +
            `SignedHeaders=${name};host;x-amz-date;x-amz-target, Signature=00`,
        },
      });
      assertRawError(answer, 'IncompleteSignatureException', 400);
    }
  });
});
