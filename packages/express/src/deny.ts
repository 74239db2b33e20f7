import type { NextFunction, Request, Response } from 'express';
import type { LicenseGate, LicenseGateError } from '@licensegate/core';
import { answerDenial, PROBLEM_CONTENT_TYPE } from '@licensegate/core/http';

/** Answers a denial your own way (an HTML page, a redirect); call `next(error)` to pass it on. */
export type DeniedHandler = (req: Request, res: Response, next: NextFunction, error: LicenseGateError) => void;

/**
 * Answers a licensegate error: the app's `onDenied` if it has one, else an RFC 9457
 * `application/problem+json` answer (403, 402, 429 or 503 with `Retry-After`) with a stable `type`
 * per cause and no stack trace. Errors that are not denials go to `next(error)`.
 */
export function deny(
  gate: LicenseGate,
  onDenied: DeniedHandler | undefined,
  req: Request,
  res: Response,
  next: NextFunction,
  error: unknown,
): void {
  const answer = answerDenial(gate, error, req.path);
  if (answer === undefined) return next(error);
  if (onDenied !== undefined) return onDenied(req, res, next, error as LicenseGateError);
  if (res.headersSent) return next(error);
  if (answer.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(answer.retryAfterSeconds));
  res.status(answer.problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(answer.problem));
}
