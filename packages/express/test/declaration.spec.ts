/**
 * Mistakes found when the app declares its routes, not at request time: unknown tiers and
 * dimensions, seat middleware on a gate without seats, and bad adapter options — each a coded
 * LicenseGateConfigurationError whose message says how to fix it. No License Manager call is made.
 */
import assert from 'node:assert/strict';

import { createLicenseGate, LicenseGateConfigurationError, type LicenseGate } from '@licensegate/core';

import { licenseGate, type LicenseGateMiddlewareOptions } from '../src/index.js';

/** Gates that never start: declarations need no License Manager (the endpoint is unreachable on purpose). */
function gate(options: { tiers?: string[]; seats?: boolean; drawdown?: boolean }): LicenseGate {
  return createLicenseGate({
    productSku: 'lg-express-declarations',
    client: { endpoint: 'http://127.0.0.1:9', region: 'us-east-1' },
    ...(options.tiers !== undefined ? { tiers: options.tiers } : {}),
    ...(options.seats === true ? { seats: { entitlement: 'ConcurrentUsers' } } : {}),
    ...(options.drawdown === true ? { drawdown: { DataConsumption: { mode: 'batch' } } } : {}),
  });
}

function configurationError(code: string, message?: RegExp): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof LicenseGateConfigurationError, `a LicenseGateConfigurationError, got ${String(error)}`);
    assert.equal(error.code, code);
    if (message !== undefined) assert.match(error.message, message);
    return true;
  };
}

describe('express route declarations and adapter options', () => {
  const gates: LicenseGate[] = [];
  afterEach(async () => {
    for (const g of gates.splice(0)) await g.stop();
  });
  function made(options: Parameters<typeof gate>[0]): LicenseGate {
    const g = gate(options);
    gates.push(g);
    return g;
  }

  it('requireTier() of an unknown tier throws ERR_LG_UNKNOWN_TIER naming the known ones', () => {
    const lg = licenseGate(made({ tiers: ['Basic', 'Premium'] }));
    assert.throws(() => lg.requireTier('premium'), configurationError('ERR_LG_UNKNOWN_TIER', /"Basic", "Premium"/));
    assert.throws(() => lg.requireTier('Platinum'), configurationError('ERR_LG_UNKNOWN_TIER'));
    assert.equal(typeof lg.requireTier('Premium'), 'function');
  });

  it('requireTier() on a gate without tiers throws ERR_LG_UNKNOWN_TIER', () => {
    const lg = licenseGate(made({ seats: true }));
    assert.throws(() => lg.requireTier('Basic'), configurationError('ERR_LG_UNKNOWN_TIER', /no tiers/));
  });

  it('drawdown() of an unknown dimension, or on a gate without drawdown, throws ERR_LG_UNKNOWN_DIMENSION', () => {
    const lg = licenseGate(made({ drawdown: true }));
    assert.throws(
      () => lg.drawdown('DataConsumptoin', 1),
      configurationError('ERR_LG_UNKNOWN_DIMENSION', /"DataConsumption"/),
    );
    assert.equal(typeof lg.drawdown('DataConsumption', 1), 'function');
    const tiersOnly = licenseGate(made({ tiers: ['Basic'] }));
    assert.throws(() => tiersOnly.drawdown('DataConsumption', 1), configurationError('ERR_LG_UNKNOWN_DIMENSION'));
  });

  it('drawdown() units that are neither a number nor a function throw ERR_LG_OPTIONS', () => {
    const lg = licenseGate(made({ drawdown: true }));
    assert.throws(
      () => lg.drawdown('DataConsumption', '5' as unknown as number),
      configurationError('ERR_LG_OPTIONS', /number or a function/),
    );
  });

  it('acquireSeat(), releaseSeat() and requireSeat() on a gate without seats throw ERR_LG_NO_SEATS when declared', () => {
    const lg = licenseGate(made({ tiers: ['Basic'] }));
    assert.throws(() => lg.acquireSeat(), configurationError('ERR_LG_NO_SEATS'));
    assert.throws(() => lg.releaseSeat(), configurationError('ERR_LG_NO_SEATS'));
    assert.throws(() => lg.requireSeat(), configurationError('ERR_LG_NO_SEATS'));
  });

  it('an unknown adapter option throws ERR_LG_OPTION_UNKNOWN naming the known ones', () => {
    const g = made({ tiers: ['Basic'] });
    const typo = { seatkey: () => 'x' } as unknown as LicenseGateMiddlewareOptions;
    assert.throws(() => licenseGate(g, typo), configurationError('ERR_LG_OPTION_UNKNOWN', /"seatkey".*seatKey/));
  });

  it('an adapter option that is not a function, or options that are not an object, throw ERR_LG_OPTIONS', () => {
    const g = made({ tiers: ['Basic'] });
    const notFunction = { onDenied: 'html' } as unknown as LicenseGateMiddlewareOptions;
    assert.throws(
      () => licenseGate(g, notFunction),
      configurationError('ERR_LG_OPTIONS', /onDenied must be a function/),
    );
    assert.throws(
      () => licenseGate(g, null as unknown as LicenseGateMiddlewareOptions),
      configurationError('ERR_LG_OPTIONS'),
    );
    assert.doesNotThrow(() => licenseGate(g, { onDenied: undefined }));
  });

  it("gate options go through createLicenseGate()'s checks", () => {
    assert.throws(
      () => licenseGate({ productSku: 'x', tiers: ['Basic'], refreshIntervall: 1 } as never),
      configurationError('ERR_LG_OPTION_UNKNOWN', /refreshInterval/),
    );
    assert.throws(() => licenseGate({ productSku: 'x' }), configurationError('ERR_LG_OPTION_NOTHING_TO_GATE'));
  });
});
