// What a TypeScript user writes against each package's entry points; it must type-check, not run.
import 'reflect-metadata';

import { Controller, Get, Inject, Module, Post } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { createLicenseGate, MemoryStore, type LicenseGate, type SeatView } from '@licensegate/core';
import { DrawdownStep } from '@licensegate/core/http';
import type { Store } from '@licensegate/core/store';
import { ManualClock } from '@licensegate/core/testing';
import { startEmulator, type RunningEmulator } from '@licensegate/emulator';
import { healthCheck, licenseGate, type DrawdownUnits, type HealthReport } from '@licensegate/express';
import { licenseGateHealthPlugin, licenseGatePlugin } from '@licensegate/fastify';
import { Drawdown, LicenseGateGuard, LicenseGateModule, RequireTier } from '@licensegate/nestjs';
import { LicenseGateHealthIndicator } from '@licensegate/nestjs/terminus';
import { HealthCheckService, type HealthCheckResult } from '@nestjs/terminus';
import express from 'express';
import Fastify from 'fastify';

export async function expressApp(gate: LicenseGate): Promise<express.Express> {
  const lg = licenseGate(gate);
  const app = express();
  app.get('/reports', lg.requireTier('Premium'), (req, res) => res.json({ tier: req.license?.tier }));
  app.post(
    '/export',
    lg.drawdown('DataConsumption', (req, res) => Number(res.locals['gigabytes'])),
    (_req, res) => {
      res.json({ ok: true });
    },
  );
  const units: DrawdownUnits = (req) => Number(req.query['gb']);
  app.post('/backup', lg.drawdown('DataConsumption', units), (_req, res) => res.json({ ok: true }));
  app.get('/healthz', lg.health({ probe: 'liveness' }));
  app.get('/readyz', healthCheck({ app: gate }, { probe: 'readiness', models: ['tiers'] }));
  const report: HealthReport['status'] = 'warn';
  void report;
  return app;
}

export async function fastifyApp(gate: LicenseGate) {
  const app = Fastify();
  await app.register(licenseGatePlugin, { gate });
  await app.register(licenseGateHealthPlugin, { gates: [gate], readiness: '/ready', liveness: false });
  app.get('/reports', { config: { licensegate: { tier: 'Premium' } } }, async (request) => ({
    tier: request.license.tier,
  }));
  app.post(
    '/backup',
    {
      config: {
        licensegate: {
          drawdown: { dimension: 'DataConsumption', units: (request) => Number((request.query as { gb?: string }).gb) },
        },
      },
    },
    async () => ({ ok: true }),
  );
  return app;
}

@Controller()
export class ReportsController {
  @Get('reports')
  @RequireTier('Premium')
  reports(): { report: string } {
    return { report: 'premium' };
  }

  @Post('backup')
  @Drawdown('DataConsumption', 1)
  backup(): { ok: boolean } {
    return { ok: true };
  }
}

@Controller()
export class HealthController {
  constructor(
    @Inject(HealthCheckService) private readonly health: HealthCheckService,
    @Inject(LicenseGateHealthIndicator) private readonly licensegate: LicenseGateHealthIndicator,
  ) {}

  @Get('readyz')
  ready(): Promise<HealthCheckResult> {
    return this.health.check([() => this.licensegate.isReady('licensegate', { models: ['tiers'] })]);
  }
}

@Module({
  imports: [LicenseGateModule.forRoot({ gate: { productSku: 'prod-abc123', tiers: ['Basic', 'Premium'] } })],
  controllers: [ReportsController],
  providers: [{ provide: APP_GUARD, useClass: LicenseGateGuard }],
})
export class AppModule {}

export async function engine(): Promise<SeatView | undefined> {
  const lm: RunningEmulator = await startEmulator({ port: 0 });
  const store: Store = new MemoryStore();
  const gate = createLicenseGate({
    productSku: 'prod-abc123',
    seats: { entitlement: 'ConcurrentUsers' },
    drawdown: { DataConsumption: { mode: 'batch' } },
    store,
    clock: new ManualClock(),
    client: { endpoint: lm.url, region: 'us-east-1' },
  });
  await gate.start();
  const step = new DrawdownStep(gate, 'DataConsumption', 1);
  void step;
  const seat = await gate.seats.acquire('ann');
  await gate.stop();
  await lm.close();
  return seat;
}
