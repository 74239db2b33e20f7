/**
 * Edges of the failure policy and of the gate's events, through the real SDK against the emulator:
 * grace ends at the last good answer plus graceMs even while License Manager hangs; traffic brings
 * the retry forward once License Manager is back (single-flight, rate-limited); a listener that
 * throws breaks nothing.
 */
import assert from 'node:assert/strict';

import { LicenseUnavailableError } from '../src/index.js';
import {
  deniedWith,
  MINUTE,
  SECOND,
  SKU,
  tieredLicense,
  until,
  useHarness,
  type Harness,
} from './support/gate-harness.js';

const OUTAGE = { operation: '*', kind: 'error', error: 'ServerInternalException' } as const;

describe('LicenseGate edges: grace while License Manager hangs, recovery under traffic, listeners', () => {
  const harness = useHarness();
  let h: Harness;
  beforeEach(() => {
    h = harness();
    h.addLicense(tieredLicense(SKU, ['Intermediate']));
  });

  it('grace ends at the last good answer + graceMs while a refresh hangs (no answer, no error)', async () => {
    // A grace shorter than the refresh interval plus a call's timeout: the case that overran.
    const { gate } = h.gate({ graceMs: 10 * MINUTE, refreshIntervalMs: 15 * MINUTE, callTimeoutMs: 60 * SECOND });
    await gate.start();
    const learntAt = h.clock.now();
    assert.ok(
      Date.parse(gate.status().nextRefreshAt ?? '') <= learntAt + 5 * MINUTE,
      'a grace shorter than the interval: the gate refreshes every graceMs / 2',
    );
    // License Manager hangs: every call waits far longer than the test (the client's timeout is 60 s).
    h.lm.addFault({ operation: '*', kind: 'latency', latencyMs: 2_000 });
    await h.advance(5 * MINUTE + 1);
    await until(() => h.inflight(gate) > 0, 'the refresh to hang');

    await h.advanceTo(learntAt + 10 * MINUTE - 1);
    assert.equal(gate.hasTier('Intermediate'), true, 'within the grace');
    assert.equal(h.inflight(gate), 1, 'the refresh still hangs: no answer, no error');
    await h.advanceTo(learntAt + 10 * MINUTE);
    const decision = gate.checkTier('Intermediate');
    assert.ok(deniedWith(decision) instanceof LicenseUnavailableError, 'the grace ended on time');
    assert.equal(decision.degraded, true);
    assert.equal(gate.hasTier('Basic'), false);
    h.lm.clearFaults();
  });

  it('traffic brings the retry forward once License Manager is back: recovered at the next request, not at the backoff', async () => {
    const { gate, events } = h.gate({ graceMs: 20 * MINUTE });
    await gate.start();
    h.lm.addFault(OUTAGE);
    await h.step(gate, 16 * MINUTE); // the refresh fails: degraded, served under grace
    await h.step(gate, 10 * MINUTE); // past the grace
    const calls = (): number => gate.status().calls;
    /** Waits until no call is in flight or about to be retried (for I/O, a few ms apart). */
    const quiet = async (): Promise<void> => {
      let seen = -1;
      while (seen !== calls() || h.inflight(gate) > 0) {
        seen = calls();
        await new Promise((resolve) => setTimeout(resolve, 30));
      }
    };
    assert.ok(deniedWith(gate.checkTier('Basic')) instanceof LicenseUnavailableError); // and a probe, which fails
    await quiet();
    const next = Date.parse(gate.status().nextRefreshAt ?? '');
    assert.ok(next - h.clock.now() >= 30 * SECOND, 'the backoff would wait');

    // While License Manager fails: at most one attempt per recoveryProbeMs (5 s), however many requests.
    await h.advance(5 * SECOND);
    const before = calls();
    for (let i = 0; i < 50; i++) gate.hasTier('Basic');
    await quiet();
    const probe = calls() - before;
    assert.ok(probe >= 1 && probe <= 2, `one refresh (a call and its retry) for 50 refused requests: ${probe} calls`);
    for (let i = 0; i < 50; i++) gate.hasTier('Basic');
    await quiet();
    assert.equal(calls() - before, probe, 'none more within recoveryProbeMs');

    // License Manager is back: the next request after recoveryProbeMs brings the retry forward.
    h.lm.clearFaults();
    await h.advance(5 * SECOND);
    assert.equal(gate.hasTier('Basic'), false, 'this request is still refused, and starts the retry');
    await until(() => events.recovered.length === 1, 'the retry to recover');
    assert.equal(gate.hasTier('Intermediate'), true, 'recovered within a request of License Manager coming back');
    assert.ok(h.clock.now() < next, 'well before the backoff would have retried');
  });

  it('a listener that throws breaks nothing: the seat is taken and accounted for, other listeners run, the error is logged', async () => {
    h.addLicense({
      ...tieredLicense('lg-test-seats', []),
      Entitlements: [{ Name: 'ConcurrentUsers', MaxCount: 2, Overage: false, Unit: 'Count', AllowCheckIn: true }],
    });
    const { gate } = h.gate({
      productSku: 'lg-test-seats',
      tiers: undefined,
      seats: { entitlement: 'ConcurrentUsers' },
    });
    await gate.start();
    const seen: string[] = [];
    gate.on('seatAcquired', () => {
      throw Object.assign(new Error('listener bug'), { code: 'E_APP_LISTENER' });
    });
    gate.on('seatAcquired', ({ key }) => seen.push(key));
    gate.once('seatReleased', () => {
      throw new Error('another listener bug');
    });

    const seat = await gate.seats.acquire('k1');
    assert.equal(seat.key, 'k1');
    assert.deepEqual(seen, ['k1'], 'the other listener still ran');
    assert.equal((await gate.seats.held()).length, 1);
    assert.equal(await gate.seats.release('k1'), true);
    assert.equal((await gate.seats.held()).length, 0, 'the release went through');
    const failed = h.logger.events('licensegate.gate.listener_failed', 'error');
    assert.deepEqual(
      failed.map((e) => [e.fields['on'], e.fields['code'] ?? null]),
      [
        ['seatAcquired', 'E_APP_LISTENER'],
        ['seatReleased', null],
      ],
    );
  });
});
