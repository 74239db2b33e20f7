/**
 * End to end: the NestJS demo app (examples/nestjs) built as its main.ts builds it, through the demo
 * table (support/demo-scenarios.ts) that every example passes alike.
 */
import { runDemoTable } from './support/demo-scenarios.js';
import { nestjsDemoDriver } from './support/nestjs-demo-driver.js';

runDemoTable(nestjsDemoDriver);
