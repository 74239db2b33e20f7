/**
 * The demo's two gates as the Express and Fastify examples' `main.ts` make them (`createLicenseGate`
 * with the emulator as `client`), plus the test's clock and logger. Started, as `main.ts` starts
 * them before it builds the app.
 */
import { createLicenseGate, type LicenseGate } from '@licensegate/core';

import type { DemoWorld } from './demo-driver.js';

/** The started `tiers` and `usage` gates of the demo, on `world`. */
export async function startDemoGates(world: DemoWorld): Promise<{ tiers: LicenseGate; usage: LicenseGate }> {
  const client = { endpoint: world.endpoint, region: world.region };
  const injected = {
    clock: world.clock,
    logger: world.logger,
    ...(world.onUnavailable === undefined ? {} : { onUnavailable: world.onUnavailable }),
  };
  const tiers = createLicenseGate({
    productSku: 'lg-demo-tiered',
    tiers: ['Basic', 'Intermediate', 'Premium'],
    client,
    ...injected,
  });
  const usage = createLicenseGate({
    productSku: 'lg-demo-configurable',
    seats: { entitlement: 'ConcurrentUsers', idleTimeoutMs: 30 * 60_000 },
    drawdown: { DataConsumption: { mode: 'reserve', blockUnits: 50 } },
    client,
    ...injected,
  });
  await Promise.all([tiers.start(), usage.start()]);
  return { tiers, usage };
}
