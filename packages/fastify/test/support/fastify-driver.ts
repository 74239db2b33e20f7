/**
 * The adapter table's driver for `@licensegate/fastify`: the tier, seat and work routes of
 * `./tier-app.js`, `./seat-app.js` and `./work-app.js` behind `licenseGatePlugin`, served on
 * 127.0.0.1, and closed with the README's shutdown recipe — `await app.close()` (the requests in
 * flight finish), then `await gate.stop()` (the plugin's `onClose` does it for a gate it made).
 */
import type { Server } from 'node:http';

import { LicenseGate } from '@licensegate/core';
import type { AdapterDriver, GateSource, ServedApp, WorkUnits } from '@licensegate/testkit';
import { fastifySessionStoreOf } from '@licensegate/testkit/fastify-session';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';

import { licenseGatePlugin, type DrawdownUnits, type LicenseGatePluginOptions } from '../../src/index.js';
import { byUser, seatRoutes, sessions } from './seat-app.js';
import { tierRoutes } from './tier-app.js';
import { countArrivals, workRoutes } from './work-app.js';

/** A query value or a header as a string, or undefined. */
function text(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? String(value[0]) : String(value);
}

/** The table's units as the plugin takes them: a number, `(request) => units` or `(request, reply) => units`. */
export function fastifyUnitsOf(units: WorkUnits): DrawdownUnits {
  if (typeof units === 'number') return units;
  if ('ofRequest' in units) {
    const read = units.ofRequest;
    return (request: FastifyRequest) =>
      read(
        Object.fromEntries(
          Object.entries(request.query as Record<string, unknown>).map(([name, value]) => [name, text(value)]),
        ),
      ) as number;
  }
  const read = units.ofResponse;
  return (_request: FastifyRequest, reply: FastifyReply) => read((name) => text(reply.getHeader(name))) as number;
}

/** A new app with the plugin registered on `gate` (after `before`, e.g. sessions), and its routes added by `routes`. */
async function build(
  gate: GateSource,
  options: Omit<LicenseGatePluginOptions, 'gate'>,
  routes: (app: FastifyInstance) => void,
  before: (app: FastifyInstance) => Promise<void> | void = () => undefined,
): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  await before(app);
  await app.register(licenseGatePlugin, { gate, ...options });
  routes(app);
  return app;
}

/** Serves `app` on a loopback port; closing closes the app, then stops a gate the test handed in. */
async function serve(app: FastifyInstance, source: GateSource): Promise<ServedApp> {
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const gate = app.licenseGate;
  return {
    url,
    server: app.server as Server,
    gate,
    async close() {
      await app.close();
      if (source instanceof LicenseGate) await gate.stop();
    },
  };
}

/** `@licensegate/fastify` with `@fastify/session`, for the adapter table. */
export const fastifyDriver: AdapterDriver = {
  name: 'fastify',

  async tierApp({ gate }) {
    const served: string[] = [];
    const app = await build(gate, {}, (a) => tierRoutes(a, served));
    return { ...(await serve(app, gate)), served };
  },

  async seatApp({ gate, seatKey, seatInfo, sessionStore }) {
    const options: Omit<LicenseGatePluginOptions, 'gate'> = {
      ...(seatKey === 'user' ? { seatKey: byUser } : {}),
      ...(seatInfo === 'user'
        ? { seatInfo: (request: FastifyRequest) => ({ user: request.session.get('user') }) }
        : {}),
    };
    const { store, sessions: count } = fastifySessionStoreOf(sessionStore);
    let closed = 0;
    const app = await build(gate, options, seatRoutes, async (a) => {
      a.addHook('onRequest', (_request, reply, done) => {
        reply.raw.on('close', () => closed++);
        done();
      });
      await sessions(a, store);
    });
    return { ...(await serve(app, gate)), closed: () => closed, sessions: count };
  },

  async workApp({ gate, dimension, units, probe, chargeWhen }) {
    const options =
      chargeWhen === undefined
        ? {}
        : { chargeWhen: (_q: FastifyRequest, reply: FastifyReply) => chargeWhen(reply.statusCode) };
    const app = await build(
      gate,
      options,
      (a) => workRoutes(a, dimension, fastifyUnitsOf(units), probe),
      (a) => countArrivals(a, probe),
    );
    return serve(app, gate);
  },

  appError: (message) => ({ status: 500, body: { error: message } }),
};
