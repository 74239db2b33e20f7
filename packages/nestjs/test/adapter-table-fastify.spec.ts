/**
 * The adapter table (`@licensegate/testkit`) against `@licensegate/nestjs` on Nest's Fastify
 * platform: the same scenarios as `adapter-table.spec.ts`, through real Nest 12 apps on
 * `@nestjs/platform-fastify`.
 */
import { runAdapterTable } from '@licensegate/testkit';

import { nestFastifyDriver } from './support/nest-fastify-driver.js';

runAdapterTable(nestFastifyDriver);
