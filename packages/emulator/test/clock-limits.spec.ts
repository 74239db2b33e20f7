/**
 * The virtual clock refuses instants that the wire formats cannot carry (four-digit years, as ISO
 * 8601 and License Manager's checkout times write them) and values that are not instants at all, on
 * the admin path and programmatically; a refused move changes nothing, and the state stays readable.
 */
import assert from 'node:assert/strict';

import { GetLicenseCommand } from '@aws-sdk/client-license-manager';

import { EmulatorError, VirtualClock, startEmulator } from '../src/index.js';
import {
  CONFIGURABLE_ARN,
  DAY,
  admin,
  checkout,
  marketplaceSeed,
  standardSeeds,
  tier,
  useEmulator,
} from './support/emulator-fixture.js';

/** The last instant the clock may be set or advanced to: a year before four-digit years run out. */
const LATEST = Date.parse('9999-01-01T00:00:00.000Z');
/** The first instant: the start of year 0000. */
const EARLIEST = Date.parse('0000-01-01T00:00:00.000Z');

function isBadClock(error: unknown): boolean {
  return error instanceof EmulatorError && error.code === 'ERR_LG_EMU_BAD_CLOCK';
}

describe('clock limits', () => {
  const lm = useEmulator(() => ({ licenses: standardSeeds() }), { each: false });

  /** Asserts that the clock is where it was and that /state and /clock still answer. */
  async function assertUnchanged(offsetMs: number, what: string): Promise<void> {
    assert.equal(lm.running.clock.offsetMs, offsetMs, `${what}: the clock moved`);
    const state = await admin(lm.running.url, 'GET', '/state');
    assert.equal(state.status, 200, `${what}: GET /state answered ${state.status} ${state.text}`);
    assert.equal((await admin(lm.running.url, 'GET', '/clock')).status, 200, what);
  }

  it('refuses {"set": 8.64e15} (the last JavaScript date), and /state keeps answering 200', async () => {
    const answer = await admin(lm.running.url, 'POST', '/clock', { set: 8.64e15 });
    assert.equal(answer.status, 400, answer.text);
    assert.equal(answer.json?.['code'], 'ERR_LG_EMU_BAD_CLOCK');
    assert.match(String(answer.json?.['message']), /9999-01-01T00:00:00\.000Z/);
    await assertUnchanged(0, 'set 8.64e15');
  });

  it('refuses "set" values that are not instants it can carry, with 400 ERR_LG_EMU_BAD_CLOCK', async () => {
    lm.running.clock.advance(DAY);
    const offset = lm.running.clock.offsetMs;
    const bodies: string[] = [
      '{"set": -8.64e15}',
      `{"set": ${LATEST + 1}}`,
      `{"set": ${EARLIEST - 1}}`,
      '{"set": 1e400}',
      '{"set": -1e400}',
      '{"set": "+010000-01-01T00:00:00Z"}',
      '{"set": "-000001-01-01T00:00:00Z"}',
      '{"set": "9999-06-01T00:00:00Z"}',
      '{"set": "soon"}',
      '{"set": ""}',
      '{"set": "1700000000000"}',
      '{"set": "2030"}',
      '{"set": "March 7, 2030"}',
      '{"set": "Tue, 01 Jan 2030 00:00:00 GMT"}',
      '{"set": "2030-02-30T00:00:00Z"}',
      '{"set": "2030-13-01T00:00:00Z"}',
      '{"set": "2030-01-01T24:00:00Z"}',
      '{"set": "2030-01-01T00:00:00+25:00"}',
      '{"set": true}',
      '{"set": null}',
      '{"set": {}}',
      '{"set": [0]}',
    ];
    for (const body of bodies) {
      const answer = await admin(lm.running.url, 'POST', '/clock', body);
      assert.equal(answer.status, 400, `${body}: ${answer.text}`);
      assert.equal(answer.json?.['code'], 'ERR_LG_EMU_BAD_CLOCK', body);
      await assertUnchanged(offset, body);
    }
  });

  it('refuses advances below zero, beyond the last instant, or that are not durations', async () => {
    const bodies = [
      '{"advance": -1}',
      '{"advance": "-5m"}',
      '{"advance": 8.64e15}',
      '{"advance": "99999999999d"}',
      '{"advance": 1.5}',
      '{"advance": "1.5h"}',
      '{"advance": null}',
      '{"advance": true}',
    ];
    for (const body of bodies) {
      const answer = await admin(lm.running.url, 'POST', '/clock', body);
      assert.equal(answer.status, 400, `${body}: ${answer.text}`);
      assert.equal(answer.json?.['code'], 'ERR_LG_EMU_BAD_CLOCK', body);
      await assertUnchanged(0, body);
    }
  });

  it('refuses a body that is not one object with exactly one of reset, advance, set', async () => {
    for (const body of [
      '{"advance": "1m", "set": "2030-01-01T00:00:00Z"}',
      '{"reset": true, "advance": "1m"}',
      '{"reset": false}',
      '{"advance": "1m", "by": "me"}',
      '[{"advance": "1m"}]',
      '"1m"',
      '60000',
      'null',
    ]) {
      const answer = await admin(lm.running.url, 'POST', '/clock', body);
      assert.equal(answer.status, 400, `${body}: ${answer.text}`);
      assert.equal(answer.json?.['code'], 'ERR_LG_EMU_BAD_CLOCK', body);
      await assertUnchanged(0, body);
    }
  });

  it('takes an ISO date, an ISO date-time with or without a zone, and epoch ms up to the last instant', async () => {
    for (const [set, at] of [
      ['2030-06-01', Date.parse('2030-06-01T00:00:00Z')],
      ['2030-06-01T12:00:00Z', Date.parse('2030-06-01T12:00:00Z')],
      ['2030-06-01T12:00', Date.parse('2030-06-01T12:00:00Z')],
      ['2030-06-01T12:00:00.250', Date.parse('2030-06-01T12:00:00.250Z')],
      ['2030-06-01T14:00:00+02:00', Date.parse('2030-06-01T12:00:00Z')],
      ['2028-02-29T00:00:00Z', Date.parse('2028-02-29T00:00:00Z')],
      [LATEST, LATEST],
      [EARLIEST, EARLIEST],
    ] as const) {
      const answer = await admin(lm.running.url, 'POST', '/clock', { set });
      assert.equal(answer.status, 200, `${set}: ${answer.text}`);
      assert.ok(Math.abs((answer.json?.['epochMs'] as number) - at) < 2_000, `${set}`);
      assert.equal((await admin(lm.running.url, 'GET', '/state')).status, 200, `${set}: GET /state`);
    }
  });

  it('keeps serving the AWS protocol at the last instant', async () => {
    lm.running.clock.set(LATEST);
    const license = await lm.client.send(new GetLicenseCommand({ LicenseArn: CONFIGURABLE_ARN }));
    assert.equal(license.License?.Status, 'EXPIRED');
    assert.equal(lm.running.emulator.dump().now.slice(0, 4), '9999');
  });

  describe('programmatic clock', () => {
    it('clock.set() refuses what is not an instant it can carry with ERR_LG_EMU_BAD_CLOCK, changing nothing', async () => {
      await checkout(lm.client);
      lm.running.clock.advance(DAY);
      for (const value of [
        8.64e15,
        -8.64e15,
        LATEST + 1,
        EARLIEST - 1,
        NaN,
        Infinity,
        -Infinity,
        '2030' as unknown as number,
      ]) {
        assert.throws(() => lm.running.clock.set(value), isBadClock, String(value));
        assert.equal(lm.running.clock.offsetMs, DAY, String(value));
        lm.running.emulator.dump();
      }
    });

    it('clock.advance() refuses negative, non-finite and too-far moves with ERR_LG_EMU_BAD_CLOCK', () => {
      for (const value of [-1, NaN, Infinity, 8.64e15, LATEST, '1m' as unknown as number]) {
        assert.throws(() => lm.running.clock.advance(value), isBadClock, String(value));
        assert.equal(lm.running.clock.offsetMs, 0, String(value));
      }
      lm.running.emulator.dump();
    });

    it('a VirtualClock near the last instant can reach it and not pass it', () => {
      const clock = new VirtualClock(() => LATEST - 1_000);
      assert.equal(clock.advance(1_000), LATEST);
      assert.throws(() => clock.advance(1), isBadClock);
      assert.equal(clock.now(), LATEST);
    });
  });

  describe('seed times', () => {
    it('refuses a relative Validity beyond the range of dates with ERR_LG_EMU_BAD_SEED, at start and on the admin path', async () => {
      const seed = marketplaceSeed('sku-far', [tier('Gold')], { Validity: { Begin: '-1d', End: '+999999y' } });
      await assert.rejects(
        startEmulator({ port: 0, licenses: [seed] }),
        (error: unknown) => error instanceof EmulatorError && error.code === 'ERR_LG_EMU_BAD_SEED',
      );
      const answer = await admin(lm.running.url, 'POST', '/licenses', [seed]);
      assert.equal(answer.status, 400, answer.text);
      assert.equal(answer.json?.['code'], 'ERR_LG_EMU_BAD_SEED');
      assert.match(String(answer.json?.['message']), /licenses\[0\]/);
      assert.equal(lm.running.emulator.dump().licenses.length, 2);
    });
  });
});
