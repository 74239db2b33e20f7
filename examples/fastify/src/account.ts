import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { LicenseGate } from '@licensegate/core';
import { licenseGatePlugin } from '@licensegate/fastify';

import { BACKUP_GB, backupSize, checkBackupSize } from './backup-size.js';

declare module 'fastify' {
  interface Session {
    /** Who logged in with this session (the demo's login takes any name). */
    user?: string;
  }
}

/**
 * The demo's login, the route's own `preHandler`: a user name from the JSON body (400 without
 * one), then a new session id (session fixation) with the user in it.
 */
async function logIn(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const body = request.body as { user?: unknown } | undefined;
  const user = typeof body?.user === 'string' && body.user !== '' ? body.user : undefined;
  if (user === undefined) {
    await reply.code(400).send({ error: 'send {"user": "name"}' });
    return;
  }
  await request.session.regenerate();
  request.session.set('user', user);
}

/**
 * The routes of the configurable product, in a scope gated by the `usage` gate: login and logout,
 * the logged-in area, and the backup that costs `DataConsumption` units by size.
 */
export const accountRoutes: FastifyPluginAsync<{ gate: LicenseGate }> = async (scope, { gate }) => {
  await scope.register(licenseGatePlugin, { gate, seatInfo: (request) => ({ user: request.session.get('user') }) });
  scope.decorateRequest(BACKUP_GB, 0);

  scope.post('/login', { preHandler: logIn, config: { licensegate: { seat: 'acquire' } } }, async (request) => ({
    loggedIn: request.session.get('user'),
    seat: request.license.seat?.key !== undefined,
  }));
  scope.post('/logout', { config: { licensegate: { seat: 'release' } } }, async (request) => {
    await request.session.destroy();
    return { loggedOut: true };
  });
  scope.get('/app', { config: { licensegate: { seat: 'require' } } }, async (request) => ({
    area: 'members only',
    user: request.session.get('user'),
  }));

  scope.post(
    '/backup',
    {
      // The size is checked first (400, nothing charged); then the charge, known up front: held
      // before the handler runs (a size larger than what is left: 402, nothing done).
      preHandler: checkBackupSize,
      config: { licensegate: { drawdown: { dimension: 'DataConsumption', units: (request) => backupSize(request) } } },
    },
    async (request) => ({ backedUp: backupSize(request), unit: 'GB' }),
  );
};
