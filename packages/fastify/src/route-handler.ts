import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { LicenseGate, TierDecision } from '@licensegate/core';
import { DrawdownStep } from '@licensegate/core/http';

import { answerProblem } from './deny.js';
import type { DrawdownRouteConfig } from './route-config.js';

/** Whether a finished response is charged (the plugin's `chargeWhen`). */
export type ChargeWhen = (request: FastifyRequest, reply: FastifyReply) => boolean;

/** A route handler as the plugin wraps it (Fastify calls it with the app as `this`). */
export type RouteHandler = (this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) => unknown;

/**
 * A route's drawdown step over Fastify's `request.raw` and `reply.raw`, made when the route is
 * registered, so that an unknown dimension or bad units throw then.
 */
export function drawdownStep(
  gate: LicenseGate,
  { dimension, units }: DrawdownRouteConfig,
  chargeWhen: ChargeWhen | undefined,
): DrawdownStep<FastifyRequest, FastifyReply> {
  return new DrawdownStep<FastifyRequest, FastifyReply>(gate, dimension, units, { chargeWhen, node: 'raw' });
}

/**
 * What the wrapped handler gives Fastify once its charge opened after a wait: the handler's own
 * answer, or, when it answered nothing (it replied, or will reply from a callback), the reply — a
 * thenable Fastify waits on until the response is sent, as an async handler's `return reply`.
 */
function answerOf(result: unknown, reply: FastifyReply): unknown {
  return result === undefined ? reply : result;
}

/**
 * The route's handler with the route's tier check and drawdown charge in front of it, in that
 * order: they run after every hook of the route, right before the handler (the body is parsed and
 * validated by then, so a units function can read it). A refusal is a problem answer (403 / 503 for
 * the tier, 402 / 503 for the charge); any other error is thrown to Fastify's error handling.
 *
 * A wrapper rather than hooks: a route with hooks costs Fastify a hook runner per request, which
 * measured 2–3% of a bare route in bench/fastify.mjs. The hot path (the tier granted from the
 * cached answer, the units held at once) calls the handler in the same tick and hands Fastify its
 * answer unchanged. When the charge must wait (the gate starting, a reservation from the store or
 * License Manager), the handler runs once it opened, and Fastify is given a promise of its answer.
 * @param check - the gate's compiled tier check, or none (the route asks no tier, or its tier is
 *   checked by a hook before its seat step)
 * @param step - the route's drawdown step, or none
 */
export function licensedHandler(
  gate: LicenseGate,
  handler: RouteHandler,
  check: (() => TierDecision) | undefined,
  step: DrawdownStep<FastifyRequest, FastifyReply> | undefined,
): RouteHandler {
  return function licensegateRoute(this: FastifyInstance, request, reply) {
    if (check !== undefined) {
      const decision = check();
      if (!decision.allowed) {
        answerProblem(gate, request, reply, decision.error);
        return undefined;
      }
    }
    if (step === undefined) return handler.call(this, request, reply);
    let opened: Promise<boolean> | undefined;
    try {
      opened = step.open(request, reply);
    } catch (error) {
      if (!answerProblem(gate, request, reply, error)) throw error;
      return undefined;
    }
    if (opened === undefined) return handler.call(this, request, reply); // the hot path: the units are held
    return opened.then(
      // else the client left while the units were being held: nothing runs, no one to answer
      (go) => (go ? answerOf(handler.call(this, request, reply), reply) : reply),
      (error: unknown) => {
        if (!answerProblem(gate, request, reply, error)) throw error;
        return reply;
      },
    );
  };
}
