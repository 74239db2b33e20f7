/**
 * Guard order on seat routes. Nest runs global guards first, then the controller's, then the
 * method's. A global `LicenseGateGuard` on a login route whose own `LoginGuard` refuses a request
 * would have taken a seat before the refusal. The documented pattern —
 * `@UseGuards(LoginGuard, LicenseGateGuard)` — works whatever is global (the global guard leaves the
 * seat step to the route's own), and the boot check refuses the orders that would leak a seat.
 */
import assert from 'node:assert/strict';

import { Controller, HttpCode, Post, UseGuards, type Type } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import request from 'supertest';

import { AcquireSeat, LicenseGateGuard, LicenseGateModule } from '../src/index.js';
import { LoginGuard, seatModule, withSessions } from './support/seat-app.js';
import { countedLicense, useWorld } from './support/world.js';

const SKU = 'lg-nest-guard-order';
const SEATS = 'ConcurrentUsers';

describe('nestjs: guard order on seat routes', () => {
  const world = useWorld(() => [countedLicense(SKU, { seats: 3 })]);

  /** Serves `controllers` (or the seat app) with the gate, `LicenseGateGuard` also global when asked. */
  async function serve(options: { global: boolean; controller?: Type }): Promise<string> {
    const w = world();
    const gate = w.gate({ productSku: SKU, seats: { entitlement: SEATS } });
    const gateModule = LicenseGateModule.forRoot({ gate });
    const metadata =
      options.controller === undefined
        ? seatModule(gateModule)
        : { imports: [gateModule], controllers: [options.controller] };
    const { url } = await w.serve(
      { ...metadata, providers: options.global ? [{ provide: APP_GUARD, useClass: LicenseGateGuard }] : [] },
      withSessions,
    );
    return url;
  }

  it('LicenseGateGuard global and @UseGuards(LoginGuard, LicenseGateGuard): a refused login takes no seat, a good one takes one', async () => {
    const w = world();
    const url = await serve({ global: true });
    await request.agent(url).post('/login').send({}).expect(400);
    assert.equal(w.calls('CheckoutLicense'), 0, 'the global guard left the seat step to the route’s own');
    assert.equal(await w.consumed(w.arnOf(SKU), SEATS), 0);

    const login = await request.agent(url).post('/login').send({ user: 'ann' }).expect(200);
    assert.equal(login.body.seat, login.body.sid);
    assert.equal(w.calls('CheckoutLicense'), 1, 'one seat, taken once (not by both guards)');
    assert.equal(await w.consumed(w.arnOf(SKU), SEATS), 1);
  });

  it('the boot check refuses a global LicenseGateGuard with a seat route whose own guards run after it', async () => {
    @Controller()
    class LoginOnly {
      @Post('login')
      @HttpCode(200)
      @UseGuards(LoginGuard)
      @AcquireSeat()
      login(): Record<string, unknown> {
        return { ok: true };
      }
    }
    await assert.rejects(serve({ global: true, controller: LoginOnly }), (error: unknown) => {
      const e = error as { code?: string; message?: string };
      assert.equal(e.code, 'ERR_LG_GUARD_ORDER');
      assert.match(e.message ?? '', /LoginOnly\.login\(\)/);
      assert.match(e.message ?? '', /@UseGuards\(LoginGuard, LicenseGateGuard\)/);
      return true;
    });
  });

  it('the boot check refuses @UseGuards(LicenseGateGuard, LoginGuard) on a seat route', async () => {
    @Controller()
    class WrongOrder {
      @Post('login')
      @HttpCode(200)
      @UseGuards(LicenseGateGuard, LoginGuard)
      @AcquireSeat()
      login(): Record<string, unknown> {
        return { ok: true };
      }
    }
    await assert.rejects(serve({ global: false, controller: WrongOrder }), { code: 'ERR_LG_GUARD_ORDER' });
  });
});
