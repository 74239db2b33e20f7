/**
 * The adapter table (`@licensegate/testkit`) against `@licensegate/fastify`: every tier, seat,
 * drawdown, error and graceful-stop scenario the adapters share, through real Fastify 5 apps with
 * `@fastify/session`.
 */
import { runAdapterTable } from '@licensegate/testkit';

import { fastifyDriver } from './support/fastify-driver.js';

runAdapterTable(fastifyDriver);
