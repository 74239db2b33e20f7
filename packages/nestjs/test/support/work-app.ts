/**
 * A Nest app with one drawdown route, `POST /work`, as the adapter table's `WorkApp` describes it:
 * a probe counts what happened, a global guard before LicenseGateGuard can make requests wait (an
 * app's slow auth step), and the handler does what the query says (`?status=`, `?throw=1`,
 * `?hold=1`, `?used=`). The same on both platforms: the handler answers through Nest's HTTP
 * adapter, and the probe is a Node middleware (`app.use`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

import {
  Controller,
  HttpCode,
  Inject,
  Injectable,
  Post,
  Query,
  Res,
  type CanActivate,
  type INestApplication,
  type ModuleMetadata,
  type Type,
} from '@nestjs/common';
import { APP_GUARD, HttpAdapterHost } from '@nestjs/core';
import type { Probe } from '@licensegate/testkit';

import { Drawdown, LicenseGateGuard, type DrawdownUnits } from '../../src/index.js';

const PROBE = Symbol('probe');

/** A guard that waits for `probe.before`. */
@Injectable()
class SlowAuthGuard implements CanActivate {
  constructor(@Inject(PROBE) private readonly probe: Probe) {}

  async canActivate(): Promise<boolean> {
    if (this.probe.before !== undefined) await this.probe.before;
    return true;
  }
}

/** A controller class charging `units` of `dimension` on `POST /work` (a new class per call: decorators take values). */
export function workController(dimension: string, units: DrawdownUnits): Type {
  @Controller()
  class WorkController {
    constructor(
      @Inject(PROBE) private readonly probe: Probe,
      @Inject(HttpAdapterHost) private readonly http: HttpAdapterHost,
    ) {}

    @Post('work')
    @HttpCode(200)
    @Drawdown(dimension, units)
    async work(@Query() query: Record<string, string | undefined>, @Res() res: object): Promise<void> {
      const http = this.http.httpAdapter;
      this.probe.handled++;
      if (query['hold'] !== undefined) await this.probe.hold.promise;
      if (query['throw'] !== undefined) throw new Error('the work failed');
      if (query['used'] !== undefined) http.setHeader(res, 'x-units-used', query['used']);
      const status = Number(query['status'] ?? 200);
      if (status >= 300 && status < 400) return void http.redirect(res, status, '/elsewhere');
      http.reply(res, { done: true }, status);
    }
  }
  return WorkController;
}

/** The app's module metadata: the gate's module, the work controller, and the guards (LicenseGateGuard charges). */
export function workModule(
  gateModule: NonNullable<ModuleMetadata['imports']>[number],
  dimension: string,
  units: DrawdownUnits,
  probe: Probe,
): ModuleMetadata {
  return {
    imports: [gateModule],
    controllers: [workController(dimension, units)],
    providers: [
      { provide: PROBE, useValue: probe },
      { provide: APP_GUARD, useClass: SlowAuthGuard },
      { provide: APP_GUARD, useClass: LicenseGateGuard },
    ],
  };
}

/** Counts arrivals and closed responses, before anything else runs (Node's response, on either platform). */
export function probeRequests(probe: Probe): (app: INestApplication) => void {
  return (app) => {
    app.use((_req: IncomingMessage, res: ServerResponse, next: () => void) => {
      probe.arrived++;
      res.on('close', () => probe.closed++);
      next();
    });
  };
}
