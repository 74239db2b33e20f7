/**
 * Who charges a `@Drawdown` route: `LicenseGateGuard` (no interceptor on the request's path), the
 * deprecated `LicenseGateInterceptor` kept for apps that registered it, or both (charged once).
 * A global guard leaves a route with guards of its own to the route's own `LicenseGateGuard` or to
 * the interceptor, so that a request the app's guard refuses holds no units and is never told
 * 402; the boot check refuses the orders that would charge before the app's own guards.
 */
import assert from 'node:assert/strict';

import {
  Catch,
  Controller,
  HttpCode,
  Injectable,
  Post,
  Req,
  UseGuards,
  UseFilters,
  UseInterceptors,
  type ArgumentsHost,
  type CanActivate,
  type ExceptionFilter,
  type ExecutionContext,
  type Provider,
  type Type,
} from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import type { Request, Response } from 'express';
import request from 'supertest';

import { Drawdown, LicenseGateGuard, LicenseGateInterceptor, LicenseGateModule } from '../src/index.js';
import { countedLicense, until, useWorld } from './support/world.js';

const SKU = 'lg-nest-enforcers';
const DIMENSION = 'DataConsumption';

/** The app's own guard: needs `x-user`, and records the user on the request (read by the units function). */
@Injectable()
class UserGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<Request & { user?: string }>();
    const user = req.header('x-user');
    if (user === undefined) return false;
    req.user = user;
    return true;
  }
}

/** Units by user: the units function reads what `UserGuard` set, so it must run after it. */
const unitsOfUser = (req: Request & { user?: string }): number => {
  if (req.user === undefined) throw new Error('the units function ran before the app’s guard');
  return req.user === 'big' ? 10 : 1;
};

describe('nestjs: who charges @Drawdown', () => {
  const world = useWorld(() => [countedLicense(SKU, { units: 100 })]);

  async function serve(controller: Type, providers: Provider[]): Promise<{ url: string; pending: () => number }> {
    const w = world();
    const gate = w.gate({ productSku: SKU, drawdown: { [DIMENSION]: { mode: 'batch', batchUnits: 1000 } } });
    const { url } = await w.serve({
      imports: [LicenseGateModule.forRoot({ gate })],
      controllers: [controller],
      providers,
    });
    return { url, pending: () => gate.drawdown.stats(DIMENSION).pending };
  }

  @Controller()
  class Plain {
    @Post('work')
    @HttpCode(200)
    @Drawdown(DIMENSION, 3)
    work(): string {
      return 'done';
    }
  }

  it('LicenseGateGuard alone charges a @Drawdown route (no interceptor): 2xx charged, 5xx not', async () => {
    @Controller()
    class Local {
      @Post('work')
      @HttpCode(200)
      @UseGuards(LicenseGateGuard)
      @Drawdown(DIMENSION, 3)
      work(@Req() req: Request): string {
        if (req.query['fail'] !== undefined) throw new Error('the work failed');
        return 'done';
      }
    }
    const s = await serve(Local, []);
    await request(s.url).post('/work').expect(200);
    await request(s.url).post('/work?fail=1').expect(500);
    await request(s.url).post('/work').expect(200);
    await until(() => s.pending() === 6, 'the two successes charged');
    assert.equal(s.pending(), 6);
  });

  it('the deprecated interceptor alone still charges; with the global guard too, each request is charged once', async () => {
    const alone = await serve(Plain, [{ provide: APP_INTERCEPTOR, useClass: LicenseGateInterceptor }]);
    await request(alone.url).post('/work').expect(200);
    await until(() => alone.pending() === 3, 'the interceptor’s charge');

    const both = await serve(Plain, [
      { provide: APP_GUARD, useClass: LicenseGateGuard },
      { provide: APP_INTERCEPTOR, useClass: LicenseGateInterceptor },
    ]);
    await request(both.url).post('/work').expect(200);
    await request(both.url).post('/work').expect(200);
    await until(() => both.pending() === 6, 'two charges');
    assert.equal(both.pending(), 6, 'charged once per request, not by both');
  });

  it('@UseGuards(UserGuard, LicenseGateGuard) under a global LicenseGateGuard: units are held after the app’s guard', async () => {
    @Controller()
    class ByUser {
      @Post('work')
      @HttpCode(200)
      @UseGuards(UserGuard, LicenseGateGuard)
      @Drawdown(DIMENSION, unitsOfUser)
      work(): string {
        return 'done';
      }
    }
    const s = await serve(ByUser, [{ provide: APP_GUARD, useClass: LicenseGateGuard }]);
    await request(s.url).post('/work').expect(403); // refused by the app's guard: nothing held, no 500 from the units
    await request(s.url).post('/work').set('x-user', 'big').expect(200);
    await request(s.url).post('/work').set('x-user', 'ann').expect(200);
    await until(() => s.pending() === 11, 'both charges');
  });

  it('a global LicenseGateGuard and a route with guards of its own: the interceptor, when registered, charges after them', async () => {
    @Controller()
    class ByUser {
      @Post('work')
      @HttpCode(200)
      @UseGuards(UserGuard)
      @UseInterceptors(LicenseGateInterceptor)
      @Drawdown(DIMENSION, unitsOfUser)
      work(): string {
        return 'done';
      }
    }
    const s = await serve(ByUser, [{ provide: APP_GUARD, useClass: LicenseGateGuard }]);
    await request(s.url).post('/work').expect(403);
    await request(s.url).post('/work').set('x-user', 'big').expect(200);
    await until(() => s.pending() === 10, 'the charge');
  });

  it('the boot check refuses a @Drawdown route that would be charged before its own guards', async () => {
    @Controller()
    class GlobalFirst {
      @Post('work')
      @UseGuards(UserGuard)
      @Drawdown(DIMENSION, unitsOfUser)
      work(): string {
        return 'done';
      }
    }
    await assert.rejects(serve(GlobalFirst, [{ provide: APP_GUARD, useClass: LicenseGateGuard }]), (error: unknown) => {
      const e = error as { code?: string; message?: string };
      assert.equal(e.code, 'ERR_LG_GUARD_ORDER');
      assert.match(e.message ?? '', /GlobalFirst\.work\(\)/);
      assert.match(e.message ?? '', /@UseGuards\(UserGuard, LicenseGateGuard\)/);
      return true;
    });

    @Controller()
    class WrongOrder {
      @Post('work')
      @UseGuards(LicenseGateGuard, UserGuard)
      @Drawdown(DIMENSION, 1)
      work(): string {
        return 'done';
      }
    }
    await assert.rejects(serve(WrongOrder, []), (error: unknown) => {
      assert.equal((error as { code?: string }).code, 'ERR_LG_GUARD_ORDER');
      assert.match((error as Error).message, /the route lists UserGuard after LicenseGateGuard/);
      return true;
    });
  });

  it('LicenseGateGuard on both the controller and the method: one charge per request', async () => {
    @Controller()
    @UseGuards(LicenseGateGuard)
    class Twice {
      @Post('work')
      @HttpCode(200)
      @UseGuards(LicenseGateGuard)
      @Drawdown(DIMENSION, 3)
      work(): string {
        return 'done';
      }
    }
    const s = await serve(Twice, []);
    await request(s.url).post('/work').expect(200);
    await request(s.url).post('/work').expect(200);
    await until(() => s.pending() === 6, 'two charges');
    assert.equal(s.pending(), 6, 'not twice per request');
  });

  it('a global LicenseGateGuard before an app global guard: the interceptor charges after it; without one, the boot refuses', async () => {
    const intercepted = await serve(Plain, [
      { provide: APP_GUARD, useClass: LicenseGateGuard },
      { provide: APP_GUARD, useClass: UserGuard },
      { provide: APP_INTERCEPTOR, useClass: LicenseGateInterceptor },
    ]);
    await request(intercepted.url).post('/work').expect(403); // refused by the app's guard: nothing held
    assert.equal(intercepted.pending(), 0);
    await request(intercepted.url).post('/work').set('x-user', 'ann').expect(200);
    await until(() => intercepted.pending() === 3, 'the charge');

    await assert.rejects(
      serve(Plain, [
        { provide: APP_GUARD, useClass: LicenseGateGuard },
        { provide: APP_GUARD, useClass: UserGuard },
      ]),
      (error: unknown) => {
        const e = error as { code?: string; message?: string };
        assert.equal(e.code, 'ERR_LG_GUARD_ORDER');
        assert.match(e.message ?? '', /the global LicenseGateGuard runs before UserGuard/);
        assert.match(e.message ?? '', /register the global LicenseGateGuard after your own global guards/);
        return true;
      },
    );
  });

  it('the deprecated interceptor: a handler that throws is not charged, even when a filter answers it below 400', async () => {
    @Catch()
    class RedirectFilter implements ExceptionFilter {
      catch(_error: unknown, host: ArgumentsHost): void {
        host.switchToHttp().getResponse<Response>().redirect(303, '/elsewhere');
      }
    }
    @Controller()
    class Failing {
      @Post('work')
      @UseInterceptors(LicenseGateInterceptor)
      @UseFilters(RedirectFilter)
      @Drawdown(DIMENSION, 3)
      work(@Req() req: Request): string {
        if (req.query['fail'] !== undefined) throw new Error('the work failed');
        return 'done';
      }
    }
    const s = await serve(Failing, []);
    await request(s.url).post('/work?fail=1').expect(303);
    await request(s.url).post('/work').expect(201);
    await until(() => s.pending() === 3, 'the one success');
    assert.equal(s.pending(), 3, 'the failed handler was not charged');
  });

  it('@UseGuards(LicenseGateGuard, UserGuard) with the deprecated interceptor boots, and charges after UserGuard', async () => {
    @Controller()
    class LocalFirst {
      @Post('work')
      @HttpCode(200)
      @UseGuards(LicenseGateGuard, UserGuard)
      @UseInterceptors(LicenseGateInterceptor)
      @Drawdown(DIMENSION, unitsOfUser)
      work(): string {
        return 'done';
      }
    }
    const s = await serve(LocalFirst, []);
    await request(s.url).post('/work').expect(403);
    await request(s.url).post('/work').set('x-user', 'big').expect(200);
    await until(() => s.pending() === 10, 'the charge');
  });
});
