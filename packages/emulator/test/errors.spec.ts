/**
 * Every error the model lists for the five buyer operations, through the real SDK: triggered
 * naturally where the emulator has a natural trigger, otherwise injected as a fault. Each error
 * must reach the caller as the SDK's modelled exception class, with the Smithy status.
 */
import assert from 'node:assert/strict';

import {
  AccessDeniedException,
  AuthorizationException,
  CheckInLicenseCommand,
  ConflictException,
  ExtendLicenseConsumptionCommand,
  GetLicenseCommand,
  InvalidParameterValueException,
  ListReceivedLicensesCommand,
  NoEntitlementsAllowedException,
  RateLimitExceededException,
  RedirectException,
  ResourceLimitExceededException,
  ResourceNotFoundException,
  ServerInternalException,
  UnsupportedDigitalSignatureMethodException,
  ValidationException,
  type LicenseManagerClient,
} from '@aws-sdk/client-license-manager';

import { errorsOf, type EmulatedOperation } from '../src/model/service-model.js';
import {
  CONFIGURABLE_ARN,
  CREDENTIALS,
  arnFor,
  checkout,
  expectAwsError,
  sellerFingerprint,
  standardSeeds,
  useEmulator,
} from './support/emulator-fixture.js';

/** The Smithy `httpError` of each exception (ARCHITECTURE.md U-2). */
const SMITHY_STATUS: Readonly<Record<string, number>> = {
  ValidationException: 400,
  InvalidParameterValueException: 400,
  ResourceNotFoundException: 400,
  NoEntitlementsAllowedException: 400,
  UnsupportedDigitalSignatureMethodException: 400,
  RedirectException: 308,
  AuthorizationException: 403,
  AccessDeniedException: 401,
  RateLimitExceededException: 429,
  ServerInternalException: 500,
  ConflictException: 409,
  ResourceLimitExceededException: 400,
};

/** The SDK's class of each exception. */
const SDK_CLASS: Readonly<Record<string, abstract new (...args: never[]) => Error>> = {
  ValidationException,
  InvalidParameterValueException,
  ResourceNotFoundException,
  NoEntitlementsAllowedException,
  UnsupportedDigitalSignatureMethodException,
  RedirectException,
  AuthorizationException,
  AccessDeniedException,
  RateLimitExceededException,
  ServerInternalException,
  ConflictException,
  ResourceLimitExceededException,
};

/** The errors License Manager's service model (botocore) lists per operation (ARCHITECTURE.md F-4). */
const MODELLED: Readonly<Record<string, readonly string[]>> = {
  CheckoutLicense: [
    'ValidationException',
    'InvalidParameterValueException',
    'ResourceNotFoundException',
    'NoEntitlementsAllowedException',
    'UnsupportedDigitalSignatureMethodException',
    'RedirectException',
    'AuthorizationException',
    'AccessDeniedException',
    'RateLimitExceededException',
    'ServerInternalException',
  ],
  CheckInLicense: [
    'ValidationException',
    'InvalidParameterValueException',
    'ResourceNotFoundException',
    'ConflictException',
    'AuthorizationException',
    'AccessDeniedException',
    'RateLimitExceededException',
    'ServerInternalException',
  ],
  ExtendLicenseConsumption: [
    'ValidationException',
    'InvalidParameterValueException',
    'ResourceNotFoundException',
    'AuthorizationException',
    'AccessDeniedException',
    'RateLimitExceededException',
    'ServerInternalException',
  ],
  GetLicense: [
    'ValidationException',
    'InvalidParameterValueException',
    'AuthorizationException',
    'AccessDeniedException',
    'RateLimitExceededException',
    'ServerInternalException',
  ],
  ListReceivedLicenses: [
    'ValidationException',
    'InvalidParameterValueException',
    'ResourceLimitExceededException',
    'ServerInternalException',
    'AuthorizationException',
    'AccessDeniedException',
    'RateLimitExceededException',
  ],
};

/** A key that strict auth knows but that may call nothing: every call is AccessDeniedException. */
const NO_ACTIONS_KEY = { accessKeyId: 'AKIDNOACTIONS', secretAccessKey: 'no-actions-secret' };

interface Harness {
  /** A client whose key may call nothing. */
  denied: LicenseManagerClient;
  /** A live PROVISIONAL consumption token. */
  seat: () => Promise<string>;
  /** A PERPETUAL consumption token. */
  drawdown: () => Promise<string>;
}

type Call = (client: LicenseManagerClient, h: Harness) => Promise<unknown>;

interface OperationCase {
  /** A call that succeeds (faults are injected in front of it). */
  valid: Call;
  /** Natural triggers, by error name. */
  natural: Partial<Record<string, Call>>;
}

const CASES: Readonly<Record<string, OperationCase>> = {
  CheckoutLicense: {
    valid: (client) => checkout(client),
    natural: {
      ValidationException: (client) => checkout(client, { type: 'BOGUS' as never }),
      InvalidParameterValueException: (client) =>
        checkout(client, { entitlements: [{ Name: 'ConcurrentUsers', Unit: 'Count', Value: 'ten' }] }),
      ResourceNotFoundException: (client) => checkout(client, { fingerprint: sellerFingerprint('Nobody') }),
      NoEntitlementsAllowedException: (client) =>
        checkout(client, { entitlements: [{ Name: 'ConcurrentUsers', Unit: 'Count', Value: '6' }] }),
      AccessDeniedException: (_client, h) => checkout(h.denied),
    },
  },
  CheckInLicense: {
    valid: async (client, h) => client.send(new CheckInLicenseCommand({ LicenseConsumptionToken: await h.seat() })),
    natural: {
      ValidationException: (client) => client.send(new CheckInLicenseCommand({} as never)),
      ResourceNotFoundException: (client) =>
        client.send(new CheckInLicenseCommand({ LicenseConsumptionToken: '00000000000000000000000000000000' })),
      ConflictException: async (client, h) =>
        client.send(new CheckInLicenseCommand({ LicenseConsumptionToken: await h.drawdown() })),
      AccessDeniedException: async (_client, h) =>
        h.denied.send(new CheckInLicenseCommand({ LicenseConsumptionToken: await h.seat() })),
    },
  },
  ExtendLicenseConsumption: {
    valid: async (client, h) =>
      client.send(new ExtendLicenseConsumptionCommand({ LicenseConsumptionToken: await h.seat() })),
    natural: {
      ValidationException: async (client, h) =>
        client.send(new ExtendLicenseConsumptionCommand({ LicenseConsumptionToken: await h.drawdown() })),
      ResourceNotFoundException: (client) =>
        client.send(
          new ExtendLicenseConsumptionCommand({ LicenseConsumptionToken: '00000000000000000000000000000000' }),
        ),
      AccessDeniedException: async (_client, h) =>
        h.denied.send(new ExtendLicenseConsumptionCommand({ LicenseConsumptionToken: await h.seat() })),
    },
  },
  GetLicense: {
    valid: (client) => client.send(new GetLicenseCommand({ LicenseArn: CONFIGURABLE_ARN })),
    natural: {
      ValidationException: (client) => client.send(new GetLicenseCommand({ LicenseArn: 'arn:nope' })),
      InvalidParameterValueException: (client) => client.send(new GetLicenseCommand({ LicenseArn: arnFor('unknown') })),
      AccessDeniedException: (_client, h) => h.denied.send(new GetLicenseCommand({ LicenseArn: CONFIGURABLE_ARN })),
    },
  },
  ListReceivedLicenses: {
    valid: (client) => client.send(new ListReceivedLicensesCommand({})),
    natural: {
      ValidationException: (client) => client.send(new ListReceivedLicensesCommand({ MaxResults: 0 })),
      InvalidParameterValueException: (client) =>
        client.send(new ListReceivedLicensesCommand({ Filters: [{ Name: 'Colour', Values: ['blue'] }] })),
      AccessDeniedException: (_client, h) => h.denied.send(new ListReceivedLicensesCommand({})),
    },
  },
};

describe('errors of the buyer operations through the AWS SDK', () => {
  const lm = useEmulator(
    () => ({
      licenses: standardSeeds(),
      auth: 'strict',
      accessKeys: [{ ...CREDENTIALS }, { ...NO_ACTIONS_KEY, actions: [] }],
    }),
    { each: false },
  );
  const harness: Harness = {
    get denied() {
      return lm.clientFor({ credentials: NO_ACTIONS_KEY });
    },
    seat: async () => (await checkout(lm.client)).LicenseConsumptionToken ?? '',
    drawdown: async () =>
      (
        await checkout(lm.client, {
          type: 'PERPETUAL',
          entitlements: [{ Name: 'DataConsumption', Unit: 'Count', Value: '1' }],
        })
      ).LicenseConsumptionToken ?? '',
  };

  it('covers exactly the errors the model lists for each buyer operation', () => {
    for (const [operation, errors] of Object.entries(MODELLED)) {
      assert.deepEqual([...errorsOf(operation as EmulatedOperation)].sort(), [...errors].sort(), operation);
    }
  });

  for (const [operation, errors] of Object.entries(MODELLED)) {
    const cases = CASES[operation] as OperationCase;
    describe(operation, () => {
      for (const name of errors) {
        const natural = cases.natural[name];
        const status = SMITHY_STATUS[name] as number;
        it(`${name}, HTTP ${status} (${natural !== undefined ? 'natural' : 'injected'})`, async () => {
          let error;
          if (natural !== undefined) {
            error = await expectAwsError(natural(lm.client, harness), name, status);
          } else {
            // Prepare first (a seat to check in), so that the fault strikes the call under test.
            const calls = lm.running.calls(operation);
            lm.running.addFault({ operation, kind: 'error', error: name, times: 1 });
            error = await expectAwsError(cases.valid(lm.client, harness), name, status);
            assert.equal(lm.running.calls(operation), calls + 1, 'one attempt (maxAttempts 1)');
            assert.equal(lm.running.emulator.faults.list().length, 0, 'the fault was used up');
            await cases.valid(lm.client, harness);
          }
          assert.ok(error instanceof (SDK_CLASS[name] as abstract new () => Error), `an instance of the SDK's ${name}`);
          assert.equal(error.$fault, name === 'ServerInternalException' ? 'server' : 'client');
          assert.match(error.$metadata.requestId ?? '', /^[0-9a-f-]{36}$/);
          assert.ok(error.message.length > 0);
        });
      }
    });
  }
});
