import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { LicenseGate } from '@licensegate/core';
import { answerDenial, PROBLEM_CONTENT_TYPE } from '@licensegate/core/http';

/**
 * Answers a licensegate denial: an RFC 9457 `application/problem+json` reply (403, 402, 429 or 503
 * with `Retry-After`) with a stable `type` per cause and no stack trace.
 * @returns whether `error` was a denial (answered, unless the reply was sent already); `false` for
 *   any other error, which the caller hands to Fastify's error handling
 */
export function answerProblem(
  gate: LicenseGate,
  request: FastifyRequest,
  reply: FastifyReply,
  error: unknown,
): boolean {
  const answer = answerDenial(gate, error, request.url.split('?', 1)[0]);
  if (answer === undefined) return false; // the app's own error (e.g. thrown by its units function)
  if (reply.sent) return true;
  if (answer.retryAfterSeconds !== undefined) reply.header('retry-after', String(answer.retryAfterSeconds));
  void reply.code(answer.problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(answer.problem));
  return true;
}

/**
 * {@link answerProblem} from a route hook. Errors that are not denials go to `done(error)`, so
 * Fastify's error handling answers them; a hook that replies does not call `done()`, and Fastify
 * skips the rest of the route.
 */
export function deny(
  gate: LicenseGate,
  request: FastifyRequest,
  reply: FastifyReply,
  done: HookHandlerDoneFunction,
  error: unknown,
): void {
  if (!answerProblem(gate, request, reply, error)) done(error as Error);
}
