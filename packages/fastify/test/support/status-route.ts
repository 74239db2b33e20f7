import type { FastifyInstance } from 'fastify';

/** `GET /status`: the gate's status as JSON, 200 while it runs, 503 otherwise. */
export function statusRoute(app: FastifyInstance): void {
  app.get('/status', async (_request, reply) => {
    const status = app.licenseGate.status();
    return reply.code(status.state === 'running' ? 200 : 503).send(status);
  });
}
