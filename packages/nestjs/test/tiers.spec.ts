/**
 * What only the Nest adapter has around @RequireTier (the shared tier scenarios run in
 * adapter-table.spec.ts): `@License()` with nothing written on the request, the app's own denial
 * handling (errorFactory, a controller's exception filter), a licensegate error thrown by a
 * handler, method-over-class settings, `@SkipLicense`, the guard registered each way, the per-app
 * route cache, and the module starting and stopping a gate made from options.
 */
import assert from 'node:assert/strict';

import { TierRequiredError, type LicenseGate } from '@licensegate/core';
import {
  Catch,
  Controller,
  Get,
  HttpException,
  UseFilters,
  UseGuards,
  type ArgumentsHost,
  type ExceptionFilter,
  type ModuleMetadata,
} from '@nestjs/common';
import { APP_FILTER, ModuleRef, Reflector } from '@nestjs/core';
import type { Response } from 'express';
import request from 'supertest';

import {
  LicenseGateException,
  LicenseGateGuard,
  LicenseGateModule,
  LicenseGateService,
  RequireTier,
  SkipLicense,
  type LicenseGateModuleOptions,
} from '../src/index.js';
import { SERVED, TierController, tierModule } from './support/tier-app.js';
import { assertProblem, TIERS, tieredLicense, useWorld } from './support/world.js';

const SKU = 'lg-nest-tiered';

/** Premium for the class, with methods that override it. */
@Controller('mixed')
@RequireTier('Premium')
class MixedController {
  @Get('class')
  fromClass(): { route: string } {
    return { route: 'class' };
  }

  @Get('method')
  @RequireTier('Basic')
  fromMethod(): { route: string } {
    return { route: 'method' };
  }

  @Get('skipped')
  @SkipLicense()
  skipped(): { route: string } {
    return { route: 'skipped' };
  }
}

/** Everything skipped for the class; one method gated again. */
@Controller('open')
@SkipLicense()
@RequireTier('Premium')
class OpenController {
  @Get('free')
  free(): { route: string } {
    return { route: 'free' };
  }

  @Get('gated')
  @SkipLicense(false)
  gated(): { route: string } {
    return { route: 'gated' };
  }
}

describe('nestjs @RequireTier with LicenseGateGuard', () => {
  const world = useWorld(() => [tieredLicense(SKU, 'Intermediate')]);

  /** The tier app on a started gate: APP_GUARD, plus what `extra` adds. */
  async function serve(
    options: Partial<LicenseGateModuleOptions> = {},
    extra: ModuleMetadata = {},
  ): Promise<{ url: string; gate: LicenseGate }> {
    const gate = world().gate({ productSku: SKU, tiers: TIERS });
    await gate.start();
    const { url } = await world().serve(tierModule(LicenseGateModule.forRoot({ gate, ...options }), [], extra));
    return { url, gate };
  }

  it('@License() answers without a write on the request: the guard only checks the tier', async () => {
    const { url } = await serve();
    const res = await request(url).get('/written').expect(200);
    assert.equal(res.body.tier, 'Intermediate');
    assert.ok(
      !(res.body.ownSymbols as string[]).some((s) => s.includes('licensegate')),
      `nothing of licensegate's on the request: ${JSON.stringify(res.body.ownSymbols)}`,
    );
  });

  it("errorFactory: the app's own exception, answered by the app's own filter as an HTML page", async () => {
    class UpgradePage extends Error {
      constructor(readonly need: string) {
        super('upgrade');
      }
    }
    @Catch(UpgradePage)
    class UpgradePageFilter implements ExceptionFilter {
      catch(exception: UpgradePage, host: ArgumentsHost): void {
        host
          .switchToHttp()
          .getResponse<Response>()
          .status(403)
          .type('html')
          .send(`<!doctype html><h1>Upgrade to ${exception.need}</h1>`);
      }
    }
    const seen: unknown[] = [];
    const { url } = await serve(
      {
        errorFactory: (error, context) => {
          seen.push([error, context.getHandler().name]);
          return new UpgradePage(error instanceof TierRequiredError ? error.requiredTier : '?');
        },
      },
      { providers: [{ provide: APP_FILTER, useClass: UpgradePageFilter }] },
    );
    const res = await request(url).get('/premium').expect(403);
    assert.match(String(res.headers['content-type']), /^text\/html/);
    assert.equal(res.text, '<!doctype html><h1>Upgrade to Premium</h1>');
    assert.equal(seen.length, 1);
    const [error, handler] = seen[0] as [unknown, string];
    assert.ok(error instanceof TierRequiredError);
    assert.equal(handler, 'premium');
  });

  it('a controller-level exception filter for LicenseGateException comes before the global problem filter', async () => {
    @Catch(LicenseGateException)
    class RedirectFilter implements ExceptionFilter {
      catch(exception: LicenseGateException, host: ArgumentsHost): void {
        const need = (exception.error as TierRequiredError).requiredTier;
        host.switchToHttp().getResponse<Response>().redirect(303, `/pricing?need=${need}`);
      }
    }
    @Controller('filtered')
    @UseFilters(RedirectFilter)
    class FilteredController {
      @Get()
      @RequireTier('Premium')
      premium(): string {
        return 'never';
      }
    }
    const { url } = await serve({}, { controllers: [FilteredController] });
    const res = await request(url).get('/filtered').expect(303);
    assert.equal(res.headers['location'], '/pricing?need=Premium');
    assertProblem(await request(url).get('/premium'), { status: 403, type: 'tier-required' });
  });

  it('errorFactory returning an HttpException: answered by Nest with its status and body', async () => {
    const { url } = await serve({
      errorFactory: (error) => new HttpException({ handledBy: 'app', code: error.code }, 418),
    });
    const res = await request(url).get('/premium').expect(418);
    assert.deepEqual(res.body, { handledBy: 'app', code: 'ERR_LG_TIER_REQUIRED' });
  });

  it('a licensegate error thrown by a handler (service.assertTier) is answered as problem+json', async () => {
    const { url } = await serve();
    assertProblem(await request(url).get('/asserted'), {
      status: 403,
      type: 'tier-required',
      fields: { requiredTier: 'Premium' },
    });
  });

  it("a method's @RequireTier overrides its class's; @SkipLicense skips; @SkipLicense(false) gates again", async () => {
    const { url } = await serve({}, { controllers: [MixedController, OpenController] });
    assertProblem(await request(url).get('/mixed/class'), {
      status: 403,
      type: 'tier-required',
      fields: { requiredTier: 'Premium' },
    });
    assert.deepEqual((await request(url).get('/mixed/method').expect(200)).body, { route: 'method' });
    assert.deepEqual((await request(url).get('/mixed/skipped').expect(200)).body, { route: 'skipped' });
    assert.deepEqual((await request(url).get('/open/free').expect(200)).body, { route: 'free' });
    assertProblem(await request(url).get('/open/gated'), {
      status: 403,
      type: 'tier-required',
      fields: { requiredTier: 'Premium' },
    });
  });

  it('the guard works per controller (@UseGuards) and as app.useGlobalGuards(new LicenseGateGuard(...))', async () => {
    @Controller('per-controller')
    @UseGuards(LicenseGateGuard)
    class GuardedController {
      @Get('premium')
      @RequireTier('Premium')
      premium(): string {
        return 'never';
      }

      @Get('basic')
      @RequireTier('Basic')
      basic(): { ok: boolean } {
        return { ok: true };
      }
    }
    const w = world();
    const gate = w.gate({ productSku: SKU, tiers: TIERS });
    const perController = await w.serve({
      imports: [LicenseGateModule.forRoot({ gate })],
      controllers: [GuardedController],
    });
    assertProblem(await request(perController.url).get('/per-controller/premium'), {
      status: 403,
      type: 'tier-required',
    });
    await request(perController.url).get('/per-controller/basic').expect(200);

    const other = w.gate({ productSku: SKU, tiers: TIERS });
    const global = await w.serve(
      {
        imports: [LicenseGateModule.forRoot({ gate: other })],
        controllers: [TierController],
        providers: [{ provide: SERVED, useValue: [] }],
      },
      (app) => app.useGlobalGuards(new LicenseGateGuard(app.get(Reflector), app.get(ModuleRef))),
    );
    assertProblem(await request(global.url).get('/premium'), { status: 403, type: 'tier-required' });
    await request(global.url).get('/basic').expect(200);
  });

  it('two apps in one process with the same controllers keep their own gates (the route cache is per app)', async () => {
    const w = world();
    w.addLicense(tieredLicense('lg-nest-premium', 'Premium'));
    const intermediate = await serve();
    const premiumGate = w.gate({ productSku: 'lg-nest-premium', tiers: TIERS });
    const premium = await w.serve(tierModule(LicenseGateModule.forRoot({ gate: premiumGate })));
    for (let i = 0; i < 2; i++) {
      await request(intermediate.url).get('/premium').expect(403);
      assert.equal((await request(premium.url).get('/premium').expect(200)).body.tier, 'Premium');
    }
  });

  it('a gate made from options is started by the module at init, not before, and stopped at close', async () => {
    const w = world();
    const app = await w.create(
      tierModule(LicenseGateModule.forRoot({ gate: w.options({ productSku: SKU, tiers: TIERS }) })),
    );
    const gate = app.get(LicenseGateService).gate;
    assert.equal(gate.status().state, 'idle', 'not started before init');
    await app.listen(0, '127.0.0.1');
    assert.equal(gate.status().state, 'running');
    assert.equal(w.calls('CheckoutLicense'), 1);
    await request(await app.getUrl())
      .get('/intermediate')
      .expect(200);
    await app.close();
    assert.equal(gate.status().state, 'stopped');
  });
});
