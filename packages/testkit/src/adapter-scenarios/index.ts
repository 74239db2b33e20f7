/**
 * The adapter table: every scenario an adapter must pass, written once against an
 * {@link AdapterDriver} and driven over HTTP only. An adapter's suite is one spec file:
 *
 * ```ts
 * import { runAdapterTable } from '@licensegate/testkit';
 * import { expressDriver } from './support/express-driver.js';
 *
 * runAdapterTable(expressDriver);
 * ```
 */
import type { AdapterDriver } from './driver.js';
import { drawdownScenarios } from './drawdown.js';
import { errorScenarios } from './errors.js';
import { gracefulStopScenarios } from './graceful-stop.js';
import { seatScenarios } from './seats.js';
import { tierScenarios } from './tiers.js';

export type {
  AdapterDriver,
  AppErrorAnswer,
  GateSource,
  LicenseView,
  SeatApp,
  SeatAppOptions,
  ServedApp,
  TierApp,
  WorkApp,
  WorkAppOptions,
  WorkUnits,
} from './driver.js';
export { Probe } from './probe.js';
export { TableWorld, useTableWorld } from './table-world.js';
export { tierScenarios, seatScenarios, drawdownScenarios, errorScenarios, gracefulStopScenarios };

/** Runs every scenario of the table against `driver`, under `adapter table [name]`. */
export function runAdapterTable(driver: AdapterDriver): void {
  describe(`adapter table [${driver.name}]`, () => {
    tierScenarios(driver);
    seatScenarios(driver);
    drawdownScenarios(driver);
    errorScenarios(driver);
    gracefulStopScenarios(driver);
  });
}
