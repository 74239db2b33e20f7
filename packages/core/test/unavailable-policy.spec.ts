import assert from 'node:assert/strict';

import { OnUnavailable } from '../src/policy/unavailable-policy.js';

describe('OnUnavailable: the one reading of the onUnavailable policy', () => {
  const HOUR = 3_600_000;

  it('grace serves for graceMs after the moment the model measures from, and not before anything was known', () => {
    const grace = new OnUnavailable('grace', HOUR);
    assert.equal(grace.servableUntil(1_000), 1_000 + HOUR);
    assert.equal(grace.serves(1_000, 1_000 + HOUR - 1), true);
    assert.equal(grace.serves(1_000, 1_000 + HOUR), false);
    assert.equal(grace.servableUntil(undefined), -Infinity);
    assert.equal(grace.serves(undefined, 0), false);
    assert.equal(grace.graceEndsAt(1_000), 1_000 + HOUR);
  });

  it('allow serves whatever the moment, even with nothing known; deny serves nothing', () => {
    const allow = new OnUnavailable('allow', HOUR);
    const deny = new OnUnavailable('deny', HOUR);
    assert.equal(allow.servableUntil(undefined), Infinity);
    assert.equal(allow.serves(0, 10 * HOUR), true);
    assert.equal(deny.servableUntil(0), -Infinity);
    assert.equal(deny.serves(0, 0), false);
    assert.equal(allow.graceEndsAt(0), undefined);
    assert.equal(deny.graceEndsAt(0), undefined);
  });

  it('bounds a tier answer with no failure seen only under grace, and refreshes within the grace', () => {
    assert.equal(new OnUnavailable('grace', HOUR).answerServableUntil(5), 5 + HOUR);
    assert.equal(new OnUnavailable('deny', HOUR).answerServableUntil(5), Infinity);
    assert.equal(new OnUnavailable('allow', HOUR).answerServableUntil(5), Infinity);
    assert.equal(new OnUnavailable('grace', 10 * 60_000).refreshIntervalMs(15 * 60_000), 5 * 60_000);
    assert.equal(new OnUnavailable('grace', HOUR).refreshIntervalMs(15 * 60_000), 15 * 60_000);
    assert.equal(new OnUnavailable('deny', 60_000).refreshIntervalMs(15 * 60_000), 15 * 60_000);
  });
});
