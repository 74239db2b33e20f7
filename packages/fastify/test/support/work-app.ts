/**
 * An app with one drawdown route, `POST /work`, as the adapter table's `WorkApp` describes it: a
 * probe counts what happened, an app `preHandler` before the drawdown step can make requests wait,
 * and the handler does what the query says (`?status=`, `?throw=1`, `?hold=1`, `?used=`).
 */
import type { Probe } from '@licensegate/testkit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import type { DrawdownUnits } from '../../src/index.js';

/** Adds the probe's counting hook to `app` (before anything else). */
export function countArrivals(app: FastifyInstance, probe: Probe): void {
  app.addHook('onRequest', (request, _reply, done) => {
    probe.arrived++;
    _reply.raw.on('close', () => probe.closed++);
    done();
  });
}

/** Adds `POST /work` to `app` (the plugin registered): `dimension` charged `units`; errors answered `500 { error }`. */
export function workRoutes(app: FastifyInstance, dimension: string, units: DrawdownUnits, probe: Probe): void {
  app.setErrorHandler(async (error: Error, _request, reply) => reply.code(500).send({ error: error.message }));
  app.post(
    '/work',
    {
      preHandler: (_request, _reply, done) => {
        if (probe.before === undefined) return done();
        probe.before.then(() => done(), done);
      },
      config: { licensegate: { drawdown: { dimension, units } } },
    },
    async (request: FastifyRequest, reply: FastifyReply) => {
      probe.handled++;
      const query = request.query as Record<string, string | undefined>;
      if (query['hold'] !== undefined) await probe.hold.promise;
      if (query['throw'] !== undefined) throw new Error('the work failed');
      if (typeof query['used'] === 'string') void reply.header('x-units-used', query['used']);
      const status = Number(query['status'] ?? 200);
      if (status >= 300 && status < 400) return reply.redirect('/elsewhere', status);
      return reply.code(status).send({ done: true });
    },
  );
}
