import assert from 'node:assert/strict';

import {
  backoffDelay,
  licenseCallBackoff,
  REPORT_CONFIGURATION_BACKOFF,
  REPORT_TRANSIENT_BACKOFF,
  tierRefreshBackoff,
  type BackoffPolicy,
} from '../src/util/backoff.js';

describe('backoffDelay: one formula for every retry schedule', () => {
  const policy = (jitter: BackoffPolicy['jitter']): BackoffPolicy => ({ baseMs: 100, maxMs: 1_000, jitter });

  it('doubles from the base and stops at the maximum (no jitter)', () => {
    const delays = [1, 2, 3, 4, 5, 6].map((attempt) => backoffDelay(policy('none'), attempt));
    assert.deepEqual(delays, [100, 200, 400, 800, 1_000, 1_000]);
  });

  it('full jitter spreads the wait from 0 to the ceiling', () => {
    assert.equal(backoffDelay(policy('full'), 3, 0), 0);
    assert.equal(backoffDelay(policy('full'), 3, 0.5), 200);
    assert.equal(backoffDelay(policy('full'), 3, 0.999), 399.6);
  });

  it('equal jitter never waits less than half the ceiling', () => {
    assert.equal(backoffDelay(policy('equal'), 3, 0), 200);
    assert.equal(backoffDelay(policy('equal'), 3, 0.5), 300);
    assert.equal(backoffDelay(policy('equal'), 10, 0.999), 999.5);
  });

  it('stays finite however many attempts failed', () => {
    assert.equal(backoffDelay(policy('none'), 5_000), 1_000);
    assert.equal(backoffDelay(tierRefreshBackoff(900_000), 5_000), 900_000);
  });

  it('names the engine policies: calls, tier refresh, drawdown reports', () => {
    assert.deepEqual(licenseCallBackoff({ baseDelayMs: 100, maxDelayMs: 2_000 }), {
      baseMs: 100,
      maxMs: 2_000,
      jitter: 'full',
    });
    assert.deepEqual(
      [1, 2, 6, 7].map((n) => backoffDelay(tierRefreshBackoff(900_000), n)),
      [30_000, 60_000, 900_000, 900_000],
    );
    assert.equal(backoffDelay(REPORT_TRANSIENT_BACKOFF, 1, 1), 1_000);
    assert.equal(backoffDelay(REPORT_TRANSIENT_BACKOFF, 20, 1), 300_000);
    assert.equal(backoffDelay(REPORT_CONFIGURATION_BACKOFF, 1, 0), 30_000);
    assert.equal(backoffDelay(REPORT_CONFIGURATION_BACKOFF, 20, 1), 3_600_000);
  });
});
