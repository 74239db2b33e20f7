import type { EmulatorOptions, RunningEmulator, SeedLicense } from '@licensegate/emulator';

import { AdapterWorld, useWorldOf } from '../world.js';
import type {
  AdapterDriver,
  GateSource,
  SeatApp,
  SeatAppOptions,
  ServedApp,
  TierApp,
  WorkApp,
  WorkAppOptions,
} from './driver.js';

/**
 * The world of one table test: the testkit's world, plus the apps its driver served, closed after
 * the test (connections dropped first, so a request a test left waiting cannot hold the close up).
 */
export class TableWorld extends AdapterWorld {
  readonly driver: AdapterDriver;
  readonly #apps: ServedApp[] = [];

  constructor(lm: RunningEmulator, driver: AdapterDriver) {
    super(lm);
    this.driver = driver;
  }

  /** The driver's tier app, closed after the test. */
  async tierApp(options: { gate: GateSource }): Promise<TierApp> {
    return this.#served(await this.driver.tierApp(options));
  }

  /** The driver's seat app, closed after the test. */
  async seatApp(options: SeatAppOptions): Promise<SeatApp> {
    return this.#served(await this.driver.seatApp(options));
  }

  /** The driver's work app, closed after the test. */
  async workApp(options: WorkAppOptions): Promise<WorkApp> {
    return this.#served(await this.driver.workApp(options));
  }

  #served<A extends ServedApp>(app: A): A {
    this.#apps.push(app);
    this.track(app.gate);
    return app;
  }

  protected override async closeApps(): Promise<void> {
    for (const app of this.#apps.splice(0)) {
      app.server.closeAllConnections();
      await app.close().catch(() => undefined);
    }
  }
}

/**
 * Mocha hooks for a table: a new emulator and {@link TableWorld} per test, with `licenses` added
 * (and the emulator set up by `emulator`). Read `world()` inside a test.
 */
export function useTableWorld(
  driver: AdapterDriver,
  licenses: () => SeedLicense[] = () => [],
  emulator: Omit<EmulatorOptions, 'host' | 'port'> = {},
): () => TableWorld {
  return useWorldOf((lm) => new TableWorld(lm, driver), licenses, emulator);
}
