/**
 * The adapter table (`@licensegate/testkit`) against `@licensegate/nestjs`: every tier, seat,
 * drawdown, error and graceful-stop scenario the adapters share, through real Nest 12 apps on the
 * Express platform.
 */
import { runAdapterTable } from '@licensegate/testkit';

import { nestDriver } from './support/nest-driver.js';

runAdapterTable(nestDriver);
