import type { preHandlerHookHandler } from 'fastify';
import type { LicenseGate, TierDecision } from '@licensegate/core';

import { deny } from './deny.js';

/**
 * The tier check of a route that also has a seat step, as a `preHandler` hook placed before the
 * seat's, so that a refused request takes no seat: a 403 / 503 problem answer when it refuses. A
 * route without a seat step runs its check in its handler instead (see `licensedHandler`).
 * @param check - the gate's compiled check (`gate.tierCheck(tier)`)
 */
export function tierHook(gate: LicenseGate, check: () => TierDecision): preHandlerHookHandler {
  return function licensegateTier(request, reply, done) {
    const decision = check();
    if (decision.allowed) return done();
    deny(gate, request, reply, done, decision.error);
  };
}
