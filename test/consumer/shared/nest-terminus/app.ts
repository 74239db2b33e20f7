// @licensegate/nestjs/terminus over the packed package, shared by nest11-terminus and nest12-terminus (each installs
// its Nest and @nestjs/terminus majors): LicenseGateHealthIndicator under terminus's HealthCheckService, against the
// emulator — readiness 200 for a licensed gate, 503 for a gate whose product has no license, liveness 200 for both.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { startEmulator } from '@licensegate/emulator';
import { LicenseGateModule } from '@licensegate/nestjs';
import { LicenseGateHealthIndicator } from '@licensegate/nestjs/terminus';
import { Controller, Get, Inject, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { HealthCheck, HealthCheckService, TerminusModule, type HealthCheckResult } from '@nestjs/terminus';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
process.env['AWS_ACCESS_KEY_ID'] ??= 'demo';
process.env['AWS_SECRET_ACCESS_KEY'] ??= 'demo';

const version = (name: string): string =>
  (JSON.parse(readFileSync(`node_modules/${name}/package.json`, 'utf8')) as { version: string }).version;

const lm = await startEmulator({
  licenses: [
    {
      AwsMarketplace: true,
      LicenseName: 'terminuscheck',
      ProductName: 'terminuscheck',
      ProductSKU: 'terminuscheck-licensed',
      Issuer: { Name: 'AWS/Marketplace' },
      HomeRegion: 'us-east-1',
      Validity: { Begin: '-1d', End: '+365d' },
      Entitlements: [{ Name: 'Basic', Value: 'Enabled', Unit: 'None' }],
      Beneficiary: '123456789012',
      ConsumptionConfiguration: { RenewType: 'None', ProvisionalConfiguration: { MaxTimeToLiveInMinutes: 60 } },
    },
  ],
});

@Controller()
class HealthController {
  constructor(
    @Inject(HealthCheckService) private readonly health: HealthCheckService,
    @Inject(LicenseGateHealthIndicator) private readonly licensegate: LicenseGateHealthIndicator,
  ) {}

  @Get('licensed')
  @HealthCheck()
  licensed(): Promise<HealthCheckResult> {
    return this.health.check([() => this.licensegate.isReady('licensegate', { gates: ['licensed'] })]);
  }

  @Get('unlicensed')
  @HealthCheck()
  unlicensed(): Promise<HealthCheckResult> {
    return this.health.check([() => this.licensegate.isReady('licensegate', { gates: ['unlicensed'] })]);
  }

  @Get('live')
  @HealthCheck()
  live(): Promise<HealthCheckResult> {
    return this.health.check([() => this.licensegate.isLive('licensegate', { gates: ['licensed', 'unlicensed'] })]);
  }
}

const client = { endpoint: lm.url, region: 'us-east-1' };
@Module({
  imports: [
    LicenseGateModule.forRoot({
      name: 'licensed',
      gate: { productSku: 'terminuscheck-licensed', tiers: ['Basic'], client },
    }),
    LicenseGateModule.forRoot({
      name: 'unlicensed',
      gate: { productSku: 'terminuscheck-unlicensed', tiers: ['Basic'], client },
    }),
    TerminusModule.forRoot({ logger: false }),
  ],
  controllers: [HealthController],
  providers: [LicenseGateHealthIndicator],
})
class AppModule {}

const app = await NestFactory.create(AppModule, { logger: false, abortOnError: false });
try {
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  const get = async (path: string) => {
    const res = await fetch(`http://127.0.0.1:${port}${path}`);
    return { status: res.status, body: (await res.json()) as { details: Record<string, { gates: object }> } };
  };
  const licensed = await get('/licensed');
  assert.equal(licensed.status, 200, JSON.stringify(licensed.body));
  const unlicensed = await get('/unlicensed');
  assert.equal(unlicensed.status, 503, JSON.stringify(unlicensed.body));
  assert.match(JSON.stringify(unlicensed.body.details), /"code":"no-license"/);
  assert.equal((await get('/live')).status, 200);
  console.log(
    `terminuscheck: Nest ${version('@nestjs/core')}, terminus ${version('@nestjs/terminus')}: readiness 200 / 503 (no-license), liveness 200 — OK`,
  );
} finally {
  await app.close();
  await lm.close();
}
