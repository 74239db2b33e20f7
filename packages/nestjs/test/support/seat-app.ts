/**
 * A small Nest app with sessions and floating seats, as a product would write it: a login guard
 * puts the user in the session, then `@AcquireSeat()` takes a seat; logout returns it; `/app` needs
 * one; and a few session lifecycle routes (regenerate, destroy). Each answer shows the session id
 * and the seat the request found. The controller and the login are the same on both platforms
 * (the session is read through `appSession`); `withSessions` puts express-session on an app on the
 * Express platform.
 */
import {
  BadRequestException,
  Controller,
  Get,
  HttpCode,
  Injectable,
  Post,
  Req,
  UseGuards,
  type CanActivate,
  type ExecutionContext,
  type ModuleMetadata,
  type Type,
} from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import session from 'express-session';

import type { RequestLicense } from '../../src/index.js';
import {
  AcquireSeat,
  License,
  LicenseGateGuard,
  LicenseGateService,
  ReleaseSeat,
  RequireSeat,
} from '../../src/index.js';
import { appSession } from './app-session.js';

declare module 'express-session' {
  interface SessionData {
    user?: string;
  }
}

/** A request as the seat app's handlers use it. */
type AppRequest = object & { body?: unknown };

/** The seat key option that shares one seat among a user's sessions. */
export const byUser = (req: object): string | undefined => appSession(req).user;

/** The seat info option: the session's user. */
export const userInfo = (req: object): unknown => ({ user: appSession(req).user });

/** The app's login: `{ "user": name }` in the body, into the session; 400 otherwise. */
@Injectable()
export class LoginGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<AppRequest>();
    const user: unknown = (req.body as { user?: unknown } | undefined)?.user;
    if (typeof user !== 'string' || user === '') throw new BadRequestException({ error: 'send {"user": "name"}' });
    appSession(req).user = user;
    return true;
  }
}

/** The seat routes, guarded by `guard` (LicenseGateGuard or a subclass) after the login guard. */
export function seatController(guard: Type<LicenseGateGuard> = LicenseGateGuard): Type {
  @Controller()
  class SeatController {
    constructor(private readonly license: LicenseGateService) {}

    @Post('login')
    @HttpCode(200)
    @UseGuards(LoginGuard, guard)
    @AcquireSeat()
    login(@Req() req: AppRequest, @License() license: RequestLicense | undefined): Record<string, unknown> {
      const session = appSession(req);
      return { user: session.user, sid: session.id, seat: license?.seat?.key ?? null };
    }

    // A new session id with the same user (privilege change, session fixation defence).
    @Post('regenerate')
    @HttpCode(200)
    async regenerate(@Req() req: AppRequest): Promise<Record<string, unknown>> {
      const before = appSession(req).id;
      await appSession(req).regenerate();
      return { before, after: appSession(req).id };
    }

    @Post('logout')
    @HttpCode(200)
    @UseGuards(guard)
    @ReleaseSeat()
    logout(@Req() req: AppRequest, @License() license: RequestLicense | undefined): Record<string, unknown> {
      return { loggedOut: true, sid: appSession(req).id, seat: license?.seat ?? null };
    }

    @Post('destroy')
    @HttpCode(200)
    async destroy(@Req() req: AppRequest): Promise<Record<string, unknown>> {
      await appSession(req).destroy();
      return { destroyed: true };
    }

    @Get('app')
    @UseGuards(guard)
    @RequireSeat()
    app(@Req() req: AppRequest, @License() license: RequestLicense | undefined): Record<string, unknown> {
      const session = appSession(req);
      const seat = license?.seat;
      return {
        user: session.user ?? null,
        sid: session.id,
        seat: seat?.key ?? null,
        holders: seat?.holders ?? [],
      };
    }

    @Get('status')
    status(): unknown {
      return this.license.status();
    }
  }
  return SeatController;
}

/** The app's module metadata. */
export function seatModule(
  gateModule: NonNullable<ModuleMetadata['imports']>[number],
  guard?: Type<LicenseGateGuard>,
): ModuleMetadata {
  return { imports: [gateModule], controllers: [seatController(guard)] };
}

/**
 * express-session with the gate's store wrapper around `store` (so destroy and regenerate reach
 * the seat); a new MemoryStore by default.
 */
export function withSessions(app: NestExpressApplication, store: session.Store = new session.MemoryStore()): void {
  app.use(
    session({
      secret: 'licensegate-nestjs-tests',
      resave: false,
      saveUninitialized: false,
      store: app.get(LicenseGateService).sessionStore(store),
      cookie: { maxAge: 30 * 60_000 },
    }),
  );
}
