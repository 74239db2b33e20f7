/**
 * What the demo table needs of an example app: a {@link DemoDriver} builds the example's app as its
 * `main.ts` builds it (the gates of the demo products against the emulator, plus the test's clock
 * and a quiet logger), serves it on 127.0.0.1, and stops it as `main.ts` does on Ctrl-C. The
 * scenarios (`./demo-scenarios.ts`) drive the app over HTTP only, so they hold nothing of any
 * framework; adding an example is writing its driver.
 */
import type { Clock, LicenseGate, Logger, UnavailablePolicy } from '@licensegate/core';

/** Where the demo's gates find License Manager, and what the test injects into them. */
export interface DemoWorld {
  /** The emulator's URL, seeded with `packages/emulator/licenses/demo.json`. */
  readonly endpoint: string;
  /** The AWS region the gates sign their calls for. */
  readonly region: string;
  /** The test's clock, for every gate (time passes only when the test moves it). */
  readonly clock: Clock;
  /** The gates' logger (quiet). */
  readonly logger: Logger;
  /** The gates' `onUnavailable` policy, when a scenario sets one (else the example's default). */
  readonly onUnavailable?: UnavailablePolicy;
}

/** A demo app the driver serves on a loopback port. */
export interface ServedDemo {
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** The gate of the tiered product (`lg-demo-tiered`) the app uses. */
  readonly tiers: LicenseGate;
  /** The gate of the configurable product (`lg-demo-configurable`: seats and units) the app uses. */
  readonly usage: LicenseGate;
  /**
   * What the example's `main.ts` does on SIGINT / SIGTERM, short of closing the emulator and
   * exiting: resolves once both gates have stopped (units reported, seats returned). Once only:
   * a second call answers the first one's promise.
   */
  stop(): Promise<void>;
  /** After each test: drops the connections left open, then {@link stop} (if the test did not). */
  dispose(): Promise<void>;
}

/** One example app, as the demo table drives it. */
export interface DemoDriver {
  /** The example's folder, in the table's describe titles: `demo table [examples/express] …`. */
  readonly example: string;
  /** The name of the session cookie the example's session plugin sets at login. */
  readonly sessionCookie: string;
  /** Whether the example serves its own side as a page at `GET /_status`. */
  readonly statusPage?: boolean;
  /** Builds the app as the example's `main.ts` does, on `world`, and serves it on 127.0.0.1. */
  serve(world: DemoWorld): Promise<ServedDemo>;
}

/**
 * Makes `stop` run once: later calls get the first call's promise (the table stops an app in a
 * test, then again after it).
 */
export function runOnce(stop: () => Promise<void>): () => Promise<void> {
  let stopping: Promise<void> | undefined;
  return () => (stopping ??= stop());
}
