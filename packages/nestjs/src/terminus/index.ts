/**
 * `@licensegate/nestjs/terminus` — licensegate's health indicator for `@nestjs/terminus` (an
 * optional peer: only this entry loads it; `@licensegate/nestjs` works without it).
 *
 * @packageDocumentation
 */
export {
  LicenseGateHealthIndicator,
  type LicenseGateIndicatorOptions,
  type LicenseGateIndicatorData,
} from './license-gate.health.js';
