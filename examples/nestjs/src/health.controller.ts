import { Controller, Get, Inject } from '@nestjs/common';
import { HealthCheck, HealthCheckService, type HealthCheckResult } from '@nestjs/terminus';
import { LicenseGateHealthIndicator } from '@licensegate/nestjs/terminus';

/** Both gates of the demo. */
const GATES = ['tiers', 'usage'];

/**
 * Kubernetes probes through `@nestjs/terminus`: liveness is 503 only when a gate is stopped
 * (restart the pod); readiness also when the licensed routes would refuse everyone (no license,
 * expired, the `deny` policy while License Manager cannot be reached).
 */
@Controller()
export class HealthController {
  constructor(
    @Inject(HealthCheckService) private readonly health: HealthCheckService,
    @Inject(LicenseGateHealthIndicator) private readonly licensegate: LicenseGateHealthIndicator,
  ) {}

  @Get('healthz')
  @HealthCheck()
  live(): Promise<HealthCheckResult> {
    return this.health.check([() => this.licensegate.isLive('licensegate', { gates: GATES })]);
  }

  @Get('readyz')
  @HealthCheck()
  ready(): Promise<HealthCheckResult> {
    return this.health.check([() => this.licensegate.isReady('licensegate', { gates: GATES })]);
  }
}
