/**
 * The health table (`@licensegate/testkit`) against `@licensegate/nestjs/terminus`: the
 * `LicenseGateHealthIndicator` under `@nestjs/terminus`'s `HealthCheckService`, in a real Nest 12
 * app on the Express platform (terminus answers 503 when the indicator is down).
 */
import assert from 'node:assert/strict';

import type { GateHealth } from '@licensegate/core';
import { runHealthTable } from '@licensegate/testkit';
import { Controller, Get, Inject, type INestApplication } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { Test } from '@nestjs/testing';
import request from 'supertest';

import { LicenseGateModule } from '../src/index.js';
import { LicenseGateHealthIndicator } from '../src/terminus/index.js';

/** The probes' controller over the gates `names`. */
function healthController(names: readonly string[]): new (...args: never[]) => unknown {
  @Controller()
  class HealthController {
    constructor(
      @Inject(HealthCheckService) private readonly health: HealthCheckService,
      @Inject(LicenseGateHealthIndicator) private readonly licensegate: LicenseGateHealthIndicator,
    ) {}

    @Get('healthz')
    @HealthCheck()
    live(): Promise<unknown> {
      return this.health.check([() => this.licensegate.isLive('licensegate', { gates: names })]);
    }

    @Get('readyz')
    @HealthCheck()
    ready(): Promise<unknown> {
      return this.health.check([() => this.licensegate.isReady('licensegate', { gates: names })]);
    }
  }
  return HealthController;
}

async function serveNest(imports: unknown[], controller: new (...args: never[]) => unknown): Promise<INestApplication> {
  const testing = await Test.createTestingModule({
    imports: [TerminusModule.forRoot({ logger: false }), ...(imports as [])],
    controllers: [controller],
    providers: [LicenseGateHealthIndicator],
  }).compile();
  const app = testing.createNestApplication({ logger: false });
  await app.listen(0, '127.0.0.1');
  return app;
}

runHealthTable({
  name: 'nestjs + terminus',
  async serve(gates) {
    const names = Object.keys(gates);
    const app = await serveNest(
      names.map((name) =>
        LicenseGateModule.forRoot({ name, gate: gates[name] as NonNullable<(typeof gates)[string]> }),
      ),
      healthController(names),
    );
    return { url: await app.getUrl(), close: () => app.close() };
  },
  gatesOf(body) {
    const { details } = body as { details: { licensegate: { gates: Record<string, GateHealth> } } };
    return details.licensegate.gates;
  },
});

describe('LicenseGateHealthIndicator', () => {
  it('a gate name no module registered is ERR_LG_UNKNOWN_GATE (a 500, not a probe failure); no gates is ERR_LG_OPTIONS', async () => {
    const app = await serveNest([], healthController(['nope']));
    try {
      const res = await request(await app.getUrl()).get('/readyz');
      assert.equal(res.status, 500, res.text);
    } finally {
      await app.close();
    }
    const indicator = new LicenseGateHealthIndicator(
      { check: () => assert.fail('not reached') } as never,
      {
        get: () => {
          throw new Error('not found');
        },
      } as never,
    );
    assert.throws(() => indicator.isReady('licensegate', { gates: ['nope'] }), { code: 'ERR_LG_UNKNOWN_GATE' });
    assert.throws(() => indicator.isReady('licensegate', { gates: [] }), { code: 'ERR_LG_OPTIONS' });
  });
});
