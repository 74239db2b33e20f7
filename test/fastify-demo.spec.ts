/**
 * End to end: the Fastify demo app (examples/fastify) built as its main.ts builds it, through the demo
 * table (support/demo-scenarios.ts) that every example passes alike.
 */
import { runDemoTable } from './support/demo-scenarios.js';
import { fastifyDemoDriver } from './support/fastify-demo-driver.js';

runDemoTable(fastifyDemoDriver);
