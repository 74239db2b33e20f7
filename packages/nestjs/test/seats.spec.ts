/**
 * What only the Nest adapter has around seats (the shared seat scenarios run in
 * adapter-table.spec.ts): a subclassed LicenseGateGuard that keys seats by the app's own user id
 * and gives the holder's details. License Manager's own count (GetLicenseUsage) is the judge.
 */
import assert from 'node:assert/strict';

import type { LicenseGate } from '@licensegate/core';
import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import request from 'supertest';

import { LicenseGateGuard, LicenseGateModule, type LicenseRoute } from '../src/index.js';
import { seatModule, withSessions } from './support/seat-app.js';
import { countedLicense, useWorld } from './support/world.js';

const SKU = 'lg-nest-seats';
const SEATS = 'ConcurrentUsers';

/** Seats keyed by the app's own user id, which its auth put on `req.user` (here: a header). */
@Injectable()
class UserSeatGuard extends LicenseGateGuard {
  protected override getSeatKey(req: Request, _route: LicenseRoute): string | undefined {
    const id = req.header('x-user-id');
    return id === undefined ? undefined : `user:${id}`;
  }

  protected override getSeatInfo(req: Request): unknown {
    return { userId: req.header('x-user-id') };
  }
}

describe('nestjs seats: a subclassed LicenseGateGuard', () => {
  const world = useWorld(() => [countedLicense(SKU, { seats: 3 })]);

  async function setup(): Promise<{ gate: LicenseGate; url: string; taken: () => Promise<number> }> {
    const w = world();
    const gate = w.gate({ productSku: SKU, seats: { entitlement: SEATS } });
    await gate.start();
    const { url } = await w.serve(seatModule(LicenseGateModule.forRoot({ gate }), UserSeatGuard), withSessions);
    return { gate, url, taken: () => w.consumed(w.arnOf(SKU), SEATS) };
  }

  it("a subclassed guard keys seats by the app's own user id: one seat per user across sessions", async () => {
    const w = world();
    const { gate, url, taken } = await setup();
    const laptop = request.agent(url);
    const phone = request.agent(url);
    const bob = request.agent(url);

    const a = await laptop.post('/login').set('x-user-id', '42').send({ user: 'ann' }).expect(200);
    await phone.post('/login').set('x-user-id', '42').send({ user: 'ann' }).expect(200);
    await bob.post('/login').set('x-user-id', '7').send({ user: 'bob' }).expect(200);
    assert.equal(a.body.seat, 'user:42');
    assert.equal(w.calls('CheckoutLicense'), 2, 'one seat per user id');
    assert.equal(await taken(), 2);
    const held = (await gate.seats.held()).sort((x, y) => x.key.localeCompare(y.key));
    assert.deepEqual(
      held.map((s) => [s.key, s.holders.length, s.info]),
      [
        ['user:42', 2, { userId: '42' }],
        ['user:7', 1, { userId: '7' }],
      ],
    );
    assert.equal((await laptop.get('/app').set('x-user-id', '42').expect(200)).body.seat, 'user:42');

    await laptop.post('/logout').set('x-user-id', '42').expect(200);
    await phone.post('/logout').set('x-user-id', '42').expect(200);
    assert.equal(await taken(), 1, "user 42's seat is back; bob keeps his");
  });
});
