/**
 * The kill suite's app, run as a CHILD process (several instances at once, one of which the test
 * kills with SIGKILL): a real Express app on @licensegate/express, on the system clock, with
 *
 * - `POST /batch?units=N`: charges N units of a `batch` dimension (small batches, short interval);
 * - `POST /reserve?units=N`: charges N units of a `reserve` dimension (blocks checked out ahead);
 * - `POST /login` `{"user": "..."}`: a new session id, then `acquireSeat()`;
 * - `GET /app`: `requireSeat()`;
 * - `POST /logout`: `releaseSeat()`, then the session is destroyed;
 * - `GET /_block`: the units left in the `reserve` dimension's shared block (read from the store);
 *
 * with sessions in a store every instance shares, and its gate's store chosen by `LG_KILL_STORE`
 * (see app-stores.ts). License Manager is reached at `LG_LM_URL` (the emulator runs in the test).
 *
 * It listens on 127.0.0.1, port 0, and says on standard output, one line each:
 * `listening <port> <instanceId>` once it serves, and `log <level> <json>` for each warning or
 * error of the gate.
 *
 * Environment: LG_KILL_STORE, LG_LM_URL, LG_SKU, and what the store needs.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { createLicenseGate, type Logger } from '@licensegate/core';
import { licenseGate } from '@licensegate/express';
import express, { type Request } from 'express';
import session from 'express-session';

import { env, openAppStores } from './app-stores.js';
import {
  BATCH_INTERVAL_MS,
  BATCH_SIZE,
  BATCH_UNITS,
  BLOCK_UNITS,
  IDLE_TIMEOUT_MS,
  INSTANCE_LEASE_MS,
  RESERVE_UNITS,
  SEATS,
  SESSION_MAX_AGE_MS,
  type KillStoreKind,
} from './kill-config.js';

const say = (line: string): void => void process.stdout.write(`${line}\n`);
const logLine =
  (level: string) =>
  (fields: object, message: string): void =>
    say(`log ${level} ${JSON.stringify({ ...fields, message })}`);
const logger: Logger = { debug: () => {}, info: () => {}, warn: logLine('warn'), error: logLine('error') };

const stores = openAppStores(env('LG_KILL_STORE') as KillStoreKind);
const gate = createLicenseGate({
  productSku: env('LG_SKU'),
  seats: { entitlement: SEATS, idleTimeoutMs: IDLE_TIMEOUT_MS },
  drawdown: {
    [BATCH_UNITS]: { mode: 'batch', batchUnits: BATCH_SIZE, batchIntervalMs: BATCH_INTERVAL_MS },
    [RESERVE_UNITS]: { mode: 'reserve', blockUnits: BLOCK_UNITS },
  },
  store: stores.store,
  client: { endpoint: env('LG_LM_URL'), region: 'us-east-1' },
  instanceLeaseMs: INSTANCE_LEASE_MS,
  retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 50, deadlineMs: 2_000 },
  logger,
});
await gate.start();
const lg = licenseGate(gate);

const app = express();
app.use(express.json());
app.use(
  session({
    secret: 'licensegate-kill-suite-only',
    resave: false,
    saveUninitialized: false,
    store: lg.sessionStore(stores.sessions),
    cookie: { maxAge: SESSION_MAX_AGE_MS },
  }),
);

const unitsOf = (req: Request): number => Number(req.query['units']);
app.post('/batch', lg.drawdown(BATCH_UNITS, unitsOf), (req, res) => {
  res.json({ charged: unitsOf(req) });
});
app.post('/reserve', lg.drawdown(RESERVE_UNITS, unitsOf), (req, res) => {
  res.json({ charged: unitsOf(req) });
});

app.post(
  '/login',
  (req, res, next) => {
    const user = typeof req.body?.user === 'string' && req.body.user !== '' ? (req.body.user as string) : undefined;
    if (user === undefined) return void res.status(400).json({ error: 'send {"user": "name"}' });
    req.session.regenerate((error) => {
      if (error) return next(error);
      (req.session as { user?: string }).user = user;
      next();
    });
  },
  lg.acquireSeat(),
  (req, res) => {
    res.json({ user: (req.session as { user?: string }).user, seat: req.license?.seat?.key });
  },
);
app.get('/app', lg.requireSeat(), (req, res) => {
  res.json({ user: (req.session as { user?: string }).user, seat: req.license?.seat?.key });
});
app.post('/logout', lg.releaseSeat(), (req, res, next) => {
  req.session.destroy((error) => (error ? next(error) : res.json({ loggedOut: true })));
});

// For the test, which cannot open a one-process store while the app holds it: the shared block's units.
app.get('/_block', (_req, res, next) => {
  gate.options.store
    .get<number>(`${env('LG_SKU')}:drawdown`, `block:${RESERVE_UNITS}`)
    .then((record) => res.json({ block: typeof record?.value === 'number' ? record.value : 0 }), next);
});

const server = createServer(app);
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => {
  say(`listening ${(server.address() as AddressInfo).port} ${gate.instanceId}`);
});
