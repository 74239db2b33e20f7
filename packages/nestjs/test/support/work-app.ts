/**
 * A Nest app with one drawdown route, `POST /work`, whose handler does what the query says — answer a
 * status (`?status=500`), throw (`?throw=1`), wait for the test (`?hold=1`), or report the units it
 * used in a header (`?used=7`) — and a probe that counts what happened. A global guard before the
 * interceptor can make requests wait (an app's slow auth step).
 */
import {
  Controller,
  HttpCode,
  Inject,
  Injectable,
  Post,
  Query,
  Res,
  type CanActivate,
  type ModuleMetadata,
  type Type,
} from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Response } from 'express';

import { Drawdown, LicenseGateGuard, LicenseGateInterceptor, type DrawdownUnits } from '../../src/index.js';
import { deferred } from './world.js';

/** The drawdown dimension of every test license. */
export const DIMENSION = 'DataConsumption';
const PROBE = Symbol('probe');

/** What the app saw. */
export class Probe {
  /** Requests that reached the app. */
  arrived = 0;
  /** Responses closed (finished or aborted). */
  closed = 0;
  /** Handler runs (after the interceptor let the request through). */
  handled = 0;
  /** Released by the test: requests with `?hold=1` wait for it in the handler. */
  hold = deferred();
  /** When set, requests wait for it in a guard before the interceptor (an app's slow auth step). */
  before: Promise<void> | undefined;
}

/** A guard that waits for `probe.before`. */
@Injectable()
class SlowAuthGuard implements CanActivate {
  constructor(@Inject(PROBE) private readonly probe: Probe) {}

  async canActivate(): Promise<boolean> {
    if (this.probe.before !== undefined) await this.probe.before;
    return true;
  }
}

/** A controller class charging `units` on `POST /work` (a new class per call: decorators take values). */
export function workController(units: DrawdownUnits): Type {
  @Controller()
  class WorkController {
    constructor(@Inject(PROBE) private readonly probe: Probe) {}

    @Post('work')
    @HttpCode(200)
    @Drawdown(DIMENSION, units)
    async work(@Query() query: Record<string, string | undefined>, @Res() res: Response): Promise<void> {
      this.probe.handled++;
      if (query['hold'] !== undefined) await this.probe.hold.promise;
      if (query['throw'] !== undefined) throw new Error('the work failed');
      if (query['used'] !== undefined) res.setHeader('x-units-used', query['used']);
      const status = Number(query['status'] ?? 200);
      if (status >= 300 && status < 400) return res.redirect(status, '/elsewhere');
      res.status(status).json({ done: true });
    }
  }
  return WorkController;
}

/** The app's module metadata: the gate's module, the work controller, the guard and the interceptor. */
export function workModule(
  gateModule: NonNullable<ModuleMetadata['imports']>[number],
  units: DrawdownUnits,
  probe: Probe,
): ModuleMetadata {
  return {
    imports: [gateModule],
    controllers: [workController(units)],
    providers: [
      { provide: PROBE, useValue: probe },
      { provide: APP_GUARD, useClass: SlowAuthGuard },
      { provide: APP_GUARD, useClass: LicenseGateGuard },
      { provide: APP_INTERCEPTOR, useClass: LicenseGateInterceptor },
    ],
  };
}

/** Counts arrivals and closed responses, before anything else runs. */
export function probeRequests(probe: Probe): (app: NestExpressApplication) => void {
  return (app) => {
    app.use((_req: unknown, res: Response, next: () => void) => {
      probe.arrived++;
      res.on('close', () => probe.closed++);
      next();
    });
  };
}
