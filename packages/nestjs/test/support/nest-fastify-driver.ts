/**
 * The adapter table's driver for `@licensegate/nestjs` on Nest's Fastify platform
 * (`@nestjs/platform-fastify`): the same apps as on Express (`nestDriverOn`), made with a
 * `FastifyAdapter`, with sessions from @fastify/cookie and @fastify/session registered on the Nest
 * app's Fastify instance (the store as it is: the module makes each session's seat follow it).
 */
import fastifyCookie from '@fastify/cookie';
import fastifySession from '@fastify/session';
import type { AdapterDriver } from '@licensegate/testkit';
import { fastifySessionStoreOf } from '@licensegate/testkit/fastify-session';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';

import { nestDriverOn, type NestPlatform } from './nest-driver.js';

/** Signs the session cookie (@fastify/session wants 32 characters or more). */
const SECRET = 'licensegate-nestjs-fastify-tests-secret';

/** Nest on its Fastify platform, with @fastify/session. */
export const fastifyPlatform: NestPlatform = {
  name: 'nestjs-fastify',
  create: (testing) => testing.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false }),
  async withSessions(app, kind) {
    const nest = app as NestFastifyApplication;
    const { store, sessions } = fastifySessionStoreOf(kind);
    await nest.register(fastifyCookie);
    await nest.register(fastifySession, {
      secret: SECRET,
      saveUninitialized: false,
      cookie: { secure: false, maxAge: 30 * 60_000 },
      store,
    });
    return sessions;
  },
};

/** `@licensegate/nestjs` on the Fastify platform, for the adapter table. */
export const nestFastifyDriver: AdapterDriver = nestDriverOn(fastifyPlatform);
