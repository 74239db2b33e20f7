/**
 * Nest on the Fastify platform beyond the adapter table (which runs the shared scenarios there on
 * `@fastify/session`): seats on `@fastify/secure-session`, whose session is the cookie itself (no
 * id, no store); the deprecated `LicenseGateInterceptor`, which opens its charges on Fastify's
 * objects too; and `LicenseGateExceptionFilter` made with `new` (no HTTP adapter injected), which
 * writes Node's response under Fastify's reply. License Manager's own count is the judge.
 */
import assert from 'node:assert/strict';

import fastifyCookie from '@fastify/cookie';
import fastifySecureSession from '@fastify/secure-session';
import {
  BadRequestException,
  Controller,
  Get,
  HttpCode,
  Injectable,
  Post,
  Query,
  Req,
  UseFilters,
  UseGuards,
  UseInterceptors,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import request from 'supertest';

import {
  AcquireSeat,
  Drawdown,
  License,
  LicenseGateExceptionFilter,
  LicenseGateGuard,
  LicenseGateInterceptor,
  LicenseGateModule,
  RequireSeat,
  RequireTier,
  type RequestLicense,
} from '../src/index.js';
import { assertProblem, countedLicense, recordEvents, TIERS, tieredLicense, until, useWorld } from './support/world.js';

const SEATS_SKU = 'lg-nest-fastify-seats';
const UNITS_SKU = 'lg-nest-fastify-units';
const TIERED = 'lg-nest-fastify-tiers';
const SEATS = 'ConcurrentUsers';
const DIMENSION = 'DataConsumption';

/** The request's secure-session (this project also loads `@fastify/session`, whose typing of `request.session` wins). */
type CookieSession = fastifySecureSession.Session<{ user: string }>;
const cookieSession = (req: object): CookieSession => (req as { session: unknown }).session as CookieSession;

/** The app's login: `{ "user": name }` into the cookie session; 400 otherwise. */
@Injectable()
class CookieLoginGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<{ body?: { user?: unknown } }>();
    const user = req.body?.user;
    if (typeof user !== 'string') throw new BadRequestException({ error: 'send {"user": "name"}' });
    cookieSession(req).set('user', user);
    return true;
  }
}

/** Login, a seat route, and the cookie session's own regenerate() and delete(). */
@Controller()
class CookieSeatController {
  @Post('login')
  @HttpCode(200)
  @UseGuards(CookieLoginGuard, LicenseGateGuard)
  @AcquireSeat()
  login(@License() license: RequestLicense | undefined): Record<string, unknown> {
    return { seat: license?.seat?.key ?? null };
  }

  @Post('regenerate')
  @HttpCode(200)
  regenerate(@Req() req: object): Record<string, unknown> {
    cookieSession(req).regenerate();
    return { user: cookieSession(req).get('user') ?? null };
  }

  @Post('delete')
  @HttpCode(200)
  remove(@Req() req: object): Record<string, unknown> {
    cookieSession(req).delete();
    return { deleted: true };
  }

  @Get('app')
  @UseGuards(LicenseGateGuard)
  @RequireSeat()
  app(@License() license: RequestLicense | undefined): Record<string, unknown> {
    return { seat: license?.seat?.key ?? null };
  }
}

/** A drawdown route charged by the deprecated interceptor (no guard). */
@Controller()
@UseInterceptors(LicenseGateInterceptor)
class InterceptedController {
  @Post('work')
  @HttpCode(200)
  @Drawdown(DIMENSION, 3)
  work(@Query('fail') fail?: string): Record<string, unknown> {
    if (fail !== undefined) throw new Error('the work failed');
    return { done: true };
  }
}

/** A tier route whose denials go to a filter made with `new`: no HTTP adapter is injected into it. */
@Controller()
@UseFilters(new LicenseGateExceptionFilter())
class BareFilterController {
  @Get('premium')
  @UseGuards(LicenseGateGuard)
  @RequireTier('Premium')
  premium(): Record<string, unknown> {
    return { report: 'premium' };
  }
}

describe('nestjs on the Fastify platform', () => {
  const world = useWorld(() => [
    countedLicense(SEATS_SKU, { seats: 2 }),
    countedLicense(UNITS_SKU, { units: 100 }),
    tieredLicense(TIERED, 'Intermediate'),
  ]);

  it('seats on @fastify/secure-session: login takes one kept in the cookie, regenerate() keeps it, delete() returns it', async () => {
    const w = world();
    const gate = w.gate({ productSku: SEATS_SKU, seats: { entitlement: SEATS } });
    const events = recordEvents(gate);
    await gate.start();
    const url = await w.serveFastify(
      { imports: [LicenseGateModule.forRoot({ gate })], controllers: [CookieSeatController] },
      async (app) => {
        await app.register(fastifyCookie);
        await app.register(fastifySecureSession, { key: Buffer.alloc(32, 7), cookie: { path: '/', httpOnly: true } });
      },
    );
    const taken = (): Promise<number> => w.consumed(w.arnOf(SEATS_SKU), SEATS);
    const ann = request.agent(url);

    const seat = (await ann.post('/login').send({ user: 'ann' }).expect(200)).body.seat as string;
    assert.match(seat, /^cookie-[0-9a-f-]{36}$/, 'a cookie session gets an id for its seat');
    assert.equal(await taken(), 1);
    assert.equal((await ann.get('/app').expect(200)).body.seat, seat);

    assert.deepEqual((await ann.post('/regenerate').expect(200)).body, { user: null }, 'regenerate clears the data…');
    assert.equal((await ann.get('/app').expect(200)).body.seat, seat, '…but not the seat');
    assert.equal(w.calls('CheckoutLicense'), 1, 'no second checkout');

    await ann.post('/delete').expect(200);
    await until(() => events.seatReleased.length === 1, 'delete() to return the seat');
    assert.deepEqual(events.seatReleased[0], { key: seat, reason: 'release' });
    assert.equal(await taken(), 0);
    assert.deepEqual(await gate.seats.held(), []);
    assertProblem(await ann.get('/app'), { status: 403, type: 'seat-required', code: 'ERR_LG_NO_SEAT' });
  });

  it('the deprecated LicenseGateInterceptor charges a successful response and not a failed one', async () => {
    const w = world();
    const gate = w.gate({ productSku: UNITS_SKU, drawdown: { [DIMENSION]: { mode: 'batch', batchUnits: 1_000 } } });
    await gate.start();
    const url = await w.serveFastify({
      imports: [LicenseGateModule.forRoot({ gate })],
      controllers: [InterceptedController],
    });
    await request(url).post('/work').expect(200);
    await request(url).post('/work?fail=1').expect(500);
    await request(url).post('/work').expect(200);
    await until(() => gate.drawdown.stats(DIMENSION).pending === 6, 'the two charges to be committed');
    await gate.drawdown.flush();
    assert.equal(await w.consumed(w.arnOf(UNITS_SKU), DIMENSION), 6);
  });

  it('LicenseGateExceptionFilter made with new (no HTTP adapter) answers a denial as problem+json', async () => {
    const w = world();
    const gate = w.gate({ productSku: TIERED, tiers: TIERS });
    await gate.start();
    const url = await w.serveFastify({
      imports: [LicenseGateModule.forRoot({ gate })],
      controllers: [BareFilterController],
    });
    assertProblem(await request(url).get('/premium'), {
      status: 403,
      type: 'tier-required',
      fields: { requiredTier: 'Premium', currentTier: 'Intermediate' },
    });
    await request(url).get('/premium').expect(403); // the connection and the app still serve
  });
});
