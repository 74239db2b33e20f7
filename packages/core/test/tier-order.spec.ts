import assert from 'node:assert/strict';

import { LicenseGateConfigurationError, TierOrder } from '../src/index.js';

describe('TierOrder', () => {
  const order = new TierOrder(['Basic', 'Intermediate', 'Premium']);

  it('ranks the tiers lowest first', () => {
    assert.equal(order.rankOf('Basic'), 0);
    assert.equal(order.rankOf('Intermediate'), 1);
    assert.equal(order.rankOf('Premium'), 2);
    assert.deepEqual(order.names, ['Basic', 'Intermediate', 'Premium']);
    assert.ok(Object.isFrozen(order.names));
  });

  it('lets Premium pass an Intermediate gate, and stops Basic at it', () => {
    const gate = order.rankOf('Intermediate');
    assert.ok(order.highestGranted(['Premium']) >= gate);
    assert.ok(order.highestGranted(['Intermediate']) >= gate);
    assert.ok(order.highestGranted(['Basic']) < gate);
  });

  it('takes the highest tier granted, ignoring names that are not tiers', () => {
    assert.equal(order.highestGranted(['Basic', 'Premium', 'Intermediate']), 2);
    assert.equal(order.highestGranted(['ConcurrentUsers', 'Basic']), 0);
    assert.equal(order.highestGranted(['premium', 'Enterprise']), -1);
    assert.equal(order.highestGranted([]), -1);
  });

  it('names a rank, and null for none or out of range', () => {
    assert.equal(order.nameOf(0), 'Basic');
    assert.equal(order.nameOf(2), 'Premium');
    assert.equal(order.nameOf(-1), null);
    assert.equal(order.nameOf(3), null);
  });

  it('refuses an unknown tier with ERR_LG_UNKNOWN_TIER (names are case-sensitive)', () => {
    for (const name of ['Gold', 'premium', '', 'Basic ']) {
      assert.throws(
        () => order.rankOf(name),
        (error: unknown) =>
          error instanceof LicenseGateConfigurationError &&
          error.code === 'ERR_LG_UNKNOWN_TIER' &&
          error.message.includes(JSON.stringify(name)) &&
          error.message.includes('case-sensitive'),
      );
    }
  });

  it('keeps its own copy of the names', () => {
    const names = ['Solo', 'Team'];
    const own = new TierOrder(names);
    names.reverse();
    assert.equal(own.rankOf('Team'), 1);
    assert.deepEqual(own.names, ['Solo', 'Team']);
  });
});
