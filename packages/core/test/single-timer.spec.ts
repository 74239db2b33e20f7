import assert from 'node:assert/strict';

import { ManualClock } from '../src/testing/index.js';
import { SingleTimer } from '../src/util/single-timer.js';

describe('SingleTimer: one timer, re-armed to the next due time', () => {
  it('fires once at the due time, and may be armed again from its callback', async () => {
    const clock = new ManualClock(0);
    const fired: number[] = [];
    const timer = new SingleTimer(clock, () => {
      fired.push(clock.now());
      if (fired.length < 3) timer.armIn(100);
    });
    timer.armIn(100);
    assert.equal(timer.dueAt, 100);
    await clock.advance(1_000);
    assert.deepEqual(fired, [100, 200, 300]);
    assert.equal(timer.armed, false);
    assert.equal(timer.dueAt, Infinity);
    assert.equal(clock.pendingTimers, 0);
  });

  it('arming again replaces what was armed: never two timers', async () => {
    const clock = new ManualClock(0);
    let fired = 0;
    const timer = new SingleTimer(clock, () => fired++);
    timer.armIn(500);
    timer.armAt(200);
    timer.armIn(300);
    assert.equal(clock.pendingTimers, 1);
    assert.equal(timer.dueAt, 300);
    await clock.advance(299);
    assert.equal(fired, 0);
    await clock.advance(1);
    assert.equal(fired, 1);
    await clock.advance(1_000);
    assert.equal(fired, 1);
  });

  it('armAt in the past fires at once; cancel disarms', async () => {
    const clock = new ManualClock(1_000);
    let fired = 0;
    const timer = new SingleTimer(clock, () => fired++);
    timer.armAt(10);
    assert.equal(timer.dueAt, 10);
    await clock.advance(0);
    assert.equal(fired, 1);
    timer.armIn(50);
    timer.cancel();
    assert.equal(timer.armed, false);
    assert.equal(clock.pendingTimers, 0);
    await clock.advance(100);
    assert.equal(fired, 1);
  });
});
