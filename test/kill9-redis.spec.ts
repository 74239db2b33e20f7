// kill -9 through a real HTTP app on the Redis store: see kill-support/kill-suite.ts for what is
// checked, and test/README.md for the figures of a long run (LG_KILL_ROUNDS=100).
import { describeKillSuite } from './kill-support/kill-suite.js';
import { RedisKillStore } from './kill-support/kill-stores.js';

describeKillSuite(new RedisKillStore());
