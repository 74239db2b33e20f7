/**
 * A second copy of `@licensegate/core` must not break the adapters (issue #15, point 3). An app can
 * hold two copies (another version resolved for an adapter, a bundler's split): the gate the app
 * makes then comes from one copy, the adapter's kit from the other. The adapters tell a gate from
 * gate options by its brand (`isLicenseGate`, `Symbol.for('licensegate.gate')`), and the kit tells
 * a denial by the errors' branded `instanceof`, never by class identity.
 *
 * The second copy is core's built `dist` copied to a folder of its own and imported by file URL:
 * a module graph of its own, as npm's nested install makes it. Real Express, Fastify and Nest apps
 * over HTTP, against the License Manager emulator.
 */
import assert from 'node:assert/strict';
import { cp, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import * as mainCore from '@licensegate/core';
import { licenseGate } from '@licensegate/express';
import { licenseGatePlugin } from '@licensegate/fastify';
import { LicenseGateGuard, LicenseGateModule, RequireTier } from '@licensegate/nestjs';
import {
  AdapterWorld,
  assertProblem,
  countedLicense,
  TIERS,
  tieredLicense,
  until,
  useWorldOf,
} from '@licensegate/testkit';
import { GetLicenseUsageCommand } from '@aws-sdk/client-license-manager';
import { Controller, Get, Module } from '@nestjs/common';
import { APP_GUARD, NestFactory } from '@nestjs/core';
import express from 'express';
import Fastify from 'fastify';
import request from 'supertest';

type Core = typeof mainCore;

const SKU = 'lg-second-core-tiered';
const UNITS_SKU = 'lg-second-core-units';
const DIMENSION = 'DataConsumption';
/** The longest timer delay: the MemoryStore's sweep never falls due in a test. */
const MAX_TIMER_MS = 2 ** 31 - 1;

const here = path.dirname(fileURLToPath(import.meta.url));
const coreDir = path.resolve(here, '../../packages/core');
/** Inside build-test (cleaned by each build:test), so core's own dependencies resolve from the root. */
const copyDir = path.join(here, 'second-core/node_modules/@licensegate/core');

/** Core's dist copied to a folder of its own and imported by file URL: a second copy of core. */
async function secondCore(): Promise<Core> {
  await rm(copyDir, { recursive: true, force: true });
  await mkdir(copyDir, { recursive: true });
  await cp(path.join(coreDir, 'dist'), path.join(copyDir, 'dist'), { recursive: true });
  await cp(path.join(coreDir, 'package.json'), path.join(copyDir, 'package.json'));
  return (await import(pathToFileURL(path.join(copyDir, 'dist/index.js')).href)) as Core;
}

@Controller()
class TierRoutes {
  @Get('intermediate')
  @RequireTier('Intermediate')
  intermediate(): { ok: true } {
    return { ok: true };
  }

  @Get('premium')
  @RequireTier('Premium')
  premium(): { ok: true } {
    return { ok: true };
  }
}

describe('a gate made by a second copy of @licensegate/core', () => {
  let second: Core;
  const world = useWorldOf(
    (lm) => new AdapterWorld(lm),
    () => [tieredLicense(SKU, 'Intermediate'), countedLicense(UNITS_SKU, { units: 1000 })],
  );

  before(async () => {
    second = await secondCore();
  });

  /** A started gate of the second copy, over the world's emulator, clock and logger. */
  async function foreignGate(options: Partial<mainCore.LicenseGateOptions> & { productSku: string }) {
    const w = world();
    const gate = second.createLicenseGate({
      ...w.options(options),
      store: new second.MemoryStore({ sweepIntervalMs: MAX_TIMER_MS }),
    });
    w.track(gate);
    await gate.start();
    return gate;
  }

  it('is another class, recognised by isLicenseGate() and by the errors’ instanceof', async () => {
    const gate = await foreignGate({ productSku: SKU, tiers: TIERS });
    assert.notEqual(second.LicenseGate, mainCore.LicenseGate, 'a second copy indeed');
    assert.equal(gate instanceof mainCore.LicenseGate, false);
    assert.equal(mainCore.isLicenseGate(gate), true);
    assert.equal(mainCore.isLicenseGate({ productSku: SKU }), false);
    assert.equal(mainCore.isLicenseGate(null), false);
    let denial: unknown;
    try {
      gate.assertTier('Premium');
    } catch (error) {
      denial = error;
    }
    assert.ok(denial instanceof mainCore.TierRequiredError);
    assert.ok(denial instanceof mainCore.LicenseGateError);
    assert.equal(denial instanceof mainCore.NoLicenseError, false);
    assert.equal(denial instanceof mainCore.SeatsExhaustedError, false);
    assert.equal(new Error('x') instanceof mainCore.LicenseGateError, false);
  });

  it('the Express middleware takes it: tiers, a denial as problem+json, late drawdown units', async () => {
    const gate = await foreignGate({ productSku: SKU, tiers: TIERS });
    const lg = licenseGate(gate);
    assert.equal(lg.gate, gate, 'used as the gate, not read as options');
    const app = express();
    app.get('/intermediate', lg.requireTier('Intermediate'), (_req, res) => res.json({ ok: true }));
    app.get('/premium', lg.requireTier('Premium'), (_req, res) => res.json({ ok: true }));
    await request(app).get('/intermediate').expect(200);
    assertProblem(await request(app).get('/premium'), {
      status: 403,
      type: 'tier-required',
      fields: { requiredTier: 'Premium' },
    });

    const units = await foreignGate({
      productSku: UNITS_SKU,
      drawdown: { [DIMENSION]: { mode: 'batch', batchUnits: 10_000, batchIntervalMs: 3_600_000 } },
    });
    const metered = licenseGate(units);
    const charged = express();
    charged.get(
      '/export',
      metered.drawdown(DIMENSION, (_req, res) => Number(res.locals['used'])),
      (req, res) => {
        res.locals['used'] = Number(req.query['used']);
        res.json({ ok: true });
      },
    );
    await request(charged).get('/export?used=9').expect(200);
    await until(() => units.drawdown.stats(DIMENSION).open === 0, 'the charge to settle');
    await units.drawdown.flush();
    const usage = await world().admin.send(new GetLicenseUsageCommand({ LicenseArn: world().arnOf(UNITS_SKU) }));
    const used = usage.LicenseUsage?.EntitlementUsages?.find((u) => u.Name === DIMENSION)?.ConsumedValue;
    assert.equal(Number(used), 9, 'the late units were charged');
  });

  it('the Fastify plugin takes it', async () => {
    const gate = await foreignGate({ productSku: SKU, tiers: TIERS });
    const app = Fastify();
    try {
      await app.register(licenseGatePlugin, { gate });
      app.get('/intermediate', { config: { licensegate: { tier: 'Intermediate' } } }, async () => ({ ok: true }));
      app.get('/premium', { config: { licensegate: { tier: 'Premium' } } }, async () => ({ ok: true }));
      await app.listen({ host: '127.0.0.1', port: 0 });
      await request(app.server).get('/intermediate').expect(200);
      assertProblem(await request(app.server).get('/premium'), {
        status: 403,
        type: 'tier-required',
        fields: { requiredTier: 'Premium' },
      });
      assert.equal(gate.status().state, 'running', 'the plugin does not own a gate it was given');
    } finally {
      await app.close();
    }
  });

  it('the Nest module takes it', async () => {
    const gate = await foreignGate({ productSku: SKU, tiers: TIERS });
    @Module({
      imports: [LicenseGateModule.forRoot({ gate })],
      controllers: [TierRoutes],
      providers: [{ provide: APP_GUARD, useClass: LicenseGateGuard }],
    })
    class AppModule {}
    const app = await NestFactory.create(AppModule, { logger: false, abortOnError: false });
    try {
      await app.listen(0, '127.0.0.1');
      await request(app.getHttpServer()).get('/intermediate').expect(200);
      assertProblem(await request(app.getHttpServer()).get('/premium'), {
        status: 403,
        type: 'tier-required',
        fields: { requiredTier: 'Premium' },
      });
    } finally {
      await app.close();
    }
    assert.equal(gate.status().state, 'stopped', 'the module stops the gate it was given at shutdown, as documented');
  });
});
