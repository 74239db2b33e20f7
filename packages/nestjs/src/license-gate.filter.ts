import { Catch, type ArgumentsHost } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { LicenseGateError } from '@licensegate/core';
import { PROBLEM_CONTENT_TYPE } from '@licensegate/core/http';

import { LicenseGateException } from './license-gate.exception.js';
import { nodeResponse } from './node-exchange.js';

/**
 * Answers licensegate denials as RFC 9457 `application/problem+json`, with `Retry-After` where it
 * means something, and no stack trace: a `LicenseGateException` (what the guard and the interceptor
 * throw), or a licensegate error thrown by a handler (e.g. `service.assertTier('Premium')`).
 * Any other error, including a licensegate error that is not a denial, goes to Nest's default
 * handling. `LicenseGateModule` registers this filter globally; a filter of your own on a
 * controller or a method (`@UseFilters`) that catches `LicenseGateException` comes first.
 */
@Catch(LicenseGateException, LicenseGateError)
export class LicenseGateExceptionFilter extends BaseExceptionFilter {
  /** Answers a denial as problem+json; passes anything else to Nest's default handling. */
  override catch(exception: unknown, host: ArgumentsHost): void {
    const denial = exception instanceof LicenseGateException ? exception : LicenseGateException.from(exception);
    if (denial === undefined || host.getType() !== 'http') return super.catch(exception, host);
    const response = host.switchToHttp().getResponse<object>();
    const adapter = this.httpAdapterHost?.httpAdapter ?? this.applicationRef;
    if (adapter === undefined) {
      // No HTTP adapter to write through: write Node's response (Fastify's reply wraps it).
      const node = nodeResponse(response);
      if (node.headersSent) return void node.end();
      node.statusCode = denial.problem.status;
      node.setHeader('Content-Type', PROBLEM_CONTENT_TYPE);
      if (denial.retryAfterSeconds !== undefined) node.setHeader('Retry-After', String(denial.retryAfterSeconds));
      return void node.end(JSON.stringify(denial.problem));
    }
    if (adapter.isHeadersSent(response)) return void adapter.end(response);
    adapter.setHeader(response, 'Content-Type', PROBLEM_CONTENT_TYPE);
    if (denial.retryAfterSeconds !== undefined)
      adapter.setHeader(response, 'Retry-After', String(denial.retryAfterSeconds));
    // The problem goes as JSON text: Nest 11's Express adapter rewrites the Content-Type of an error
    // reply whose body is an object to application/json; a text body keeps application/problem+json.
    adapter.reply(response, JSON.stringify(denial.problem), denial.problem.status);
  }
}
