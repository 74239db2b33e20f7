/**
 * The adapter table (`@licensegate/testkit`) against `@licensegate/express`: every tier, seat,
 * drawdown, error and graceful-stop scenario the adapters share, through real Express 5 apps.
 */
import { runAdapterTable } from '@licensegate/testkit';

import { expressDriver } from './support/express-driver.js';

runAdapterTable(expressDriver);
