import type { RequestHandler, Response } from 'express';
import { HealthCheck, type HealthCheckOptions, type HealthGates } from '@licensegate/core/http';

/** Sends a health check's answer: 200 or 503, its JSON body, never cached. */
export function sendHealth(check: HealthCheck, res: Response): void {
  const { statusCode, body } = check.answer();
  res.status(statusCode).set('Cache-Control', 'no-store').json(body);
}

/**
 * A liveness or readiness route over one or more gates (an app with several gates: one route for
 * all). 200 when the probe passes, 503 when it fails; the body is each gate's `gate.health()`.
 * `lg.health()` is the same for one gate. The options are checked here, once.
 *
 * @throws LicenseGateConfigurationError `ERR_LG_OPTIONS` for bad options or something that is not a gate
 *
 * @example
 * ```ts
 * app.get('/healthz', healthCheck({ tiers, usage }, { probe: 'liveness' }));
 * app.get('/readyz', healthCheck({ tiers, usage }, { probe: 'readiness' }));
 * ```
 */
export function healthCheck(gates: HealthGates, options: HealthCheckOptions = {}): RequestHandler {
  const check = new HealthCheck(gates, options, 'healthCheck()');
  return function health(_req, res) {
    sendHealth(check, res);
  };
}
