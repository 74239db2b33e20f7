import { HttpException } from '@nestjs/common';
import type { LicenseGateError } from '@licensegate/core';
import { problemFor, type Problem } from '@licensegate/core/http';

/**
 * A licensegate denial as a Nest `HttpException`: its status is the problem's (403, 402, 429, 503,
 * or 500 for a bad units value from the app), and its response body is the RFC 9457 problem. So
 * any exception filter that handles `HttpException` answers with the right status;
 * `LicenseGateExceptionFilter` answers it as `application/problem+json` with `Retry-After`.
 */
export class LicenseGateException extends HttpException {
  /** The problem document, as `problemFor()` in `@licensegate/core` makes it. */
  readonly problem: Problem;
  /** `Retry-After` in seconds, where it means something (503, and 429 after waiting for a seat). */
  readonly retryAfterSeconds: number | undefined;
  /** The licensegate error behind the denial. */
  readonly error: LicenseGateError;

  constructor(error: LicenseGateError, problem: Problem, retryAfterSeconds: number | undefined) {
    super({ ...problem }, problem.status, { cause: error });
    this.problem = problem;
    this.retryAfterSeconds = retryAfterSeconds;
    this.error = error;
  }

  /** The exception for a licensegate denial, or `undefined` for any other error. */
  static from(error: unknown): LicenseGateException | undefined {
    const answer = problemFor(error);
    return answer === undefined
      ? undefined
      : new LicenseGateException(error as LicenseGateError, answer.problem, answer.retryAfterSeconds);
  }
}
