import assert from 'node:assert/strict';

import { parseLicenseTime } from '../src/source/license-time.js';

const T = Date.UTC(2026, 10, 27, 21, 0, 0); // 2026-11-27T21:00:00Z

describe('parseLicenseTime', () => {
  it('parses ISO 8601 with a zone', () => {
    assert.equal(parseLicenseTime('2026-11-27T21:00:00Z'), T);
    assert.equal(parseLicenseTime('2026-11-27T21:00:00.000Z'), T);
    assert.equal(parseLicenseTime('2026-11-27T22:00:00+01:00'), T);
    assert.equal(parseLicenseTime('2026-11-27T16:00:00-05:00'), T);
    assert.equal(parseLicenseTime('2026-11-27T21:00:00+00:00'), T);
  });

  it('reads ISO 8601 without a zone as UTC, whatever the process time zone', () => {
    const tz = process.env['TZ'];
    process.env['TZ'] = 'America/New_York';
    try {
      assert.notEqual(new Date(2026, 10, 27, 21).getTime(), T, 'the time zone change took effect');
      assert.equal(parseLicenseTime('2026-11-27T21:00:00'), T);
      assert.equal(parseLicenseTime('2020-11-30T23:47:35'), Date.UTC(2020, 10, 30, 23, 47, 35));
      assert.equal(parseLicenseTime('2026-11-27T21:00:00.250'), T + 250);
    } finally {
      if (tz === undefined) delete process.env['TZ'];
      else process.env['TZ'] = tz;
    }
  });

  it('keeps a fraction of a second', () => {
    assert.equal(parseLicenseTime('2026-11-27T21:00:00.123Z'), T + 123);
    assert.equal(parseLicenseTime('2026-11-27T21:00:00.5'), T + 500);
  });

  it('parses epoch seconds sent as text, as ListReceivedLicenses sends CreateTime', () => {
    assert.equal(parseLicenseTime('1786405121'), 1_786_405_121_000);
    assert.equal(parseLicenseTime(' 1786405121 '), 1_786_405_121_000);
    assert.equal(parseLicenseTime('1786405121.5'), 1_786_405_121_500);
  });

  it('parses a number: epoch seconds, or milliseconds when too large to be seconds', () => {
    assert.equal(parseLicenseTime(1_786_405_121), 1_786_405_121_000);
    assert.equal(parseLicenseTime(1_786_405_121_000), 1_786_405_121_000);
    assert.equal(parseLicenseTime(0), 0);
    assert.equal(parseLicenseTime(Number.NaN), undefined);
    assert.equal(parseLicenseTime(Number.POSITIVE_INFINITY), undefined);
  });

  it('answers undefined for junk and absent values', () => {
    for (const junk of [
      '',
      '   ',
      'tomorrow',
      'Tl9:00',
      '2026-13-45T00:00:00Z',
      '27/11/2026',
      'NaN',
      '-5',
      undefined,
      null,
    ]) {
      assert.equal(parseLicenseTime(junk), undefined, `${JSON.stringify(junk)} is not a time`);
    }
  });
});
