// A Nest app over the packed @licensegate/nestjs, shared by the nest10, nest11 and nest12 apps (each installs its
// major): @RequireTier, @Drawdown and seats on the Express platform, tiers and drawdown on the Fastify platform, and
// the boot checks (ERR_LG_GUARD_MISSING, ERR_LG_GUARD_ORDER), against the emulator.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { startEmulator } from '@licensegate/emulator';
import {
  AcquireSeat,
  Drawdown,
  LicenseGateGuard,
  LicenseGateModule,
  ReleaseSeat,
  RequireTier,
} from '@licensegate/nestjs';
import {
  Controller,
  Get,
  HttpCode,
  Injectable,
  Module,
  Post,
  UseGuards,
  type CanActivate,
  type ExecutionContext,
  type Type,
} from '@nestjs/common';
import { APP_GUARD, NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import session from 'express-session';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
process.env['AWS_ACCESS_KEY_ID'] ??= 'demo';
process.env['AWS_SECRET_ACCESS_KEY'] ??= 'demo';

// Read from disk: some Nest releases (12.0.1) leave package.json out of their exports.
const nest = (JSON.parse(readFileSync('node_modules/@nestjs/core/package.json', 'utf8')) as { version: string })
  .version;

const SKUS = ['nestcheck-express', 'nestcheck-fastify', 'nestcheck-seats'];
const lm = await startEmulator({
  licenses: SKUS.map((SKU) => ({
    AwsMarketplace: true,
    LicenseName: 'nestcheck',
    ProductName: 'nestcheck',
    ProductSKU: SKU,
    Issuer: { Name: 'AWS/Marketplace' },
    HomeRegion: 'us-east-1',
    Validity: { Begin: '-1d', End: '+365d' },
    Entitlements: [
      { Name: 'Intermediate', Value: 'Enabled', Unit: 'None' },
      { Name: 'ConcurrentUsers', MaxCount: 1, Overage: false, Unit: 'Count', AllowCheckIn: true },
      { Name: 'DataConsumption', MaxCount: 5, Overage: false, Unit: 'Count', AllowCheckIn: true },
    ],
    Beneficiary: '123456789012',
    ConsumptionConfiguration: { RenewType: 'None', ProvisionalConfiguration: { MaxTimeToLiveInMinutes: 60 } },
  })),
});

const gateModule = (SKU: string, seats: boolean) =>
  LicenseGateModule.forRoot({
    gate: {
      productSku: SKU,
      client: { endpoint: lm.url, region: 'us-east-1' },
      tiers: ['Basic', 'Intermediate', 'Premium'],
      ...(seats ? { seats: { entitlement: 'ConcurrentUsers' } } : {}),
      drawdown: { DataConsumption: { mode: 'sync' } },
    },
  });

interface AppRequest {
  body?: { user?: string };
  session?: { user?: string };
}

@Injectable()
class LoginGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<AppRequest>();
    const user = req.body?.user;
    if (typeof user !== 'string' || req.session === undefined) return false;
    req.session.user = user;
    return true;
  }
}

@Controller()
class TierController {
  @Get('intermediate')
  @RequireTier('Intermediate')
  intermediate() {
    return { ok: true };
  }

  @Get('premium')
  @RequireTier('Premium')
  premium() {
    return { ok: true };
  }

  @Post('backup')
  @HttpCode(200)
  @Drawdown('DataConsumption', 2)
  backup() {
    return { backedUp: 2 };
  }
}

@Controller()
class SeatController {
  @Post('login')
  @HttpCode(200)
  @UseGuards(LoginGuard, LicenseGateGuard)
  @AcquireSeat()
  login() {
    return { loggedIn: true };
  }

  @Post('logout')
  @HttpCode(200)
  @UseGuards(LicenseGateGuard)
  @ReleaseSeat()
  logout() {
    return { loggedOut: true };
  }
}

type Platform = 'express' | 'fastify';

async function serve(
  platform: Platform,
  metadata: { sku: string; controllers: Type[]; seats: boolean; global?: boolean },
) {
  @Module({
    imports: [gateModule(metadata.sku, metadata.seats)],
    controllers: metadata.controllers,
    providers: metadata.global === false ? [] : [{ provide: APP_GUARD, useClass: LicenseGateGuard }],
  })
  class AppModule {}
  const adapter = platform === 'express' ? new ExpressAdapter() : new FastifyAdapter();
  const app = await NestFactory.create(AppModule, adapter, { logger: false, abortOnError: false });
  if (platform === 'express') app.use(session({ secret: 'nestcheck', resave: false, saveUninitialized: false }));
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  return { app, url: `http://127.0.0.1:${address.port}` };
}

async function call(url: string, method: string, path: string, body?: unknown, cookie?: string) {
  const res = await fetch(url + path, {
    method,
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
    body: method === 'GET' ? undefined : JSON.stringify(body ?? {}),
  });
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    cookie: res.headers.get('set-cookie') ?? undefined,
    body: await res.text(),
  };
}

async function tiersAndDrawdown(platform: Platform): Promise<void> {
  const { app, url } = await serve(platform, {
    sku: `nestcheck-${platform}`,
    controllers: [TierController],
    seats: false,
  });
  try {
    assert.equal((await call(url, 'GET', '/intermediate')).status, 200, `${platform}: Intermediate is licensed`);
    const premium = await call(url, 'GET', '/premium');
    assert.equal(premium.status, 403, `${platform}: Premium is not: ${premium.body}`);
    assert.match(premium.type, /application\/problem\+json/);
    assert.equal((await call(url, 'POST', '/backup')).status, 200, `${platform}: 2 of 5 units`);
    assert.equal((await call(url, 'POST', '/backup')).status, 200, `${platform}: 4 of 5 units`);
    const over = await call(url, 'POST', '/backup');
    assert.equal(over.status, 402, `${platform}: 6 of 5 units is refused: ${over.status} ${over.body}`);
  } finally {
    await app.close();
  }
}

async function seats(): Promise<void> {
  const { app, url } = await serve('express', {
    sku: 'nestcheck-seats',
    controllers: [SeatController],
    seats: true,
    global: false,
  });
  try {
    const ann = await call(url, 'POST', '/login', { user: 'ann' });
    assert.equal(ann.status, 200, `ann takes the one seat: ${ann.body}`);
    const bob = await call(url, 'POST', '/login', { user: 'bob' });
    assert.equal(bob.status, 403, `no seat left for bob: ${bob.status} ${bob.body}`);
    const sid = ann.cookie?.split(';')[0];
    assert.ok(sid, 'a session cookie');
    assert.equal((await call(url, 'POST', '/logout', undefined, sid)).status, 200, 'ann returns it');
    assert.equal((await call(url, 'POST', '/login', { user: 'bob' })).status, 200, 'now bob gets it');
  } finally {
    await app.close();
  }
}

async function bootFails(platform: Platform, controllers: Type[], global: boolean, code: string): Promise<void> {
  await assert.rejects(
    async () => {
      const { app } = await serve(platform, { sku: 'nestcheck-seats', controllers, seats: true, global });
      await app.close();
    },
    (error: { code?: string; message?: string }) => {
      assert.equal(error.code, code, String(error.message));
      return true;
    },
  );
}

@Controller()
class UnguardedController {
  @Get('x')
  @RequireTier('Intermediate')
  x() {
    return {};
  }
}

@Controller()
class WrongOrderController {
  @Post('login')
  @UseGuards(LicenseGateGuard, LoginGuard)
  @AcquireSeat()
  login() {
    return {};
  }
}

try {
  for (const platform of ['express', 'fastify'] as const) {
    await tiersAndDrawdown(platform);
    await bootFails(platform, [UnguardedController], false, 'ERR_LG_GUARD_MISSING');
    await bootFails(platform, [WrongOrderController], false, 'ERR_LG_GUARD_ORDER');
  }
  await seats();
  console.log(`nestcheck: Nest ${nest}: tiers, drawdown (express + fastify), seats (express), boot checks — OK`);
} finally {
  await lm.close();
}
