/**
 * LicenseGateModule: forRoot and forRootAsync (useFactory with @nestjs/config's ConfigService,
 * useClass, useExisting), isGlobal, named gates and their tokens, options of the wrong shape failing
 * at boot, the boot check of routes (decorators nothing enforces, unknown tiers, dimensions and
 * gates), a method's settings over its class's, and the lifecycle: the gate starts with the module
 * and stops on application shutdown, flushing units and returning seats.
 */
import assert from 'node:assert/strict';

import type { LicenseGate } from '@licensegate/core';
import { LicenseGateConfigurationError, type LicenseGateOptions } from '@licensegate/core';
import { ConfigModule, ConfigService } from '@nestjs/config';
import {
  Controller,
  Get,
  HttpCode,
  Injectable,
  Module,
  Post,
  Req,
  UseGuards,
  UseInterceptors,
  type ModuleMetadata,
} from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR, ModuleRef, Reflector } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import type { Request } from 'express';
import request from 'supertest';

import {
  AcquireSeat,
  Drawdown,
  InjectLicenseGate,
  InjectLicenseGateService,
  LICENSE_GATE,
  LicenseGateGuard,
  LicenseGateInterceptor,
  LicenseGateModule,
  LicenseGateService,
  RequireSeat,
  RequireTier,
  UseLicenseGate,
  type LicenseGateModuleOptions,
  type LicenseGateOptionsFactory,
} from '../src/index.js';
import { withSessions } from './support/seat-app.js';
import {
  assertProblem,
  countedLicense,
  MINUTE,
  TIERS,
  tieredLicense,
  until,
  useWorld,
  type World,
} from './support/world.js';

const TIERED = 'lg-nest-module-tiered';
const COUNTED = 'lg-nest-module-counted';
const DIMENSION = 'DataConsumption';

@Controller()
class PremiumController {
  constructor(
    private readonly service: LicenseGateService,
    @InjectLicenseGate() private readonly gate: LicenseGate,
  ) {}

  @Get('premium')
  @RequireTier('Premium')
  premium(): string {
    return 'premium';
  }

  @Get('basic')
  @RequireTier('Basic')
  basic(): Record<string, unknown> {
    return { tier: this.service.tier, same: this.gate === this.service.gate };
  }
}

/** Asserts that `work` rejects with a licensegate configuration error of `code` whose message matches. */
async function rejectsWith(work: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  await assert.rejects(work, (error: unknown) => {
    assert.ok(error instanceof LicenseGateConfigurationError, `a LicenseGateConfigurationError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    assert.match(error.message, message);
    return true;
  });
}

describe('nestjs LicenseGateModule', () => {
  const world = useWorld(() => [
    tieredLicense(TIERED, 'Intermediate'),
    countedLicense(COUNTED, { seats: 3, units: 1000 }),
  ]);

  const tiered = (w: World): LicenseGateOptions => w.options({ productSku: TIERED, tiers: TIERS });
  const guarded = (imports: ModuleMetadata['imports'], more: ModuleMetadata = {}): ModuleMetadata => ({
    imports,
    controllers: [PremiumController, ...(more.controllers ?? [])],
    providers: [{ provide: APP_GUARD, useClass: LicenseGateGuard }, ...(more.providers ?? [])],
  });

  describe('forRoot and forRootAsync', () => {
    it('forRoot: the service by class, the gate by @InjectLicenseGate() and LICENSE_GATE, one gate', async () => {
      const w = world();
      const { app, url } = await w.serve(guarded([LicenseGateModule.forRoot({ gate: tiered(w) })]));
      assert.deepEqual((await request(url).get('/basic').expect(200)).body, { tier: 'Intermediate', same: true });
      assert.equal(app.get(LICENSE_GATE), app.get(LicenseGateService).gate);
      assertProblem(await request(url).get('/premium'), { status: 403, type: 'tier-required' });
    });

    it('forRootAsync with useFactory and ConfigService (@nestjs/config)', async () => {
      const w = world();
      const module = LicenseGateModule.forRootAsync({
        imports: [
          ConfigModule.forRoot({ ignoreEnvFile: true, load: [() => ({ licensegate: { sku: TIERED, tiers: TIERS } })] }),
        ],
        inject: [ConfigService],
        useFactory: (config: ConfigService) => ({
          gate: w.options({
            productSku: config.getOrThrow<string>('licensegate.sku'),
            tiers: config.getOrThrow<string[]>('licensegate.tiers'),
          }),
        }),
      });
      const { app, url } = await w.serve(guarded([module]));
      assert.equal(app.get(LicenseGateService).gate.options.productSku, TIERED);
      assert.equal((await request(url).get('/basic').expect(200)).body.tier, 'Intermediate');
      assertProblem(await request(url).get('/premium'), { status: 403, type: 'tier-required' });
    });

    it('forRootAsync with an async useFactory: the gate starts with the module, and is running before the first request', async () => {
      const w = world();
      const app = await w.create(
        guarded([LicenseGateModule.forRootAsync({ useFactory: async () => ({ gate: tiered(w) }) })]),
      );
      await app.init();
      assert.equal(app.get(LicenseGateService).gate.status().state, 'running');
      assert.equal(w.calls('CheckoutLicense'), 1);
    });

    it('forRootAsync with useClass and with useExisting (an options factory class)', async () => {
      const w = world();
      @Injectable()
      class LicenseConfig implements LicenseGateOptionsFactory {
        createLicenseGateOptions(): LicenseGateModuleOptions {
          return { gate: tiered(w) };
        }
      }
      @Module({ providers: [LicenseConfig], exports: [LicenseConfig] })
      class LicenseConfigModule {}

      const byClass = await w.serve(guarded([LicenseGateModule.forRootAsync({ useClass: LicenseConfig })]));
      await request(byClass.url).get('/basic').expect(200);
      const existing = await w.serve(
        guarded([LicenseGateModule.forRootAsync({ imports: [LicenseConfigModule], useExisting: LicenseConfig })]),
      );
      await request(existing.url).get('/basic').expect(200);
      assertProblem(await request(existing.url).get('/premium'), { status: 403, type: 'tier-required' });
    });

    it('a factory that returns the wrong shape fails at boot with a message that says what was expected', async () => {
      const w = world();
      const boot = (useFactory: () => unknown): Promise<unknown> =>
        Test.createTestingModule({
          imports: [LicenseGateModule.forRootAsync({ useFactory: useFactory as () => LicenseGateModuleOptions })],
        }).compile();

      await rejectsWith(
        boot(() => tiered(w)),
        'ERR_LG_OPTIONS',
        /gate is missing.*productSku.*those are the gate's own options; put them under gate/,
      );
      const gate = w.gate({ productSku: TIERED, tiers: TIERS });
      await rejectsWith(
        boot(() => gate),
        'ERR_LG_OPTIONS',
        /gave a LicenseGate.*wrap it as \{ gate \}/,
      );
      await rejectsWith(
        boot(() => undefined),
        'ERR_LG_OPTIONS',
        /forRootAsync\(\) useFactory must give the module options \{ gate, .*\}; got undefined/,
      );
      await rejectsWith(
        boot(() => ({ gate: tiered(w), isGlobal: true })),
        'ERR_LG_OPTION_UNKNOWN',
        /Unknown option "isGlobal" in the module options \(isGlobal goes beside useFactory/,
      );
      await rejectsWith(
        boot(() => ({ gate: tiered(w), seatKey: 'userId' })),
        'ERR_LG_OPTIONS',
        /seatKey must be a function/,
      );
      await rejectsWith(
        boot(() => ({ gate: { productSku: TIERED, tier: TIERS } })),
        'ERR_LG_OPTION_UNKNOWN',
        /Unknown option "tier"; did you mean "tiers"\?/,
      );
    });

    it("the gate's own options go through createLicenseGate()'s checks when the module is compiled", async () => {
      await rejectsWith(
        Test.createTestingModule({
          imports: [LicenseGateModule.forRoot({ gate: { productSku: '', tiers: TIERS } })],
        }).compile(),
        'ERR_LG_OPTION_PRODUCT_SKU',
        /productSku is required/,
      );
    });

    it('forRoot and forRootAsync check their own arguments at once', () => {
      const w = world();
      assert.throws(
        () => LicenseGateModule.forRoot(tiered(w) as unknown as LicenseGateModuleOptions),
        (e: unknown) =>
          e instanceof LicenseGateConfigurationError && e.code === 'ERR_LG_OPTIONS' && /under gate/.test(e.message),
      );
      assert.throws(
        () => LicenseGateModule.forRootAsync({ useFactory: () => ({ gate: tiered(w) }), useClass: class {} as never }),
        /exactly one of useFactory, useClass, useExisting; got useFactory and useClass/,
      );
      assert.throws(
        () => LicenseGateModule.forRootAsync({}),
        /exactly one of useFactory, useClass, useExisting; got none/,
      );
      assert.throws(
        () => LicenseGateModule.forRootAsync({ useFactory: () => ({ gate: tiered(w) }), name: '' }),
        /name must be a non-empty string/,
      );
    });

    it('isGlobal: a feature module that does not import the module still injects the service', async () => {
      const w = world();
      @Injectable()
      class Reports {
        constructor(readonly license: LicenseGateService) {}
      }
      @Module({ providers: [Reports], exports: [Reports] })
      class ReportsModule {}

      const global = await w.create({
        imports: [LicenseGateModule.forRoot({ gate: tiered(w), isGlobal: true }), ReportsModule],
      });
      await global.init();
      assert.equal(global.get(Reports).license.tier, 'Intermediate');

      await assert.rejects(
        Test.createTestingModule({
          imports: [LicenseGateModule.forRoot({ gate: tiered(w) }), ReportsModule],
        }).compile(),
        /LicenseGateService/,
      );
    });
  });

  describe('the boot check', () => {
    @Controller('naked')
    class NakedController {
      @Get('tier')
      @RequireTier('Premium')
      tier(): string {
        return 'unguarded';
      }
    }

    @Controller('charged')
    class ChargedController {
      @Post()
      @UseGuards(LicenseGateGuard)
      @Drawdown(DIMENSION, 1)
      charge(): string {
        return 'not charged';
      }
    }

    it('a decorator no LicenseGateGuard reaches fails the boot, naming the route; the gate is not started', async () => {
      const w = world();
      const app = await w.create({
        imports: [LicenseGateModule.forRoot({ gate: tiered(w) })],
        controllers: [NakedController],
      });
      await rejectsWith(
        app.init(),
        'ERR_LG_GUARD_MISSING',
        /@RequireTier\("Premium"\) on NakedController\.tier\(\) needs LicenseGateGuard.*APP_GUARD/,
      );
      assert.equal(app.get(LicenseGateService).gate.status().state, 'idle');
      assert.equal(w.calls('CheckoutLicense'), 0);
    });

    it('@Drawdown that no LicenseGateGuard (nor the deprecated interceptor) reaches fails the boot', async () => {
      const w = world();
      @Controller('unguarded')
      class UnguardedController {
        @Post()
        @Drawdown(DIMENSION, 1)
        charge(): string {
          return 'not charged';
        }
      }
      const app = await w.create({
        imports: [
          LicenseGateModule.forRoot({ gate: w.options({ productSku: COUNTED, drawdown: { [DIMENSION]: {} } }) }),
        ],
        controllers: [UnguardedController],
      });
      await rejectsWith(
        app.init(),
        'ERR_LG_GUARD_MISSING',
        /@Drawdown\("DataConsumption"\) on UnguardedController\.charge\(\) needs LicenseGateGuard/,
      );
    });

    it('the enhancers count wherever they are: APP_GUARD, a subclass, the controller, the method, app.useGlobal*()', async () => {
      const w = world();
      @Injectable()
      class MyGuard extends LicenseGateGuard {}
      const gate = (): ModuleMetadata['imports'] => [
        LicenseGateModule.forRoot({
          gate: w.options({ productSku: COUNTED, drawdown: { [DIMENSION]: {} }, tiers: TIERS }),
        }),
      ];

      const subclass = await w.create({
        imports: gate(),
        controllers: [NakedController, ChargedController],
        providers: [
          { provide: APP_GUARD, useClass: MyGuard },
          { provide: APP_INTERCEPTOR, useClass: LicenseGateInterceptor },
        ],
      });
      await subclass.init();

      @Controller('local')
      @UseInterceptors(LicenseGateInterceptor)
      class LocalController {
        @Post()
        @UseGuards(MyGuard)
        @RequireTier('Basic')
        @Drawdown(DIMENSION, 1)
        local(): string {
          return 'local';
        }
      }
      const local = await w.create({ imports: gate(), controllers: [LocalController] });
      await local.init();

      const viaApp = await w.create({ imports: gate(), controllers: [NakedController, ChargedController] }, (app) => {
        app.useGlobalGuards(new MyGuard(app.get(Reflector), app.get(ModuleRef)));
        app.useGlobalInterceptors(new LicenseGateInterceptor(app.get(Reflector), app.get(ModuleRef)));
      });
      await viaApp.init();

      // A guard on another controller covers only that one.
      @Controller('elsewhere')
      @UseGuards(LicenseGateGuard)
      class ElsewhereController {
        @Get()
        @RequireTier('Basic')
        get(): string {
          return '';
        }
      }
      const partial = await w.create({ imports: gate(), controllers: [ElsewhereController, NakedController] });
      const failure = await partial.init().then(
        () => assert.fail('the boot should fail'),
        (error: unknown) => error,
      );
      await rejectsWith(
        Promise.reject(failure),
        'ERR_LG_GUARD_MISSING',
        /NakedController\.tier\(\) needs LicenseGateGuard/,
      );
      assert.doesNotMatch((failure as Error).message, /ElsewhereController/);
    });

    it('an unknown tier, a dimension or seats the gate lacks, and an unknown gate name fail the boot', async () => {
      const w = world();
      @Controller()
      class UnknownTier {
        @Get()
        @RequireTier('Platinum')
        get(): string {
          return '';
        }
      }
      @Controller()
      class UnknownDimension {
        @Post()
        @Drawdown('GigabytesScanned', 1)
        post(): string {
          return '';
        }
      }
      @Controller()
      class NoSeats {
        @Get()
        @RequireSeat()
        get(): string {
          return '';
        }
      }
      @Controller()
      @UseLicenseGate('billing')
      class UnknownGate {
        @Get()
        @RequireTier('Basic')
        get(): string {
          return '';
        }
      }
      const boot = async (controller: ModuleMetadata['controllers']): Promise<void> => {
        const app = await w.create({
          imports: [
            LicenseGateModule.forRoot({
              gate: w.options({ productSku: COUNTED, tiers: TIERS, drawdown: { [DIMENSION]: {} } }),
            }),
          ],
          controllers: controller,
          providers: [
            { provide: APP_GUARD, useClass: LicenseGateGuard },
            { provide: APP_INTERCEPTOR, useClass: LicenseGateInterceptor },
          ],
        });
        await app.init();
      };
      await rejectsWith(boot([UnknownTier]), 'ERR_LG_UNKNOWN_TIER', /^UnknownTier\.get\(\): .*Platinum/);
      await rejectsWith(
        boot([UnknownDimension]),
        'ERR_LG_UNKNOWN_DIMENSION',
        /^UnknownDimension\.post\(\): .*GigabytesScanned/,
      );
      await rejectsWith(boot([NoSeats]), 'ERR_LG_NO_SEATS', /^NoSeats\.get\(\): This gate has no seats/);
      await rejectsWith(
        boot([UnknownGate]),
        'ERR_LG_UNKNOWN_GATE',
        /No license gate named "billing".*forRoot\(\{ name: "billing", gate \}\)/,
      );
      const noTiers = await w.create({
        imports: [
          LicenseGateModule.forRoot({ gate: w.options({ productSku: COUNTED, drawdown: { [DIMENSION]: {} } }) }),
        ],
        controllers: [UnknownTier],
        providers: [{ provide: APP_GUARD, useClass: LicenseGateGuard }],
      });
      await rejectsWith(noTiers.init(), 'ERR_LG_UNKNOWN_TIER', /^UnknownTier\.get\(\): /);
      assert.equal(w.calls('CheckoutLicense'), 0, 'no gate started');
    });

    it('decorators check their arguments when the class is declared', () => {
      assert.throws(() => RequireTier(''), /@RequireTier\(tier\) takes a non-empty string/);
      assert.throws(
        () => Drawdown(DIMENSION, 'five' as unknown as number),
        /units must be a number or a function; got string/,
      );
      assert.throws(
        () => UseLicenseGate(undefined as unknown as string),
        /@UseLicenseGate\(name\) takes a non-empty string/,
      );
    });
  });

  describe('named gates', () => {
    it('two gates, one per product: routes use the gate their @UseLicenseGate names; services and gates by name', async () => {
      const w = world();
      @Controller('reports')
      @UseLicenseGate('tiers')
      class ReportsController {
        @Get('premium')
        @RequireTier('Premium')
        premium(): string {
          return 'premium';
        }

        @Get('basic')
        @RequireTier('Basic')
        basic(): string {
          return 'basic';
        }
      }
      @Controller('usage')
      @UseLicenseGate('usage')
      class UsageController {
        constructor(
          @InjectLicenseGateService('usage') private readonly usage: LicenseGateService,
          @InjectLicenseGate('tiers') private readonly tiers: LicenseGate,
        ) {}

        @Post('backup')
        @HttpCode(200)
        @Drawdown(DIMENSION, 7)
        backup(): Record<string, unknown> {
          return { usage: this.usage.name, tier: this.tiers.tier };
        }
      }
      const { app, url } = await w.serve({
        imports: [
          LicenseGateModule.forRoot({ name: 'tiers', gate: w.options({ productSku: TIERED, tiers: TIERS }) }),
          LicenseGateModule.forRootAsync({
            name: 'usage',
            useFactory: () => ({
              gate: w.options({ productSku: COUNTED, drawdown: { [DIMENSION]: { mode: 'sync' } } }),
            }),
          }),
        ],
        controllers: [ReportsController, UsageController],
        providers: [
          { provide: APP_GUARD, useClass: LicenseGateGuard },
          { provide: APP_INTERCEPTOR, useClass: LicenseGateInterceptor },
        ],
      });
      await request(url).get('/reports/basic').expect(200);
      assertProblem(await request(url).get('/reports/premium'), { status: 403, type: 'tier-required' });
      assert.deepEqual((await request(url).post('/usage/backup').expect(200)).body, {
        usage: 'usage',
        tier: 'Intermediate',
      });
      assert.throws(() => app.get(LicenseGateService), /LicenseGateService/, 'no default gate registered');
      await until(() => w.calls('CheckoutLicense') === 2, 'the tier check-out and the sync charge');
      await app.close();
      assert.equal(await w.consumed(w.arnOf(COUNTED), DIMENSION), 7);
    });
  });

  it("a method's @Drawdown overrides its class's", async () => {
    const w = world();
    @Controller('work')
    @Drawdown(DIMENSION, 1)
    class WorkController {
      @Post('cheap')
      @HttpCode(200)
      cheap(): string {
        return 'cheap';
      }

      @Post('dear')
      @HttpCode(200)
      @Drawdown(DIMENSION, 5)
      dear(): string {
        return 'dear';
      }
    }
    const { app, url } = await w.serve({
      imports: [
        LicenseGateModule.forRoot({
          gate: w.options({ productSku: COUNTED, drawdown: { [DIMENSION]: { mode: 'batch', batchUnits: 10_000 } } }),
        }),
      ],
      controllers: [WorkController],
      providers: [{ provide: APP_INTERCEPTOR, useClass: LicenseGateInterceptor }],
    });
    await request(url).post('/work/cheap').expect(200);
    await request(url).post('/work/dear').expect(200);
    await until(() => app.get(LicenseGateService).drawdown.stats(DIMENSION).pending === 6, 'both commits');
  });

  it('application shutdown stops the gate: pending units are reported and seats returned', async () => {
    const w = world();
    @Controller()
    class AccountController {
      @Post('login')
      @HttpCode(200)
      @AcquireSeat()
      login(@Req() req: Request): string {
        return req.sessionID;
      }

      @Post('work')
      @HttpCode(200)
      @RequireSeat()
      @Drawdown(DIMENSION, 4)
      work(): string {
        return 'done';
      }
    }
    const { app, url } = await w.serve(
      {
        imports: [
          LicenseGateModule.forRoot({
            gate: w.options({
              productSku: COUNTED,
              seats: { entitlement: 'ConcurrentUsers' },
              drawdown: { [DIMENSION]: { mode: 'batch', batchUnits: 10_000, batchIntervalMs: 60 * MINUTE } },
            }),
          }),
        ],
        controllers: [AccountController],
        providers: [
          { provide: APP_GUARD, useClass: LicenseGateGuard },
          { provide: APP_INTERCEPTOR, useClass: LicenseGateInterceptor },
        ],
      },
      withSessions,
    );
    const ann = request.agent(url);
    const bob = request.agent(url);
    await ann.post('/login').expect(200);
    await bob.post('/login').expect(200);
    for (let i = 0; i < 3; i++) await ann.post('/work').expect(200);
    const service = app.get(LicenseGateService);
    await until(() => service.drawdown.stats(DIMENSION).pending === 12, 'the commits');
    const arn = w.arnOf(COUNTED);
    assert.equal(await w.consumed(arn, 'ConcurrentUsers'), 2);
    assert.equal(await w.consumed(arn, DIMENSION), 0, 'batched, not reported yet');

    await app.close();
    assert.equal(service.gate.status().state, 'stopped');
    assert.equal(await w.consumed(arn, DIMENSION), 12, 'units flushed');
    assert.equal(await w.consumed(arn, 'ConcurrentUsers'), 0, 'seats returned');
  });

  it('a License Manager that refuses the setup fails the boot', async () => {
    const w = world();
    w.lm.addFault({ operation: 'CheckoutLicense', kind: 'error', error: 'AccessDeniedException' });
    const app = await w.create(guarded([LicenseGateModule.forRoot({ gate: tiered(w) })]));
    await assert.rejects(
      app.init(),
      (error: unknown) => (error as { code?: string }).code === 'ERR_LG_LICENSE_MANAGER_CONFIGURATION',
    );
  });
});
