import { BadRequestException, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';

declare module 'express-session' {
  interface SessionData {
    user?: string;
  }
}

/**
 * The demo's login: `{ "user": name }` in the body (no password: a demo), a new session id (against
 * session fixation), and the user in the session. It runs before `LicenseGateGuard` on the login
 * route, so the seat is taken for the logged-in session, and a refused login takes none.
 */
@Injectable()
export class LoginGuard implements CanActivate {
  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<Request>();
    const user: unknown = (req.body as { user?: unknown } | undefined)?.user;
    if (typeof user !== 'string' || user === '') throw new BadRequestException({ error: 'send {"user": "name"}' });
    await new Promise<void>((resolve, reject) =>
      req.session.regenerate((error) => (error ? reject(error as Error) : resolve())),
    );
    req.session.user = user;
    return true;
  }
}
