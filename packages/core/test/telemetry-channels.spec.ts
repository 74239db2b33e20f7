/**
 * The diagnostics_channel hooks (issue 16): the `licensegate:license-manager` tracing channel
 * around each License Manager call, and `licensegate:denial` for each request an adapter denies.
 * Subscribed as an APM tool would, against the emulator (real SDK over HTTP).
 */
import assert from 'node:assert/strict';
import diagnosticsChannel from 'node:diagnostics_channel';
import { AsyncLocalStorage } from 'node:async_hooks';

import {
  DENIAL_CHANNEL,
  LICENSE_MANAGER_CHANNEL,
  LicenseGateError,
  type DenialMessage,
  type LicenseManagerCallMessage,
} from '../src/index.js';
import { answerDenial } from '../src/http/index.js';
import { silentLogger } from '../src/logger.js';
import { deniedWith, PAST_REFRESH, SKU, tieredLicense, useHarness, type Harness } from './support/gate-harness.js';
import { seatSeed, SEAT_ENTITLEMENT } from './support/seat-world.js';

type Event = { channel: string; message: LicenseManagerCallMessage; result?: unknown; error?: unknown };

/** Subscribes to every channel of the tracing channel; `events` in order; `stop()` unsubscribes. */
function traceCalls(): { events: Event[]; stop: () => void } {
  const events: Event[] = [];
  const channel = diagnosticsChannel.tracingChannel<LicenseManagerCallMessage, LicenseManagerCallMessage>(
    LICENSE_MANAGER_CHANNEL,
  );
  const record =
    (name: string) =>
    (message: LicenseManagerCallMessage): void => {
      events.push({ channel: name, message, result: message.result, error: message.error });
    };
  const handlers = {
    start: record('start'),
    end: record('end'),
    asyncStart: record('asyncStart'),
    asyncEnd: record('asyncEnd'),
    error: record('error'),
  };
  channel.subscribe(handlers);
  return { events, stop: () => channel.unsubscribe(handlers) };
}

describe('tracing hooks (diagnostics_channel)', () => {
  const harness = useHarness();
  let h: Harness;
  beforeEach(() => {
    h = harness();
  });

  describe(`${LICENSE_MANAGER_CHANNEL} (tracing channel)`, () => {
    it('publishes start, end, asyncStart and asyncEnd around each call, with the operation and no answer', async () => {
      h.addLicense(tieredLicense(SKU, ['Intermediate']));
      const { gate } = h.gate();
      const trace = traceCalls();
      try {
        await gate.start();
      } finally {
        trace.stop();
      }
      assert.deepEqual(
        trace.events.map((e) => `${e.channel} ${e.message.operation}`),
        [
          'start CheckoutLicense',
          'end CheckoutLicense',
          'asyncStart CheckoutLicense',
          'asyncEnd CheckoutLicense',
          'start GetLicense',
          'end GetLicense',
          'asyncStart GetLicense',
          'asyncEnd GetLicense',
        ],
      );
      const [checkout] = trace.events;
      assert.equal(checkout?.message.productSku, SKU);
      assert.equal(checkout?.message.attempts, 1);
      // The same context object throughout one call; the answer (with its consumption token) is not in it.
      assert.equal(trace.events[3]?.message, checkout?.message);
      assert.equal(trace.events[3]?.result, undefined);
      assert.doesNotMatch(JSON.stringify(trace.events.map((e) => e.message)), /Token/i);
    });

    it('publishes error with the LicenseManagerCallError and the attempts made', async () => {
      h.addLicense(tieredLicense(SKU, ['Intermediate']));
      const { gate } = h.gate();
      await gate.start();
      h.lm.addFault({ operation: 'CheckoutLicense', kind: 'error', error: 'ServerInternalException', times: 2 });
      const trace = traceCalls();
      try {
        await h.step(gate, PAST_REFRESH);
      } finally {
        trace.stop();
      }
      assert.deepEqual(
        trace.events.map((e) => e.channel),
        ['start', 'end', 'error', 'asyncStart', 'asyncEnd'],
      );
      const failed = trace.events[2]?.message;
      assert.equal(failed?.operation, 'CheckoutLicense');
      assert.equal(failed?.attempts, 2);
      const error = failed?.error as { code?: string; kind?: string; awsName?: string };
      assert.equal(error.code, 'ERR_LG_LICENSE_UNAVAILABLE');
      assert.equal(error.kind, 'transient');
      assert.equal(error.awsName, 'ServerInternalException');
    });

    it("binds a subscriber's AsyncLocalStorage to the call (what an APM span needs)", async () => {
      h.addLicense(tieredLicense(SKU, ['Intermediate']));
      const { gate } = h.gate();
      const channel = diagnosticsChannel.tracingChannel<string, LicenseManagerCallMessage>(LICENSE_MANAGER_CHANNEL);
      const store = new AsyncLocalStorage<string>();
      const seen: (string | undefined)[] = [];
      channel.start.bindStore(store, (message) => `span:${message.operation}`);
      const asyncEnd = (): void => {
        seen.push(store.getStore());
      };
      channel.asyncEnd.subscribe(asyncEnd as never);
      // Every request the SDK sends runs inside the call's store.
      gate.options.client.middlewareStack.add(
        (next) => async (args) => {
          seen.push(`sent in ${store.getStore()}`);
          return next(args);
        },
        { step: 'initialize', name: 'alsProbe' },
      );
      try {
        await gate.start();
      } finally {
        channel.start.unbindStore(store);
        channel.asyncEnd.unsubscribe(asyncEnd as never);
      }
      assert.deepEqual(seen.slice(0, 2), ['sent in span:CheckoutLicense', 'span:CheckoutLicense']);
      assert.ok(seen.includes('sent in span:GetLicense'));
    });

    it('publishes nothing once unsubscribed', async () => {
      h.addLicense(tieredLicense(SKU, ['Intermediate']));
      const { gate } = h.gate();
      const trace = traceCalls();
      trace.stop();
      await gate.start();
      assert.deepEqual(trace.events, []);
    });
  });

  describe(`${DENIAL_CHANNEL}`, () => {
    /** Subscribes to denials; `stop()` unsubscribes. */
    function denials(): { messages: DenialMessage[]; stop: () => void } {
      const messages: DenialMessage[] = [];
      const onMessage = (message: unknown): void => {
        messages.push(message as DenialMessage);
      };
      diagnosticsChannel.subscribe(DENIAL_CHANNEL, onMessage);
      return { messages, stop: () => diagnosticsChannel.unsubscribe(DENIAL_CHANNEL, onMessage) };
    }

    it('publishes each denial the adapter kit answers: tier, seat and drawdown, with its code and problem', async () => {
      h.addLicense(tieredLicense(SKU, ['Intermediate']));
      const tiers = h.gate().gate;
      await tiers.start();
      const sku = 'lg-denials-usage';
      h.addLicense({
        ...seatSeed(sku, 1),
        Entitlements: [
          { Name: SEAT_ENTITLEMENT, MaxCount: 1, Overage: false, Unit: 'Count', AllowCheckIn: true },
          { Name: 'DataConsumption', MaxCount: 1, Overage: false, Unit: 'Count', AllowCheckIn: true },
        ],
      } as ReturnType<typeof seatSeed>);
      const usage = h.gate({
        productSku: sku,
        tiers: undefined,
        seats: { entitlement: SEAT_ENTITLEMENT },
        drawdown: { DataConsumption: { mode: 'sync' } },
      }).gate;
      await usage.start();
      await usage.seats.acquire('ann');
      const seatError = await usage.seats.acquire('bob').catch((error: unknown) => error);
      const unitsError = await usage.drawdown.reserve('DataConsumption', 2).catch((error: unknown) => error);

      const subscribed = denials();
      try {
        answerDenial(tiers, deniedWith(tiers.checkTier('Premium')), '/reports/premium');
        answerDenial(usage, seatError, '/login');
        answerDenial(usage, unitsError, '/backup');
        answerDenial(usage, new Error('not a denial'), '/other');
      } finally {
        subscribed.stop();
      }
      assert.deepEqual(
        subscribed.messages.map((m) => [m.productSku, m.path, m.code, m.type, m.status]),
        [
          [SKU, '/reports/premium', 'ERR_LG_TIER_REQUIRED', 'urn:licensegate:tier-required', 403],
          [sku, '/login', 'ERR_LG_SEATS_EXHAUSTED', 'urn:licensegate:seats-exhausted', 403],
          [sku, '/backup', 'ERR_LG_QUOTA_EXHAUSTED', 'urn:licensegate:quota-exhausted', 402],
        ],
      );
      assert.equal(subscribed.messages[0]?.problem['requiredTier'], 'Premium');
      assert.equal(subscribed.messages[1]?.problem['entitlement'], SEAT_ENTITLEMENT);
      assert.equal(subscribed.messages[2]?.problem['dimension'], 'DataConsumption');
      assert.ok(subscribed.messages[0]?.error instanceof LicenseGateError);
    });

    it('publishes nothing when no one subscribes (and the answer is the same)', () => {
      const gate = { options: { logger: silentLogger, productSku: SKU } };
      const error = new LicenseGateError('ERR_LG_NO_SEAT', 'no seat');
      const subscribed = denials();
      subscribed.stop();
      const answer = answerDenial(gate, error, '/app');
      assert.equal(answer?.problem.status, 403);
      assert.deepEqual(subscribed.messages, []);
      assert.equal(diagnosticsChannel.hasSubscribers(DENIAL_CHANNEL), false);
    });
  });
});
