import type { FastifyReply, FastifyRequest, onRequestHookHandler, preHandlerHookHandler } from 'fastify';
import type { LicenseGate } from '@licensegate/core';
import { DrawdownStep, type NodeExchange } from '@licensegate/core/http';

import { deny } from './deny.js';
import type { DrawdownRouteConfig } from './route-config.js';

/** Whether a finished response is charged (the plugin's `chargeWhen`). */
export type ChargeWhen = (request: FastifyRequest, reply: FastifyReply) => boolean;

/** Fastify wraps Node's request and response: the drawdown step watches those. */
function nodeOf(request: FastifyRequest, reply: FastifyReply): NodeExchange {
  return { req: request.raw, res: reply.raw };
}

/**
 * The `onRequest` hook of a route with `tier`: the gate's compiled check (an unknown tier throws
 * here, at route registration), a 403 / 503 problem answer when it refuses.
 */
export function tierHook(gate: LicenseGate, tier: string): onRequestHookHandler {
  const check = gate.tierCheck(tier);
  return function licensegateTier(request, reply, done) {
    const decision = check();
    if (decision.allowed) return done();
    deny(gate, request, reply, done, decision.error);
  };
}

/**
 * The `preHandler` hook of a route with `drawdown` (after body parsing, so the units function can
 * read the body): the route's {@link DrawdownStep}, made here so that an unknown dimension or bad
 * units throw at route registration; the charge opens before the handler and settles when the
 * response is done.
 */
export function drawdownHook(
  gate: LicenseGate,
  { dimension, units }: DrawdownRouteConfig,
  chargeWhen: ChargeWhen | undefined,
): preHandlerHookHandler {
  const step = new DrawdownStep<FastifyRequest, FastifyReply>(gate, dimension, units, { chargeWhen, node: nodeOf });
  return function licensegateDrawdown(request, reply, done) {
    let opened: Promise<boolean> | undefined;
    try {
      opened = step.open(request, reply);
    } catch (error) {
      return deny(gate, request, reply, done, error);
    }
    if (opened === undefined) return done(); // the hot path: the units are held, the handler runs now
    opened.then(
      (go) => {
        if (go) done(); // else the client left while the units were being held: nothing to answer
      },
      (error: unknown) => deny(gate, request, reply, done, error),
    );
  };
}
