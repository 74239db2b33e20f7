/**
 * The Express demo's Prometheus scrape (issue 16): the demo's gates made as examples/express's
 * `main.ts` makes them — with `metrics: { meterProvider }` of `createDemoMetrics()` — the app
 * served with `GET /metrics`, driven over HTTP against the emulator seeded with the demo licenses,
 * then scraped as Prometheus scrapes it. And the `licensegate:denial` channel as an APM tool sees
 * the app's denials.
 */
import assert from 'node:assert/strict';
import diagnosticsChannel from 'node:diagnostics_channel';
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

import {
  createLicenseGate,
  DENIAL_CHANNEL,
  silentLogger,
  type DenialMessage,
  type LicenseGate,
} from '@licensegate/core';
import { ManualClock } from '@licensegate/core/testing';
import { startEmulator, type RunningEmulator } from '@licensegate/emulator';
import { createDemoApp, createDemoMetrics, type DemoMetrics } from '@licensegate/example-express';
import { REGION } from '@licensegate/testkit';
import request from 'supertest';

const DEMO_LICENSES = fileURLToPath(import.meta.resolve('@licensegate/emulator/licenses/demo.json'));

/** The sample lines of `name` (comments left out). */
function samples(text: string, name: string): string[] {
  return text.split('\n').filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));
}

/** The value of the one sample of `name` whose labels include each of `labels`. */
function sample(text: string, name: string, labels: Readonly<Record<string, string>>): number {
  const found = samples(text, name).filter((line) =>
    Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`)),
  );
  assert.equal(found.length, 1, `one ${name} sample with ${JSON.stringify(labels)}; got\n${found.join('\n')}`);
  return Number((found[0] as string).split(' ').at(-1));
}

describe('examples/express: Prometheus scrape at GET /metrics (OpenTelemetry exporter)', function () {
  this.timeout(20_000);
  let lm: RunningEmulator;
  let metrics: DemoMetrics;
  let tiers: LicenseGate;
  let usage: LicenseGate;
  let server: Server;
  let url: string;

  beforeEach(async () => {
    lm = await startEmulator({ licenses: DEMO_LICENSES });
    const clock = new ManualClock(lm.clock.now());
    const client = { endpoint: lm.url, region: REGION };
    metrics = createDemoMetrics();
    const injected = { clock, logger: silentLogger, metrics: { meterProvider: metrics.meterProvider } };
    tiers = createLicenseGate({
      productSku: 'lg-demo-tiered',
      tiers: ['Basic', 'Intermediate', 'Premium'],
      client,
      ...injected,
    });
    usage = createLicenseGate({
      productSku: 'lg-demo-configurable',
      seats: { entitlement: 'ConcurrentUsers', idleTimeoutMs: 30 * 60_000 },
      drawdown: { DataConsumption: { mode: 'reserve', blockUnits: 50 } },
      client,
      ...injected,
    });
    await Promise.all([tiers.start(), usage.start()]);
    server = createDemoApp({ tiers, usage }, { metrics: metrics.scrape }).listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    server.closeAllConnections();
    server.close();
    await Promise.all([tiers.stop(), usage.stop()]);
    await metrics.shutdown();
    await lm.close();
  });

  it("scrapes both gates' licensegate metrics after tier checks, a login and a backup", async () => {
    await request(url).get('/reports/basic').expect(200);
    await request(url).get('/reports/basic').expect(200);
    await request(url).get('/reports/premium').expect(403);
    const ann = request.agent(url);
    await ann.post('/login').send({ user: 'ann' }).expect(200);
    await ann.post('/backup?gb=25').expect(200);
    await ann.post('/backup?gb=5000').expect(402);

    const scrape = await request(url).get('/metrics').expect(200);
    assert.match(String(scrape.headers['content-type']), /^text\/plain/);
    const text = scrape.text;
    if (process.env['SHOW_SCRAPE']) console.log(text);
    const tiered = { licensegate_product_sku: 'lg-demo-tiered' };
    const configurable = { licensegate_product_sku: 'lg-demo-configurable' };
    assert.match(text, /^# HELP licensegate_tier_decisions_total Tier checks/m);
    assert.match(text, /^# TYPE licensegate_tier_decisions_total counter$/m);
    assert.equal(
      sample(text, 'licensegate_tier_decisions_total', {
        ...tiered,
        licensegate_tier: 'Basic',
        licensegate_reason: 'granted',
      }),
      2,
    );
    assert.equal(
      sample(text, 'licensegate_tier_decisions_total', {
        ...tiered,
        licensegate_tier: 'Premium',
        licensegate_reason: 'tier-required',
      }),
      1,
    );
    assert.equal(sample(text, 'licensegate_gate_state', { ...tiered, licensegate_state: 'running' }), 1);
    assert.equal(sample(text, 'licensegate_grace_remaining', tiered), 3600);
    assert.equal(
      sample(text, 'licensegate_seats_held', { ...configurable, licensegate_entitlement: 'ConcurrentUsers' }),
      1,
    );
    assert.equal(
      sample(text, 'licensegate_seats_limit', { ...configurable, licensegate_entitlement: 'ConcurrentUsers' }),
      5,
    );
    const dimension = { ...configurable, licensegate_dimension: 'DataConsumption' };
    assert.equal(sample(text, 'licensegate_drawdown_debited_total', dimension), 25);
    assert.equal(
      sample(text, 'licensegate_drawdown_reported_total', dimension),
      50,
      'reserve mode: one block of 50 checked out',
    );
    assert.ok(
      sample(text, 'licensegate_license_manager_call_duration_count', {
        ...configurable,
        rpc_method: 'CheckoutLicense',
        licensegate_outcome: 'success',
      }) >= 2,
      'the seat and the block were checked out',
    );
  });

  it('publishes the denials the app answers on licensegate:denial', async () => {
    const messages: DenialMessage[] = [];
    const onMessage = (message: unknown): void => {
      messages.push(message as DenialMessage);
    };
    diagnosticsChannel.subscribe(DENIAL_CHANNEL, onMessage);
    try {
      await request(url).get('/reports/premium').expect(403);
      await request(url).get('/app').expect(403);
      await request(url).get('/reports/basic').expect(200);
    } finally {
      diagnosticsChannel.unsubscribe(DENIAL_CHANNEL, onMessage);
    }
    assert.deepEqual(
      messages.map((m) => [m.productSku, m.path, m.status, m.code]),
      [
        ['lg-demo-tiered', '/reports/premium', 403, 'ERR_LG_TIER_REQUIRED'],
        ['lg-demo-configurable', '/app', 403, 'ERR_LG_NO_SEAT'],
      ],
    );
  });
});
