import type { LicenseGate } from '@licensegate/core';
import type { RequestLicense } from '@licensegate/core/http';

import type { LicenseGateRouteConfig } from './route-config.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** What the route asks of the license: `{ tier: 'Premium' }`, `{ seat: 'acquire' }`, `{ drawdown: { dimension, units } }`. */
    licensegate?: LicenseGateRouteConfig;
  }

  interface FastifyInstance {
    /**
     * The gate behind `licenseGatePlugin`: the one handed in, or the one it made from options (e.g.
     * for `gate.status()` in a readiness route). Decorated on the scope the plugin is registered in.
     */
    readonly licenseGate: LicenseGate;
  }

  interface FastifyRequest {
    /**
     * licensegate's view of the request: the tier granted now, a tier check, and the session's seat
     * when a seat step of the route ran. Decorated by
     * `licenseGatePlugin` on the scope it is registered in (and the scopes under it).
     */
    readonly license: RequestLicense;
  }
}
