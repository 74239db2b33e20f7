/**
 * @RequireTier through real Nest 12 apps (Express platform) and supertest, against the emulator
 * over HTTP: both answers, the cache, upgrades without a restart, the no-license and unreachable
 * answers, the app's own denial handling (errorFactory, a controller's exception filter),
 * `@License()`, method-over-class settings, `@SkipLicense`, the guard registered each way, and the
 * per-app route cache.
 */
import assert from 'node:assert/strict';

import { TierRequiredError, type LicenseGate } from '@licensegate/core';
import {
  Catch,
  Controller,
  Get,
  HttpException,
  Inject,
  Req,
  Res,
  UseFilters,
  UseGuards,
  type ArgumentsHost,
  type ExceptionFilter,
  type ModuleMetadata,
} from '@nestjs/common';
import { APP_FILTER, APP_GUARD, ModuleRef, Reflector } from '@nestjs/core';
import type { Response } from 'express';
import request from 'supertest';

import type { RequestLicense } from '../src/index.js';
import {
  License,
  LicenseGateException,
  LicenseGateGuard,
  LicenseGateModule,
  LicenseGateService,
  RequireTier,
  SkipLicense,
  type LicenseGateModuleOptions,
} from '../src/index.js';
import {
  assertNoStack,
  assertProblem,
  MINUTE,
  PAST_REFRESH,
  TIERS,
  tieredLicense,
  until,
  useWorld,
} from './support/world.js';

const SKU = 'lg-nest-tiered';
/** The handlers that ran, in order. */
const SERVED = Symbol('served');

/** What a handler shows of `@License()`. */
function view(license: RequestLicense | undefined): Record<string, unknown> {
  return {
    tier: license?.tier ?? 'no @License()',
    hasPremium: license?.hasTier('Premium'),
    hasBasic: license?.hasTier('Basic'),
    seat: license?.seat ?? null,
  };
}

@Controller()
class TierController {
  constructor(
    @Inject(SERVED) private readonly served: string[],
    private readonly license: LicenseGateService,
  ) {}

  @Get('basic')
  @RequireTier('Basic')
  basic(@License() license: RequestLicense | undefined): Record<string, unknown> {
    this.served.push('Basic');
    return view(license);
  }

  @Get('intermediate')
  @RequireTier('Intermediate')
  intermediate(@License() license: RequestLicense | undefined): Record<string, unknown> {
    this.served.push('Intermediate');
    return view(license);
  }

  @Get('premium')
  @RequireTier('Premium')
  premium(@License() license: RequestLicense | undefined): Record<string, unknown> {
    this.served.push('Premium');
    return view(license);
  }

  @Get('written')
  @RequireTier('Basic')
  written(@Req() req: object, @License() license: RequestLicense | undefined): Record<string, unknown> {
    return { tier: license?.tier ?? null, ownSymbols: Object.getOwnPropertySymbols(req).map(String) };
  }

  @Get('asserted')
  asserted(): { ok: true } {
    this.license.assertTier('Premium');
    return { ok: true };
  }

  @Get('status')
  status(@Res({ passthrough: true }) res: Response): unknown {
    const status = this.license.status();
    res.status(status.state === 'running' ? 200 : 503);
    return status;
  }
}

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
    served: string[] = [],
  ): Promise<{ url: string; gate: LicenseGate }> {
    const gate = world().gate({ productSku: SKU, tiers: TIERS });
    await gate.start();
    const { url } = await world().serve({
      imports: [LicenseGateModule.forRoot({ gate, ...options }), ...(extra.imports ?? [])],
      controllers: [TierController, ...(extra.controllers ?? [])],
      providers: [
        { provide: APP_GUARD, useClass: LicenseGateGuard },
        { provide: SERVED, useValue: served },
        ...(extra.providers ?? []),
      ],
    });
    return { url, gate };
  }

  it('serves the tier bought and every lower one, with @License() telling the handler the tier', async () => {
    const served: string[] = [];
    const { url } = await serve({}, {}, served);
    for (const path of ['/basic', '/intermediate']) {
      const res = await request(url).get(path).expect(200);
      assert.deepEqual(res.body, { tier: 'Intermediate', hasPremium: false, hasBasic: true, seat: null });
    }
    assert.deepEqual(served, ['Basic', 'Intermediate']);
  });

  it('@License() answers without a write on the request: the guard only checks the tier', async () => {
    const { url } = await serve();
    const res = await request(url).get('/written').expect(200);
    assert.equal(res.body.tier, 'Intermediate');
    assert.ok(
      !(res.body.ownSymbols as string[]).some((s) => s.includes('licensegate')),
      `nothing of licensegate's on the request: ${JSON.stringify(res.body.ownSymbols)}`,
    );
  });

  it('refuses a higher tier with a 403 tier-required problem naming both tiers, and never runs the handler', async () => {
    const served: string[] = [];
    const { url } = await serve({}, {}, served);
    const res = await request(url).get('/premium');
    const body = assertProblem(res, {
      status: 403,
      type: 'tier-required',
      code: 'ERR_LG_TIER_REQUIRED',
      fields: { requiredTier: 'Premium', currentTier: 'Intermediate' },
    });
    assert.equal(body['title'], 'Tier required');
    assert.match(body['detail'] as string, /Premium/);
    assert.equal(res.headers['retry-after'], undefined, 'no Retry-After on a tier denial');
    assert.deepEqual(served, []);
  });

  it('answers from the cache: fifty requests make no License Manager call', async () => {
    const { url } = await serve();
    const before = world().calls();
    for (let i = 0; i < 25; i++) {
      await request(url).get('/basic').expect(200);
      await request(url).get('/premium').expect(403);
    }
    assert.equal(world().calls(), before);
  });

  it('sees an upgrade, then a downgrade, at the next refresh without a restart', async () => {
    const w = world();
    const arn = w.arnOf(SKU);
    const { url, gate } = await serve();
    await request(url).get('/premium').expect(403);

    await w.revise(arn, [{ Name: 'Premium', Value: 'Enabled', Unit: 'None' }]);
    await request(url).get('/premium').expect(403); // not before the refresh
    await w.advance(PAST_REFRESH);
    await until(() => gate.tier === 'Premium', 'the upgrade to be seen');
    const res = await request(url).get('/premium').expect(200);
    assert.equal(res.body.tier, 'Premium');
    assert.equal(res.body.hasPremium, true);

    await w.revise(arn, [{ Name: 'Basic', Value: 'Enabled', Unit: 'None' }]);
    await w.advance(PAST_REFRESH);
    await until(() => gate.tier === 'Basic', 'the downgrade to be seen');
    assertProblem(await request(url).get('/intermediate'), {
      status: 403,
      type: 'tier-required',
      fields: { requiredTier: 'Intermediate', currentTier: 'Basic' },
    });
    await request(url).get('/basic').expect(200);
  });

  it('answers 403 no-license when License Manager has no license for the product', async () => {
    const gate = world().gate({ productSku: 'lg-nest-not-bought', tiers: TIERS });
    const { url } = await world().serve({
      imports: [LicenseGateModule.forRoot({ gate })],
      controllers: [TierController],
      providers: [
        { provide: APP_GUARD, useClass: LicenseGateGuard },
        { provide: SERVED, useValue: [] },
      ],
    });
    const body = assertProblem(await request(url).get('/basic'), {
      status: 403,
      type: 'no-license',
      code: 'ERR_LG_NO_LICENSE',
    });
    assert.equal(typeof body['reason'], 'string');
  });

  it('serves the last good answer while License Manager is down, then 503 with Retry-After past the grace', async () => {
    const w = world();
    const gate = w.gate({ productSku: SKU, tiers: TIERS, graceMs: 20 * MINUTE });
    const { url } = await w.serve({
      imports: [LicenseGateModule.forRoot({ gate })],
      controllers: [TierController],
      providers: [
        { provide: APP_GUARD, useClass: LicenseGateGuard },
        { provide: SERVED, useValue: [] },
      ],
    });
    w.lm.addFault({ operation: 'CheckoutLicense', kind: 'error', error: 'ServerInternalException' });

    await w.advance(PAST_REFRESH);
    await until(() => gate.status().degraded, 'the failed refresh');
    await request(url).get('/intermediate').expect(200); // within the grace
    await request(url).get('/premium').expect(403); // the grace never grants more

    await w.advance(5 * MINUTE); // 21 minutes after the last good answer
    const res = await request(url).get('/basic');
    assertProblem(res, { status: 503, type: 'license-unavailable', code: 'ERR_LG_LICENSE_UNAVAILABLE' });
    const retryAfter = res.headers['retry-after'];
    assert.match(String(retryAfter), /^[1-9]\d*$/, 'Retry-After in whole seconds');

    w.lm.clearFaults();
    await w.advance(Number(retryAfter) * 1000);
    await until(() => !gate.status().degraded, 'the recovery');
    await request(url).get('/basic').expect(200);
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
    const premium = await w.serve({
      imports: [LicenseGateModule.forRoot({ gate: premiumGate })],
      controllers: [TierController],
      providers: [
        { provide: APP_GUARD, useClass: LicenseGateGuard },
        { provide: SERVED, useValue: [] },
      ],
    });
    for (let i = 0; i < 2; i++) {
      await request(intermediate.url).get('/premium').expect(403);
      assert.equal((await request(premium.url).get('/premium').expect(200)).body.tier, 'Premium');
    }
  });

  it('a gate made from options is started by the module at init (one CheckoutLicense) and stopped at close', async () => {
    const w = world();
    const app = await w.create({
      imports: [LicenseGateModule.forRoot({ gate: w.options({ productSku: SKU, tiers: TIERS }) })],
      controllers: [TierController],
      providers: [
        { provide: APP_GUARD, useClass: LicenseGateGuard },
        { provide: SERVED, useValue: [] },
      ],
    });
    const gate = app.get(LicenseGateService).gate;
    assert.equal(gate.status().state, 'idle', 'not started before init');
    await app.listen(0, '127.0.0.1');
    assert.equal(gate.status().state, 'running');
    const url = await app.getUrl();
    const answers = await Promise.all(Array.from({ length: 25 }, () => request(url).get('/intermediate')));
    assert.deepEqual(
      answers.map((r) => r.status),
      answers.map(() => 200),
    );
    assert.equal(w.calls('CheckoutLicense'), 1);
    await app.close();
    assert.equal(gate.status().state, 'stopped');
  });

  it('the service gives the status for a health route: the gate status as JSON, no token', async () => {
    const { url } = await serve();
    const res = await request(url).get('/status').expect(200);
    assert.equal(res.body.state, 'running');
    assert.equal(res.body.tier, 'Intermediate');
    assert.equal(res.body.productSku, SKU);
    assert.deepEqual(res.body.tiers, TIERS);
    assert.doesNotMatch(res.text, /token/i, 'a status holds no token');
    assertNoStack(res.text);
  });
});
