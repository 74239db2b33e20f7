/**
 * The world of the Express adapter's suites: `@licensegate/testkit`'s world (emulator, ManualClock,
 * gates over the real AWS SDK, capturing logger, seed licenses, assertions), serving real Express 5
 * apps on a loopback port for supertest and raw `node:http` requests.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { SeedLicense } from '@licensegate/emulator';
import { AdapterWorld, useWorldOf } from '@licensegate/testkit';
import type { Express } from 'express';

export * from '@licensegate/testkit';

/** A running test app: its base URL, for supertest and raw requests. */
export interface Served {
  readonly server: Server;
  readonly url: string;
  readonly port: number;
}

/** The test's world; see {@link useWorld}. */
export class World extends AdapterWorld {
  readonly #servers: Server[] = [];

  /** Serves `app` on a loopback port until the end of the test. */
  async serve(app: Express): Promise<Served> {
    const server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.#servers.push(server);
    const { port } = server.address() as AddressInfo;
    return { server, port, url: `http://127.0.0.1:${port}` };
  }

  protected override async closeApps(): Promise<void> {
    for (const server of this.#servers.splice(0)) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }
}

/** Mocha hooks: a new emulator and world per test, closed after it. Read `world()` inside a test. */
export function useWorld(licenses: () => SeedLicense[] = () => []): () => World {
  return useWorldOf((lm) => new World(lm), licenses);
}
