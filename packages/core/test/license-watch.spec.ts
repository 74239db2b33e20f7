import assert from 'node:assert/strict';

import { LicenseWatch, type LicenseWatchEvents } from '../src/license/license-watch.js';
import type { LicenseInfo } from '../src/source/license-source.js';
import { ManualClock } from '../src/testing/index.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const HOUR = 60 * 60_000;
const DAY = 24 * HOUR;
const WARNING = 7 * DAY;
const ARN = 'arn:aws:license-manager::294406891311:license:l-00000000000000000000000000000001';
const OTHER_ARN = 'arn:aws:license-manager::294406891311:license:l-00000000000000000000000000000002';

type Told = { [K in keyof LicenseWatchEvents]: { event: K; payload: LicenseWatchEvents[K] } }[keyof LicenseWatchEvents];

function license(overrides: Partial<LicenseInfo> = {}): LicenseInfo {
  return {
    entitlements: [],
    arn: ARN,
    status: 'AVAILABLE',
    version: '1',
    productSku: 'prod-abc123',
    keyFingerprint: 'aws:294406891311:AWS/Marketplace:issuer-fingerprint',
    validFrom: T0 - DAY,
    validUntil: T0 + 20 * DAY,
    createdAt: T0 - DAY,
    ...overrides,
  } as LicenseInfo;
}

describe('LicenseWatch', () => {
  let clock: ManualClock;
  let told: Told[];
  let watch: LicenseWatch;

  const of = <K extends keyof LicenseWatchEvents>(event: K): LicenseWatchEvents[K][] =>
    told.filter((t) => t.event === event).map((t) => t.payload as LicenseWatchEvents[K]);

  beforeEach(() => {
    clock = new ManualClock(T0);
    told = [];
    watch = new LicenseWatch(clock, WARNING, (event, payload) => told.push({ event, payload } as Told));
  });

  it('warns once when the end comes within the warning time, and tells once when it has passed', async () => {
    watch.update(license());
    assert.equal(told.length, 0, '20 days left');
    assert.equal(clock.pendingTimers, 1);

    await clock.advance(13 * DAY - 1);
    assert.equal(told.length, 0);
    await clock.advance(1);
    assert.deepEqual(of('licenseExpiring'), [
      { licenseArn: ARN, expiresAt: new Date(T0 + 20 * DAY), remainingMs: WARNING },
    ]);

    await clock.advance(7 * DAY - 1);
    assert.equal(of('licenseExpired').length, 0);
    await clock.advance(1);
    assert.deepEqual(of('licenseExpired'), [{ licenseArn: ARN, expiredAt: new Date(T0 + 20 * DAY) }]);
    assert.equal(clock.pendingTimers, 0, 'nothing left to watch');

    await clock.advance(30 * DAY);
    assert.equal(told.length, 2);
  });

  it('does not repeat an event when the same license is read again', async () => {
    watch.update(license({ validUntil: T0 + 3 * DAY }));
    watch.update(license({ validUntil: T0 + 3 * DAY }));
    await clock.advance(DAY);
    watch.update(license({ validUntil: T0 + 3 * DAY }));
    assert.equal(of('licenseExpiring').length, 1);

    await clock.advance(3 * DAY);
    watch.update(license({ validUntil: T0 + 3 * DAY }));
    watch.update(license({ validUntil: T0 + 3 * DAY, status: 'EXPIRED' }));
    assert.equal(of('licenseExpiring').length, 1);
    assert.equal(of('licenseExpired').length, 1);
    assert.equal(clock.pendingTimers, 0, 'one timer at most, none once expired');
  });

  it('tells a status change once, with the previous and the current status', () => {
    watch.update(license());
    watch.update(license({ status: 'DEACTIVATED', version: '2' }));
    watch.update(license({ status: 'DEACTIVATED', version: '2' }));
    assert.deepEqual(of('licenseStatusChanged'), [{ licenseArn: ARN, previous: 'AVAILABLE', current: 'DEACTIVATED' }]);
    watch.update(license({ status: 'AVAILABLE', version: '3' }));
    assert.deepEqual(of('licenseStatusChanged')[1], { licenseArn: ARN, previous: 'DEACTIVATED', current: 'AVAILABLE' });
  });

  it('tells an EXPIRED status as expired even before the end date it knows', () => {
    watch.update(license({ status: 'EXPIRED' }));
    assert.deepEqual(of('licenseExpired'), [{ licenseArn: ARN, expiredAt: new Date(T0 + 20 * DAY) }]);
    assert.equal(clock.pendingTimers, 0);
  });

  it('starts over for a renewal: a new end date warns again, and the old one never expires', async () => {
    watch.update(license({ validUntil: T0 + 2 * DAY }));
    assert.equal(of('licenseExpiring').length, 1);

    watch.update(license({ validUntil: T0 + 365 * DAY, version: '2' }));
    assert.equal(clock.pendingTimers, 1);
    await clock.advance(30 * DAY);
    assert.equal(of('licenseExpired').length, 0, 'the renewed license did not end');
    await clock.advance(365 * DAY - WARNING - 30 * DAY);
    assert.equal(of('licenseExpiring').length, 2);
    assert.equal(of('licenseExpiring')[1]?.expiresAt.getTime(), T0 + 365 * DAY);
  });

  it('waits more than a Node timer can (24.8 days) by re-arming', async () => {
    watch.update(license({ validUntil: T0 + 60 * DAY }));
    await clock.advance(53 * DAY - 1);
    assert.equal(told.length, 0);
    assert.equal(clock.pendingTimers, 1);
    await clock.advance(1);
    assert.equal(of('licenseExpiring').length, 1);
  });

  it('keeps no timer for an open-ended license, after stop(), or when the license is gone', async () => {
    watch.update(license({ validUntil: undefined }));
    assert.equal(clock.pendingTimers, 0);
    await clock.advance(1_000 * DAY);
    assert.equal(told.length, 0);

    const ending = license({ validUntil: clock.now() + 20 * DAY });
    watch.update(ending);
    assert.equal(clock.pendingTimers, 1);
    watch.stop();
    assert.equal(clock.pendingTimers, 0);

    watch.update(ending);
    assert.equal(clock.pendingTimers, 1);
    watch.update(undefined);
    assert.equal(clock.pendingTimers, 0);
    assert.equal(watch.license, undefined);
  });

  it('tells no status change when another license takes over (a new purchase is not a change of the old one)', () => {
    watch.update(license({ status: 'EXPIRED', validUntil: T0 - DAY }));
    watch.update(license({ arn: OTHER_ARN, status: 'AVAILABLE' }));
    assert.deepEqual(of('licenseStatusChanged'), [], `told: ${JSON.stringify(of('licenseStatusChanged'))}`);
  });
});
