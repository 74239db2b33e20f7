/**
 * End to end: the Express demo app (examples/express) built as its main.ts builds it, through the demo
 * table (support/demo-scenarios.ts) that every example passes alike.
 */
import { runDemoTable } from './support/demo-scenarios.js';
import { expressDemoDriver } from './support/express-demo-driver.js';

runDemoTable(expressDemoDriver);
