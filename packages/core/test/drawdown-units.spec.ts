import assert from 'node:assert/strict';

import { InvalidUnitsError } from '../src/errors.js';
import { batchKeyOf, journalKey, parseJournalKey } from '../src/drawdown/journal/journal-keys.js';
import { SettlingReservation } from '../src/drawdown/reservation.js';
import { checkUnits } from '../src/drawdown/units.js';

/** A bad value as a test name shows it. */
function show(value: unknown): string {
  if (typeof value === 'string') return `the string '${value}'`;
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'object' && value !== null) return 'an object';
  return String(value);
}

describe('drawdown units and journal keys', () => {
  describe('checkUnits', () => {
    it('accepts whole numbers from 0 to MAX_SAFE_INTEGER (-0 as 0)', () => {
      assert.equal(checkUnits('D', 0), 0);
      assert.ok(Object.is(checkUnits('D', -0), 0));
      assert.equal(checkUnits('D', 7), 7);
      assert.equal(checkUnits('D', Number.MAX_SAFE_INTEGER), Number.MAX_SAFE_INTEGER);
    });

    for (const bad of [NaN, -1, 1.5, Infinity, -Infinity, '5', 2 ** 53, null, undefined, {}, 5n]) {
      it(`refuses ${show(bad)} with ERR_LG_INVALID_UNITS`, () => {
        assert.throws(
          () => checkUnits('DataConsumption', bad),
          (error: unknown) =>
            error instanceof InvalidUnitsError &&
            error.code === 'ERR_LG_INVALID_UNITS' &&
            /DataConsumption/.test(error.message),
        );
      });
    }
  });

  describe('journal keys', () => {
    it('round-trips a key whose dimension holds colons', () => {
      const key = journalKey('pending', 'i-1', 'Data:Consumption:v2', 42);
      assert.equal(key, 'pending:i-1:Data:Consumption:v2:42');
      assert.deepEqual(parseJournalKey(key), {
        kind: 'pending',
        instanceId: 'i-1',
        dimension: 'Data:Consumption:v2',
        epoch: 42,
      });
      assert.equal(batchKeyOf(parseJournalKey(key)!), 'batch:i-1:Data:Consumption:v2:42');
    });

    it('does not parse the shared counters or malformed keys', () => {
      for (const key of [
        'block:DataConsumption',
        'unbillable:DataConsumption',
        'pending:i-1:D:x',
        'pending::D:1',
        'other:i:D:1',
        'pending:i-1::1',
      ]) {
        assert.equal(parseJournalKey(key), undefined, key);
      }
    });
  });

  describe('SettlingReservation', () => {
    it('settles once: a second commit rejects and a cancel after it throws ERR_LG_RESERVATION_SETTLED', async () => {
      let commits = 0;
      const reservation = new SettlingReservation('D', 3, {
        commitReserved: async () => void commits++,
        cancelReserved: () => assert.fail('not cancelled'),
      });
      assert.equal(reservation.state, 'open');
      await reservation.commit();
      assert.equal(reservation.state, 'committed');
      await assert.rejects(reservation.commit(), { code: 'ERR_LG_RESERVATION_SETTLED' });
      assert.throws(() => reservation.cancel(), { code: 'ERR_LG_RESERVATION_SETTLED' });
      assert.equal(commits, 1);
    });

    it('a cancelled reservation cannot be committed or cancelled again', async () => {
      let cancels = 0;
      const reservation = new SettlingReservation('D', 3, {
        commitReserved: () => assert.fail('not committed'),
        cancelReserved: () => void cancels++,
      });
      reservation.cancel();
      assert.equal(reservation.state, 'cancelled');
      assert.throws(() => reservation.cancel(), { code: 'ERR_LG_RESERVATION_SETTLED' });
      await assert.rejects(reservation.commit(), { code: 'ERR_LG_RESERVATION_SETTLED' });
      assert.equal(cancels, 1);
    });
  });
});
