import { resolveDrawdownOptions, type ResolvedDrawdownDimension } from './drawdown/drawdown-options.js';
import { resolveGateOptions, resolveProduct, type GateOptions, type ResolvedGateOptions } from './gate-options.js';
import { resolveSeatOptions, type ResolvedSeatOptions, type SeatOptions } from './seats/seat-options.js';
import { resolveTiers } from './tiers/tier-options.js';
import type { DrawdownDimensionOptions } from './drawdown/drawdown-options.js';
import { fail, isObject } from './validation/option-checks.js';
import { assertKnownOptions } from './validation/unknown-options.js';

export type { UnavailablePolicy } from './policy/unavailable-policy.js';
export type { GateOptions, ResolvedGateOptions } from './gate-options.js';
export type { SeatOptions, ResolvedSeatOptions } from './seats/seat-options.js';
export type { DrawdownMode, DrawdownDimensionOptions, ResolvedDrawdownDimension } from './drawdown/drawdown-options.js';

/**
 * Options of {@link createLicenseGate}. Only `productSku` and something to gate are required.
 *
 * The composition of the gate-wide options (gate-options.ts) and each model's, which sit beside the
 * model: `tiers/tier-options.ts`, `seats/seat-options.ts`, `drawdown/drawdown-options.ts`.
 */
export interface LicenseGateOptions extends GateOptions {
  /** Tier names, lowest first, exactly as the license's entitlements name them. */
  tiers?: readonly string[];
  /** Floating seats. */
  seats?: SeatOptions;
  /** Drawdown dimensions, by entitlement name, e.g. `{ DataConsumption: { mode: 'batch' } }`. */
  drawdown?: Readonly<Record<string, DrawdownDimensionOptions>>;
}

/**
 * Options with every default applied: the gate-wide ones and each model's. A component is given
 * only the part it reads (e.g. `TierResolverOptions`, `SeatPoolOptions`, `DrawdownMeterOptions`).
 */
export interface ResolvedOptions extends ResolvedGateOptions {
  readonly tiers: readonly string[];
  readonly seats: ResolvedSeatOptions | undefined;
  readonly drawdown: ReadonlyMap<string, ResolvedDrawdownDimension>;
}

const KNOWN_OPTIONS: readonly (keyof LicenseGateOptions)[] = [
  'productSku',
  'keyFingerprint',
  'tiers',
  'seats',
  'drawdown',
  'instanceLeaseMs',
  'client',
  'store',
  'clock',
  'logger',
  'refreshIntervalMs',
  'refreshJitter',
  'onUnavailable',
  'graceMs',
  'recoveryProbeMs',
  'expiryWarningMs',
  'retry',
  'callTimeoutMs',
  'drainTimeoutMs',
  'shareTierAnswers',
  'metrics',
];

/**
 * Checks every option and applies the defaults. Each mistake throws a
 * {@link LicenseGateConfigurationError} whose code names the option and whose message says how to
 * fix it; unknown options are all named in one error, each with a "did you mean" hint when a known
 * one is close.
 */
export function resolveOptions(options: unknown): ResolvedOptions {
  if (!isObject(options))
    fail('ERR_LG_OPTIONS', 'createLicenseGate() takes an options object: { productSku, tiers, ... }.');
  assertKnownOptions(options, KNOWN_OPTIONS, (message) => fail('ERR_LG_OPTION_UNKNOWN', message));
  const product = resolveProduct(options);
  const tiers = resolveTiers(options['tiers']);
  const seats = resolveSeatOptions(options['seats']);
  const drawdown = resolveDrawdownOptions(options['drawdown'], seats?.entitlement);
  if (tiers.length === 0 && seats === undefined && drawdown.size === 0) {
    fail(
      'ERR_LG_OPTION_NOTHING_TO_GATE',
      "The gate has nothing to gate: give it tiers, seats or drawdown (e.g. tiers: ['Basic', 'Premium']).",
    );
  }
  const { productSku, keyFingerprint, ...gate } = resolveGateOptions(options as unknown as LicenseGateOptions, product);
  return { productSku, keyFingerprint, tiers, seats, drawdown, ...gate };
}
