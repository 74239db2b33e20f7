/**
 * The world of the NestJS adapter's suites: `@licensegate/testkit`'s world (emulator, ManualClock,
 * gates over the real AWS SDK, capturing logger, seed licenses, assertions), serving real Nest 12
 * apps on the Express platform (or, with `serveFastify`, the Fastify platform) on a loopback port
 * for supertest and raw `node:http` requests.
 */
import type { AddressInfo } from 'node:net';

import type { SeedLicense } from '@licensegate/emulator';
import { AdapterWorld, useWorldOf } from '@licensegate/testkit';
import type { INestApplication, ModuleMetadata } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';

import { fastifyPlatform } from './nest-fastify-driver.js';

export * from '@licensegate/testkit';

/** A Nest app served on a loopback port. */
export interface Served {
  readonly app: NestExpressApplication;
  readonly url: string;
}

/** The test's world; see {@link useWorld}. */
export class World extends AdapterWorld {
  readonly #apps: INestApplication[] = [];

  /**
   * Compiles a Nest app from module metadata, lets `setup` configure it (global enhancers,
   * middleware), then initialises it and serves it on a loopback port; closed after the test.
   */
  async serve(metadata: ModuleMetadata, setup?: (app: NestExpressApplication) => void): Promise<Served> {
    const app = await this.create(metadata, setup);
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as AddressInfo;
    return { app, url: `http://127.0.0.1:${port}` };
  }

  /**
   * Compiles a Nest app on the Fastify platform, lets `setup` configure it (register Fastify
   * plugins), then serves it on a loopback port; closed after the test.
   * @returns the app's URL
   */
  async serveFastify(
    metadata: ModuleMetadata,
    setup?: (app: NestFastifyApplication) => void | Promise<void>,
  ): Promise<string> {
    const app = fastifyPlatform.create(await Test.createTestingModule(metadata).compile()) as NestFastifyApplication;
    this.#apps.push(app);
    await setup?.(app);
    await app.listen(0, '127.0.0.1');
    return app.getUrl();
  }

  /** Compiles a Nest app (not initialised), closed after the test. */
  async create(
    metadata: ModuleMetadata,
    setup?: (app: NestExpressApplication) => void,
  ): Promise<NestExpressApplication> {
    const testing = await Test.createTestingModule(metadata).compile();
    const app = testing.createNestApplication<NestExpressApplication>({ logger: false });
    this.#apps.push(app);
    setup?.(app);
    return app;
  }

  /** Closes the apps (which stops their gates). */
  protected override async closeApps(): Promise<void> {
    for (const app of this.#apps.splice(0)) {
      const server = app.getHttpServer() as { closeAllConnections?: () => void } | undefined;
      server?.closeAllConnections?.();
      await app.close().catch(() => undefined);
    }
  }
}

/** Mocha hooks: a new emulator and world per test, closed after it. Read `world()` inside a test. */
export function useWorld(licenses: () => SeedLicense[] = () => []): () => World {
  return useWorldOf((lm) => new World(lm), licenses);
}
