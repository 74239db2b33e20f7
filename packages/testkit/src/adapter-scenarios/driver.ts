/**
 * What the adapter table needs of an adapter: an {@link AdapterDriver} builds three small apps —
 * tier routes, seat routes with sessions, a drawdown route — on a gate, serves each on 127.0.0.1,
 * and closes it the way the adapter's README shuts down. The scenarios drive those apps over HTTP
 * only, so they hold nothing of any framework; adding an adapter is writing its driver.
 */
import type { Server } from 'node:http';

import type { LicenseGate, LicenseGateOptions } from '@licensegate/core';

import type { Probe } from './probe.js';

/** The gate an app is built on: one the test made (and may have started), or the options the adapter makes one from. */
export type GateSource = LicenseGate | LicenseGateOptions;

/** An app the driver serves on a loopback port. */
export interface ServedApp {
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** The HTTP server behind `url` (the table drops its connections after each test). */
  readonly server: Server;
  /** The gate the app uses: the one it was given, or the one the adapter made from the options. */
  readonly gate: LicenseGate;
  /**
   * Shuts the app down as the adapter's README says: the server stops taking connections, the
   * requests in flight finish, then the gate stops (drawdown units reported, seats returned).
   */
  close(): Promise<void>;
}

/**
 * The tier app. Routes: `GET /basic`, `/intermediate` and `/premium`, each requiring that tier
 * (the tiers of `TIERS`) and answering what the handler sees of the request's license as JSON
 * (a {@link LicenseView}); `GET /status`: the gate status as JSON (200 while the gate runs, 503
 * otherwise).
 */
export interface TierApp extends ServedApp {
  /** The tiers whose handler ran, in order. */
  readonly served: readonly string[];
}

/** What a tier route's handler answers: the request's license as the adapter shows it to the handler. */
export interface LicenseView {
  readonly tier: string | null;
  readonly hasPremium: boolean;
  readonly hasBasic: boolean;
  readonly seat: unknown;
}

/** How the seat app is built. */
export interface SeatAppOptions {
  readonly gate: GateSource;
  /** The seat key: the session (the adapter's default) or the session's user (a user's sessions share one seat). */
  readonly seatKey?: 'session' | 'user';
  /** The holder details shown by `gate.seats.held()`: none, or `{ user }` of the session. */
  readonly seatInfo?: 'user';
  /**
   * The session store behind the adapter's seat-aware wrapper: the framework's in-memory store
   * (default), or one that keeps its sessions in an ES private field.
   */
  readonly sessionStore?: 'memory' | 'private-field';
}

/**
 * The seat app, with sessions (cookie-based) through the adapter's seat-aware session store.
 * Routes, each answering JSON:
 * - `POST /login` with `{ "user": name }`: the app's own login puts the user in the session (a
 *   400 `{ error: 'send {"user": "name"}' }` without one, before any seat step), then a seat is
 *   taken; answers `{ user, sid, seat }` (`seat`: the key of the request's seat, or null).
 * - `POST /regenerate`: a new session id for the same user; answers `{ before, after }`.
 * - `POST /logout`: the seat is returned; answers `{ loggedOut: true, sid, seat }` (the request's seat after it: null).
 * - `POST /destroy`: destroys the session; answers `{ destroyed: true }`.
 * - `GET /app`: requires a seat; answers `{ user, sid, seat, holders }`.
 * - `GET /status`: the gate status as JSON.
 */
export interface SeatApp extends ServedApp {
  /** Responses closed so far (finished or aborted by the client). */
  closed(): number;
  /** Sessions the session store holds now. */
  sessions(): Promise<number>;
}

/** The units of the drawdown route. */
export type WorkUnits =
  | number
  /** A function of the request, read when the request is admitted, from its query string. */
  | { readonly ofRequest: (query: Readonly<Record<string, string | undefined>>) => unknown }
  /** A function of the finished response (the adapter's two-argument form), from a response header. */
  | { readonly ofResponse: (header: (name: string) => string | undefined) => unknown };

/** How the work app is built. */
export interface WorkAppOptions {
  readonly gate: GateSource;
  /** The drawdown dimension of the route. */
  readonly dimension: string;
  readonly units: WorkUnits;
  /** Counts what the app saw; its `before` and `hold` make requests wait. */
  readonly probe: Probe;
  /** Which finished responses are charged, by their status; the adapter's default when absent. */
  readonly chargeWhen?: (status: number) => boolean;
}

/**
 * The work app: `POST /work` charges `units` of `dimension`. First, before anything else, each
 * request counts as arrived and its response's close is counted (`probe.arrived`, `probe.closed`);
 * then an app step before the drawdown step waits for `probe.before` when set (a slow auth step);
 * then the drawdown step; then the handler counts `probe.handled` and does what the query says:
 * `?hold=1` waits for `probe.hold`; `?throw=1` fails with an error of its own (a 500 from the app);
 * `?used=N` sets the response header `x-units-used: N`; `?status=S` answers S (a 3xx redirects to
 * `/elsewhere`); otherwise 200 `{ done: true }`.
 */
export type WorkApp = ServedApp;

/** The answer an app gives to an error of its own (not a licensegate one). */
export interface AppErrorAnswer {
  readonly status: number;
  /** The JSON body, compared exactly. */
  readonly body: unknown;
}

/** One adapter, as the adapter table drives it. */
export interface AdapterDriver {
  /** The adapter's name, in the table's describe titles: `adapter table [express] …`. */
  readonly name: string;
  /** Builds and serves the tier app. */
  tierApp(options: { readonly gate: GateSource }): Promise<TierApp>;
  /** Builds and serves the seat app. */
  seatApp(options: SeatAppOptions): Promise<SeatApp>;
  /** Builds and serves the work app. */
  workApp(options: WorkAppOptions): Promise<WorkApp>;
  /** What the work app answers when its units function throws `new Error(message)`. */
  appError(message: string): AppErrorAnswer;
}
