import assert from 'node:assert/strict';

import { ClockAdvanceError, ManualClock } from '../src/testing/index.js';

describe('ManualClock', () => {
  it('refuses a negative or non-finite move with ClockAdvanceError (ERR_LG_CLOCK_ADVANCE): time and timers stay', async () => {
    const clock = new ManualClock(1_000);
    let fired = 0;
    clock.setTimeout(() => (fired += 1), 10);
    for (const ms of [-1, NaN, Infinity, -Infinity]) {
      await assert.rejects(clock.advance(ms), (error: unknown) => {
        assert.ok(error instanceof ClockAdvanceError && error instanceof RangeError, String(error));
        assert.equal(error.code, 'ERR_LG_CLOCK_ADVANCE');
        return true;
      });
    }
    assert.equal(clock.now(), 1_000);
    assert.equal(fired, 0);
    await clock.advance(10);
    assert.equal(fired, 1, 'the clock still works');
  });
});
