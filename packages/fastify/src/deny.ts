import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { LicenseGate } from '@licensegate/core';
import { answerDenial, PROBLEM_CONTENT_TYPE } from '@licensegate/core/http';

/**
 * Answers a licensegate error from a route hook: an RFC 9457 `application/problem+json` reply
 * (403, 402, 429 or 503 with `Retry-After`) with a stable `type` per cause and no stack trace.
 * Errors that are not denials go to `done(error)`, so Fastify's error handling answers them.
 */
export function deny(
  gate: LicenseGate,
  request: FastifyRequest,
  reply: FastifyReply,
  done: HookHandlerDoneFunction,
  error: unknown,
): void {
  const path = request.url.split('?', 1)[0];
  const answer = answerDenial(gate, error, path);
  if (answer === undefined) return done(error as Error); // the app's own error (e.g. thrown by its units function)
  if (reply.sent) return;
  if (answer.retryAfterSeconds !== undefined) reply.header('retry-after', String(answer.retryAfterSeconds));
  // A hook that replies does not call done(): Fastify skips the rest of the route then.
  void reply.code(answer.problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(answer.problem));
}
