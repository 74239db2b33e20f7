import { Inject } from '@nestjs/common';

import { DEFAULT_GATE_NAME } from './license-gate.constants.js';

/**
 * The injection token of a gate's `LicenseGate` (from `@licensegate/core`). Tokens are
 * `Symbol.for()` keys, so the same name always gives the same token.
 *
 * @param name - the gate's name in `LicenseGateModule.forRoot({ name })`; default `'default'`
 */
export function getLicenseGateToken(name: string = DEFAULT_GATE_NAME): symbol {
  return Symbol.for(`licensegate:gate:${name}`);
}

/** The injection token of a gate's {@link LicenseGateService}. */
export function getLicenseGateServiceToken(name: string = DEFAULT_GATE_NAME): symbol {
  return Symbol.for(`licensegate:service:${name}`);
}

/** The injection token of a gate's module options, as checked (`LicenseGateModuleOptions`). */
export function getLicenseGateOptionsToken(name: string = DEFAULT_GATE_NAME): symbol {
  return Symbol.for(`licensegate:options:${name}`);
}

/** The default gate's `LicenseGate`. */
export const LICENSE_GATE: symbol = getLicenseGateToken();

/** The default gate's module options. */
export const LICENSE_GATE_OPTIONS: symbol = getLicenseGateOptionsToken();

/**
 * Injects a gate's `LicenseGate`.
 *
 * @example
 * ```ts
 * constructor(@InjectLicenseGate() private readonly gate: LicenseGate) {}
 * ```
 */
export function InjectLicenseGate(name?: string): PropertyDecorator & ParameterDecorator {
  return Inject(getLicenseGateToken(name));
}

/**
 * Injects the {@link LicenseGateService} of a named gate (the default gate's service is also
 * injectable by its class).
 */
export function InjectLicenseGateService(name?: string): PropertyDecorator & ParameterDecorator {
  return Inject(getLicenseGateServiceToken(name));
}
