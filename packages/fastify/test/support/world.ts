/**
 * The world of the Fastify plugin's suites: `@licensegate/testkit`'s world — emulator, ManualClock,
 * gates over the real AWS SDK, capturing logger, seed licenses, assertions — plus Fastify apps
 * served on 127.0.0.1 and closed after each test, before the gates stop.
 */
import type { SeedLicense } from '@licensegate/emulator';
import { AdapterWorld, useWorldOf } from '@licensegate/testkit';
import Fastify, { type FastifyInstance } from 'fastify';

export * from '@licensegate/testkit';

/** The testkit's world, with the Fastify apps of the test. */
export class FastifyWorld extends AdapterWorld {
  readonly #apps: FastifyInstance[] = [];

  /** A new Fastify app (no logger), closed after the test. */
  app(): FastifyInstance {
    const app = Fastify({ logger: false });
    this.#apps.push(app);
    return app;
  }

  /** Serves `app` on a loopback port; answers its `http://127.0.0.1:PORT`. */
  async serve(app: FastifyInstance): Promise<string> {
    return app.listen({ host: '127.0.0.1', port: 0 });
  }

  protected override async closeApps(): Promise<void> {
    for (const app of this.#apps.splice(0)) {
      app.server.closeAllConnections();
      await app.close().catch(() => undefined);
    }
  }
}

/** Mocha hooks: a new emulator and world per test, closed after it. Read `world()` inside a test. */
export function useWorld(licenses: () => SeedLicense[] = () => []): () => FastifyWorld {
  return useWorldOf((lm) => new FastifyWorld(lm), licenses);
}
