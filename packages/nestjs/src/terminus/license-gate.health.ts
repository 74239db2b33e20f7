import { Inject, Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { isLicenseGate, type LicenseGate } from '@licensegate/core';
import { HealthCheck, type HealthCheckOptions, type HealthReport } from '@licensegate/core/http';

import { DEFAULT_GATE_NAME } from '../license-gate.constants.js';
import { moduleError, optionsError } from '../license-gate.errors.js';
import { getLicenseGateToken } from '../license-gate.tokens.js';

/** Options of {@link LicenseGateHealthIndicator}'s checks. */
export interface LicenseGateIndicatorOptions extends Omit<HealthCheckOptions, 'probe'> {
  /** The gates checked, by their `LicenseGateModule.forRoot({ name })`. Default: the default gate. */
  readonly gates?: readonly string[];
}

/**
 * What the indicator adds to terminus's result under its key: each gate's `gate.health()`. (The
 * checks are typed `HealthIndicatorResult<Key>` of the terminus installed: 11 has no `degraded`.)
 */
export type LicenseGateIndicatorData = Pick<HealthReport, 'gates'>;

/**
 * A health indicator in the `@nestjs/terminus` style over the app's gates: `isReady()` is down
 * when a gate's licensed routes would refuse everyone (not started, no license, expired, `deny`
 * during an outage, the grace over, a drawdown pool used up), `isLive()` only when a gate is
 * stopped. Terminus's `HealthCheckService` then answers 503. While a gate serves in grace (or seats
 * are all in use) the indicator is `degraded` (terminus 12) or `up` (terminus 11): 200.
 *
 * Add it to the `providers` of a module that imports `TerminusModule`.
 *
 * @example
 * ```ts
 * @Get('readyz') @HealthCheck()
 * ready() { return this.health.check([() => this.licensegate.isReady('licensegate', { gates: ['tiers'] })]); }
 * ```
 */
@Injectable()
export class LicenseGateHealthIndicator {
  readonly #indicators: HealthIndicatorService;
  readonly #modules: ModuleRef;
  readonly #gates = new Map<string, LicenseGate>();

  constructor(
    @Inject(HealthIndicatorService) indicators: HealthIndicatorService,
    @Inject(ModuleRef) modules: ModuleRef,
  ) {
    this.#indicators = indicators;
    this.#modules = modules;
  }

  /**
   * Readiness: down when a gate's licensed routes would refuse everyone.
   * @throws LicenseGateConfigurationError `ERR_LG_UNKNOWN_GATE` for a gate name no module registered, `ERR_LG_OPTIONS` for bad options
   */
  isReady<const Key extends string>(key: Key, options: LicenseGateIndicatorOptions = {}): HealthIndicatorResult<Key> {
    return this.#check(key, options, 'readiness');
  }

  /**
   * Liveness: down when a gate is stopped (or failed to start); a gate that refuses everyone is live.
   * @throws LicenseGateConfigurationError `ERR_LG_UNKNOWN_GATE`, `ERR_LG_OPTIONS`
   */
  isLive<const Key extends string>(key: Key, options: LicenseGateIndicatorOptions = {}): HealthIndicatorResult<Key> {
    return this.#check(key, options, 'liveness');
  }

  #check<const Key extends string>(
    key: Key,
    options: LicenseGateIndicatorOptions,
    probe: 'readiness' | 'liveness',
  ): HealthIndicatorResult<Key> {
    if (options === null || typeof options !== 'object') {
      throw optionsError(
        'ERR_LG_OPTIONS',
        `LicenseGateHealthIndicator takes { gates?, models?, showErrors? }; got ${String(options)}.`,
      );
    }
    const { gates: names = [DEFAULT_GATE_NAME], ...rest } = options;
    if (!Array.isArray(names) || names.length === 0 || names.some((n) => typeof n !== 'string')) {
      throw optionsError(
        'ERR_LG_OPTIONS',
        `LicenseGateHealthIndicator: gates must be a list of gate names; got ${JSON.stringify(names)}.`,
      );
    }
    const gates = Object.fromEntries(names.map((name) => [name, this.#gate(name)]));
    const { statusCode, body } = new HealthCheck(gates, { ...rest, probe }, 'LicenseGateHealthIndicator').answer();
    const session = this.#indicators.check(key);
    const data = { gates: body.gates };
    if (statusCode !== 200) return session.down(data);
    if (body.status === 'warn' && typeof session.degraded === 'function') return session.degraded(data);
    return session.up(data);
  }

  #gate(name: string): LicenseGate {
    const known = this.#gates.get(name);
    if (known !== undefined) return known;
    let gate: unknown;
    try {
      gate = this.#modules.get(getLicenseGateToken(name), { strict: false });
    } catch {
      gate = undefined;
    }
    if (!isLicenseGate(gate)) {
      throw moduleError(
        'ERR_LG_UNKNOWN_GATE',
        `LicenseGateHealthIndicator: no gate is named ${JSON.stringify(name)}: register LicenseGateModule.forRoot({ name: ${JSON.stringify(name)}, gate }) or check the gates option.`,
      );
    }
    this.#gates.set(name, gate);
    return gate;
  }
}
