import assert from 'node:assert/strict';

import {
  LicenseGateConfigurationError,
  NoLicenseError,
  TierRequiredError,
  type Clock,
  type ClockTimer,
} from '../src/index.js';
import type { ManualClock } from '../src/testing/index.js';
import {
  DAY,
  deniedWith,
  MINUTE,
  PAST_REFRESH,
  SKU,
  tieredLicense,
  until,
  useHarness,
  type Harness,
} from './support/gate-harness.js';

/**
 * A clock whose time can jump without running the timers that fall due, as a process sees it after
 * it was suspended (a laptop lid, a frozen container) or its event loop was blocked: the refresh
 * timer has not run yet, and the first check finds the answer stale.
 */
class SuspendableClock implements Clock {
  skewMs = 0;
  readonly #inner: ManualClock;

  constructor(inner: ManualClock) {
    this.#inner = inner;
  }

  now(): number {
    return this.#inner.now() + this.skewMs;
  }

  setTimeout(callback: () => void, delayMs: number): ClockTimer {
    return this.#inner.setTimeout(callback, delayMs);
  }

  clearTimeout(timer: ClockTimer): void {
    this.#inner.clearTimeout(timer);
  }
}

describe('LicenseGate tiers (real SDK against the emulator)', () => {
  const harness = useHarness();
  let h: Harness;
  beforeEach(() => {
    h = harness();
  });

  describe('first tier', () => {
    it('learns the tier bought with one PROVISIONAL checkout at start, and follows the tier order', async () => {
      const arn = h.addLicense(tieredLicense(SKU, ['Intermediate']));
      const { gate, events } = h.gate();

      await gate.start();

      assert.equal(gate.tier, 'Intermediate');
      assert.equal(gate.hasTier('Basic'), true);
      assert.equal(gate.hasTier('Intermediate'), true);
      assert.equal(gate.hasTier('Premium'), false);
      const error = deniedWith(gate.checkTier('Premium'));
      assert.ok(error instanceof TierRequiredError);
      assert.equal(error.code, 'ERR_LG_TIER_REQUIRED');
      assert.equal(error.requiredTier, 'Premium');
      assert.equal(error.currentTier, 'Intermediate');
      assert.throws(() => gate.assertTier('Premium'), TierRequiredError);
      gate.assertTier('Intermediate');

      assert.equal(h.lm.calls('CheckoutLicense'), 1);
      assert.equal(h.lm.calls('GetLicense'), 1);
      const held = h.consumptionsOf(arn);
      assert.equal(held.length, 1);
      assert.equal(held[0]?.kind, 'PROVISIONAL');
      assert.equal(events.refreshed.length, 1);
      assert.equal(events.refreshed[0]?.tier, 'Intermediate');
      assert.equal(events.tierChanged.length, 0, 'learning the first tier is not a change');
      assert.equal(events.degraded.length, 0);
    });

    it('lets a Premium buyer through an Intermediate gate and stops a Basic buyer at it', async () => {
      h.addLicense(tieredLicense('lg-premium', ['Premium']));
      h.addLicense(tieredLicense('lg-basic', ['Basic']));
      const premium = h.gate({ productSku: 'lg-premium' }).gate;
      const basic = h.gate({ productSku: 'lg-basic' }).gate;
      await Promise.all([premium.start(), basic.start()]);

      assert.equal(premium.tier, 'Premium');
      assert.equal(premium.hasTier('Intermediate'), true);
      assert.equal(premium.tierCheck('Intermediate')().allowed, true);
      assert.equal(basic.tier, 'Basic');
      assert.equal(basic.hasTier('Intermediate'), false);
      assert.equal(basic.tierCheck('Intermediate')().allowed, false);
      assert.equal(basic.hasTier('Basic'), true);
    });
  });

  describe('license versions (CreateLicenseVersion)', () => {
    it('sees an upgrade and then a downgrade on the next refresh, each with a tierChanged event', async () => {
      const arn = h.addLicense(tieredLicense(SKU, ['Intermediate']));
      const { gate, events } = h.gate();
      await gate.start();
      assert.equal(gate.hasTier('Premium'), false);

      assert.equal(await h.revise(arn, { tiers: ['Premium'] }), '2');
      assert.equal(gate.hasTier('Premium'), false, 'the cached answer stands until the next refresh');
      assert.equal(h.lm.calls('CheckoutLicense'), 1);
      await h.step(gate, PAST_REFRESH);

      assert.equal(h.lm.calls('CheckoutLicense'), 2);
      assert.equal(gate.tier, 'Premium');
      assert.equal(gate.hasTier('Premium'), true);
      assert.deepEqual(events.tierChanged, [
        { previous: 'Intermediate', current: 'Premium', licenseArn: arn, licenseVersion: '2' },
      ]);
      assert.equal(gate.status().license?.version, '2');
      assert.equal(h.logger.events('licensegate.tier.changed', 'info').length, 1);

      assert.equal(await h.revise(arn, { tiers: ['Basic'] }), '3');
      await h.step(gate, PAST_REFRESH);

      assert.equal(gate.tier, 'Basic');
      assert.equal(gate.hasTier('Intermediate'), false);
      const error = deniedWith(gate.checkTier('Intermediate'));
      assert.ok(error instanceof TierRequiredError);
      assert.equal(error.currentTier, 'Basic');
      assert.deepEqual(events.tierChanged[1], {
        previous: 'Premium',
        current: 'Basic',
        licenseArn: arn,
        licenseVersion: '3',
      });
      assert.equal(events.tierChanged.length, 2);
    });

    it('sees a cancellation (a version with Status DEACTIVATED): no tier, licenseStatusChanged, NoLicenseError', async () => {
      const arn = h.addLicense(tieredLicense(SKU, ['Intermediate']));
      const { gate, events } = h.gate();
      await gate.start();

      await h.revise(arn, { status: 'DEACTIVATED' });
      await h.step(gate, PAST_REFRESH);

      assert.equal(gate.tier, null);
      assert.equal(gate.hasTier('Basic'), false);
      assert.deepEqual(events.licenseStatusChanged, [
        { licenseArn: arn, previous: 'AVAILABLE', current: 'DEACTIVATED' },
      ]);
      assert.deepEqual(events.tierChanged, [
        { previous: 'Intermediate', current: null, licenseArn: arn, licenseVersion: '2' },
      ]);
      const error = deniedWith(gate.checkTier('Basic'));
      assert.ok(error instanceof NoLicenseError);
      assert.equal(error.code, 'ERR_LG_NO_LICENSE');
      assert.equal(error.reason, 'deactivated');
      assert.throws(() => gate.assertTier('Basic'), NoLicenseError);
      const status = gate.status();
      assert.equal(status.tier, null);
      assert.equal(status.reason, 'deactivated');
      assert.equal(status.license?.status, 'DEACTIVATED');
      assert.equal(status.degraded, false, 'a cancellation is an answer, not an outage');
      assert.equal(events.degraded.length, 0);
    });
  });

  describe('expiry', () => {
    it('warns once when Validity.End comes within expiryWarningMs, and tells once when it has passed', async () => {
      const arn = h.addLicense(tieredLicense(SKU, ['Basic'], { Validity: { Begin: '-1d', End: '+20d' } }));
      const { gate, events } = h.gate();
      await gate.start();
      const expiresAt = gate.status().license?.expiresAt;
      assert.ok(expiresAt !== null && expiresAt !== undefined);
      const end = Date.parse(expiresAt);
      assert.ok(Math.abs(end - (h.clock.now() + 20 * DAY)) < 5_000, `End ${expiresAt} should be 20 days ahead`);
      assert.equal(events.licenseExpiring.length, 0, '20 days left is more than the 7-day default warning');

      await h.advanceTo(end - 7 * DAY - MINUTE);
      await h.settle(gate);
      assert.equal(events.licenseExpiring.length, 0);

      await h.step(gate, 2 * MINUTE);
      assert.equal(events.licenseExpiring.length, 1);
      const warning = events.licenseExpiring[0];
      assert.equal(warning?.licenseArn, arn);
      assert.equal(warning?.expiresAt.getTime(), end);
      assert.ok(warning !== undefined && warning.remainingMs <= 7 * DAY && warning.remainingMs > 7 * DAY - 2 * MINUTE);
      assert.equal(h.logger.events('licensegate.license.expiring', 'warn').length, 1);

      for (let i = 0; i < 3; i++) await h.step(gate, PAST_REFRESH);
      assert.ok(h.lm.calls('GetLicense') >= 4, 'the license was read again');
      assert.equal(events.licenseExpiring.length, 1, 're-reading the same license does not warn again');
      assert.equal(events.licenseExpired.length, 0);
      assert.equal(gate.hasTier('Basic'), true);

      await h.advanceTo(end + MINUTE);
      assert.equal(events.licenseExpired.length, 1);
      assert.deepEqual(events.licenseExpired[0], { licenseArn: arn, expiredAt: new Date(end) });
      assert.equal(gate.hasTier('Basic'), false);
      await h.settle(gate);

      await h.step(gate, PAST_REFRESH);
      assert.equal(gate.tier, null);
      assert.equal(gate.status().reason, 'expired');
      assert.equal(events.licenseExpired.length, 1, 'once per license and end date');
      assert.equal(events.licenseExpiring.length, 1);
      assert.deepEqual(events.licenseStatusChanged, [{ licenseArn: arn, previous: 'AVAILABLE', current: 'EXPIRED' }]);
      assert.deepEqual(events.tierChanged.at(-1), {
        previous: 'Basic',
        current: null,
        licenseArn: arn,
        licenseVersion: '1',
      });
    });

    it('warns at start when the license ends within expiryWarningMs', async () => {
      h.addLicense(tieredLicense(SKU, ['Basic'], { Validity: { Begin: '-1d', End: '+20d' } }));
      const { gate, events } = h.gate({ expiryWarningMs: 30 * DAY });
      await gate.start();
      assert.equal(events.licenseExpiring.length, 1);
      const remaining = events.licenseExpiring[0]?.remainingMs ?? 0;
      assert.ok(remaining > 20 * DAY - MINUTE && remaining <= 20 * DAY, `remainingMs ${remaining}`);
    });

    it('stops granting at Validity.End on the hot path, before the next refresh', async () => {
      h.addLicense(tieredLicense(SKU, ['Premium'], { Validity: { Begin: '-1d', End: '+2h' } }));
      const { gate, events } = h.gate();
      await gate.start();
      const end = Date.parse(gate.status().license?.expiresAt ?? '');
      assert.ok(Number.isFinite(end));

      await h.advanceTo(end - MINUTE);
      await h.settle(gate);
      await gate.refresh(); // the next scheduled refresh is now at least 13.5 minutes away
      assert.equal(gate.hasTier('Premium'), true);
      const calls = h.lm.calls();

      await h.advance(2 * MINUTE);
      assert.equal(gate.hasTier('Premium'), false);
      assert.equal(gate.hasTier('Basic'), false);
      assert.equal(gate.tier, null);
      const error = deniedWith(gate.checkTier('Basic'));
      assert.ok(error instanceof NoLicenseError);
      assert.equal(error.reason, 'expired');
      assert.equal(gate.status().reason, 'expired');
      assert.equal(events.licenseExpired.length, 1);
      assert.equal(h.lm.calls(), calls, 'no License Manager call was needed to stop granting');
    });
  });

  describe('hot path', () => {
    it('answers hasTier synchronously, with no License Manager call, while the answer is fresh', async () => {
      h.addLicense(tieredLicense(SKU, ['Intermediate']));
      const { gate } = h.gate();
      await gate.start();
      const calls = h.lm.calls();
      const sourceCalls = gate.status().calls;
      const check = gate.tierCheck('Premium');

      let granted = 0;
      for (let i = 0; i < 10_000; i++) {
        const answer = gate.hasTier(i % 2 === 0 ? 'Basic' : 'Intermediate');
        assert.equal(typeof answer, 'boolean');
        if (answer) granted++;
        if (check().allowed) granted--;
      }

      assert.equal(granted, 10_000);
      assert.equal(h.lm.calls(), calls);
      assert.equal(gate.status().calls, sourceCalls);
      assert.equal(h.inflight(gate), 0);
      assert.equal(
        gate.checkTier('Basic'),
        gate.checkTier('Intermediate'),
        'an allowed check returns one shared object',
      );
      assert.ok(Object.isFrozen(gate.checkTier('Basic')));
    });

    it('starts exactly one background refresh when a check finds the answer stale', async () => {
      h.addLicense(tieredLicense(SKU, ['Intermediate']));
      const clock = new SuspendableClock(h.clock);
      const { gate, events } = h.gate({ clock });
      await gate.start();
      assert.equal(h.lm.calls('CheckoutLicense'), 1);

      // The process "sleeps" past the refresh time: the refresh timer has not run yet.
      clock.skewMs = 20 * MINUTE;
      h.lm.clock.advance(20 * MINUTE);
      for (let i = 0; i < 1_000; i++) {
        assert.equal(gate.hasTier('Intermediate'), true, 'the stale answer is served while the refresh runs');
      }
      await until(() => events.refreshed.length === 2 && h.inflight(gate) === 0, 'the background refresh');
      for (let i = 0; i < 1_000; i++) gate.hasTier('Basic');

      assert.equal(h.lm.calls('CheckoutLicense'), 2);
      assert.equal(gate.status().lastCheckedAt, new Date(clock.now()).toISOString());
      assert.ok(
        Date.parse(gate.status().nextRefreshAt ?? '') > clock.now() + 13 * MINUTE,
        'the schedule restarts from the refresh',
      );
    });
  });

  describe('one refresh in flight', () => {
    it('makes one CheckoutLicense for 50 concurrent refresh() calls and start()', async () => {
      h.addLicense(tieredLicense(SKU, ['Premium']));
      const { gate, events } = h.gate();

      await Promise.all([...Array.from({ length: 50 }, () => gate.refresh()), gate.start()]);

      assert.equal(h.lm.calls('CheckoutLicense'), 1);
      assert.equal(h.lm.calls('GetLicense'), 1);
      assert.equal(events.refreshed.length, 1);
      assert.equal(gate.hasTier('Premium'), true);
      assert.equal(gate.status().state, 'running');
    });

    it('checks in the superseded tier checkout: one held after three refreshes, none after stop()', async () => {
      const arn = h.addLicense(tieredLicense(SKU, ['Intermediate']));
      const { gate } = h.gate();
      await gate.start();
      for (let i = 0; i < 3; i++) {
        await gate.refresh();
        await until(() => h.inflight(gate) === 0, 'the check-in of the superseded checkout');
      }

      assert.equal(h.lm.calls('CheckoutLicense'), 4);
      assert.equal(h.lm.calls('CheckInLicense'), 3);
      assert.equal(h.consumptionsOf(arn).length, 1);

      await gate.stop();
      assert.equal(h.consumptionsOf(arn).length, 0);
      assert.equal(h.lm.calls('CheckInLicense'), 4);
    });
  });

  describe('status()', () => {
    it('reports tier, license, last check, degradation and errors as plain JSON, with no consumption token', async () => {
      const arn = h.addLicense(tieredLicense(SKU, ['Intermediate'], { Validity: { Begin: '-1d', End: '+30d' } }));
      const { gate } = h.gate();
      assert.equal(gate.status().state, 'idle');
      assert.equal(gate.status().tier, null);
      assert.equal(gate.status().reason, 'unknown');
      await gate.start();
      await gate.refresh();
      await until(() => h.inflight(gate) === 0, 'the check-in');

      const status = gate.status();
      const tokens = h.lm.emulator.dump().consumptions.map((c) => c.token);
      assert.equal(tokens.length, 1);
      assert.equal(status.productSku, SKU);
      assert.equal(status.state, 'running');
      assert.equal(status.tier, 'Intermediate');
      assert.deepEqual(status.tiers, ['Basic', 'Intermediate', 'Premium']);
      assert.equal(status.reason, null);
      assert.equal(status.license?.arn, arn);
      assert.equal(status.license?.status, 'AVAILABLE');
      assert.equal(status.license?.version, '1');
      const expiresAt = Date.parse(status.license?.expiresAt ?? '');
      assert.ok(Math.abs(expiresAt - (h.clock.now() + 30 * DAY)) < 5_000);
      assert.equal(status.lastCheckedAt, new Date(h.clock.now()).toISOString());
      assert.ok(Date.parse(status.nextRefreshAt ?? '') > h.clock.now());
      assert.equal(status.degraded, false);
      assert.equal(status.degradedSince, null);
      assert.equal(status.graceEndsAt, null);
      assert.equal(status.policy, 'grace');
      assert.equal(status.lastError, null);
      assert.equal(status.calls, 5, 'two checkouts, two GetLicense, one check-in');

      const json = JSON.stringify(status);
      assert.deepEqual(JSON.parse(json), status, 'status() is plain JSON');
      const logged = JSON.stringify(h.logger.entries);
      for (const token of [...tokens, ...h.lm.emulator.dump().consumptions.map((c) => c.token)]) {
        assert.ok(!json.includes(token), 'status() must not hold a consumption token');
        assert.ok(!logged.includes(token), 'the logs must not hold a consumption token');
      }
    });
  });

  describe('stop()', () => {
    it('checks the tier checkout in, clears every timer, and is idempotent', async () => {
      const arn = h.addLicense(tieredLicense(SKU, ['Basic'], { Validity: { Begin: '-1d', End: '+30d' } }));
      const { gate } = h.gate();
      await gate.start();
      assert.ok(h.clock.pendingTimers >= 2, 'a refresh timer and an expiry timer at least');

      await gate.stop();
      assert.equal(h.clock.pendingTimers, 0);
      assert.equal(h.consumptionsOf(arn).length, 0);
      assert.equal(gate.status().state, 'stopped');
      assert.equal(gate.status().nextRefreshAt, null);
      const calls = h.lm.calls();

      await gate.stop();
      assert.equal(h.lm.calls(), calls, 'a second stop() calls nothing');
      assert.equal(h.clock.pendingTimers, 0);
      await h.advance(2 * DAY);
      assert.equal(h.lm.calls(), calls, 'no refresh after stop()');
      await assert.rejects(gate.start(), (error: unknown) => {
        assert.ok(error instanceof LicenseGateConfigurationError);
        assert.equal(error.code, 'ERR_LG_STOPPED');
        return true;
      });
    });

    it('a second stop() called while the first is checking in resolves only once the checkout is returned', async () => {
      const arn = h.addLicense(tieredLicense(SKU, ['Basic']));
      const { gate } = h.gate();
      await gate.start();

      const first = gate.stop();
      await gate.stop();
      assert.equal(h.consumptionsOf(arn).length, 0, 'the second stop() resolved before the check-in was done');
      await first;
    });

    it('leaves no checkout and no timer behind when stop() comes while a refresh is in flight', async () => {
      const arn = h.addLicense(tieredLicense(SKU, ['Basic'], { Validity: { Begin: '-1d', End: '+30d' } }));
      const { gate } = h.gate();
      await gate.start();

      const refreshing = gate.refresh();
      await gate.stop();
      await refreshing;
      await until(() => h.inflight(gate) === 0, 'the calls in flight');

      assert.deepEqual(
        { timers: h.clock.pendingTimers, checkouts: h.consumptionsOf(arn).length },
        { timers: 0, checkouts: 0 },
        'a timer armed after stop(), or the checkout of the refresh that stop() overlapped, is left behind',
      );
    });

    it('ends stopped, with no checkout and no timer, when stop() comes while start() is in flight', async () => {
      const arn = h.addLicense(tieredLicense(SKU, ['Basic'], { Validity: { Begin: '-1d', End: '+30d' } }));
      const { gate } = h.gate();

      const starting = gate.start();
      await gate.stop();
      await starting.catch(() => undefined);
      await until(() => h.inflight(gate) === 0, 'the calls in flight');

      assert.deepEqual(
        { state: gate.status().state, timers: h.clock.pendingTimers, checkouts: h.consumptionsOf(arn).length },
        { state: 'stopped', timers: 0, checkouts: 0 },
      );
    });
  });
});
