import type { ResolvedGateOptions } from '../gate-options.js';
import { checkUnit, fail, isObject, wholeNumber } from '../validation/option-checks.js';
import { assertKnownOptions } from '../validation/unknown-options.js';

/** How a drawdown dimension reports units; see the README for each mode's bound. */
export type DrawdownMode = 'sync' | 'batch' | 'reserve';

/** One drawdown dimension. */
export interface DrawdownDimensionOptions {
  /** `sync`: a checkout per debit; `batch` (default): report in batches; `reserve`: spend blocks checked out ahead. */
  mode?: DrawdownMode;
  /** Its unit in the license. Default `Count`. */
  unit?: string;
  /** batch: report when this many units are pending. Default 100. */
  batchUnits?: number;
  /** batch: report pending units at least this often. Default 60 seconds. */
  batchIntervalMs?: number;
  /** reserve: units checked out per block. Default 100. */
  blockUnits?: number;
}

/** A drawdown dimension with every default applied. */
export interface ResolvedDrawdownDimension {
  readonly name: string;
  readonly mode: DrawdownMode;
  readonly unit: string;
  readonly batchUnits: number;
  readonly batchIntervalMs: number;
  readonly blockUnits: number;
}

/** The options the drawdown meter reads: the gate-wide ones it uses, and the dimensions. */
export type DrawdownMeterOptions = Pick<
  ResolvedGateOptions,
  'productSku' | 'store' | 'clock' | 'logger' | 'onUnavailable' | 'graceMs' | 'drainTimeoutMs' | 'recoveryProbeMs'
> & {
  /** The dimensions, by name. */
  readonly drawdown: ReadonlyMap<string, ResolvedDrawdownDimension>;
};

const DIMENSION_KEYS: readonly (keyof DrawdownDimensionOptions)[] = [
  'mode',
  'unit',
  'batchUnits',
  'batchIntervalMs',
  'blockUnits',
];

/**
 * Checks the `drawdown` option and applies each dimension's defaults; an empty map when not given.
 * @param seatEntitlement - the seat entitlement, which no dimension may also be
 * @throws LicenseGateConfigurationError `ERR_LG_OPTION_DRAWDOWN`
 */
export function resolveDrawdownOptions(
  drawdown: unknown,
  seatEntitlement: string | undefined,
): ReadonlyMap<string, ResolvedDrawdownDimension> {
  const result = new Map<string, ResolvedDrawdownDimension>();
  if (drawdown === undefined) return result;
  const code = 'ERR_LG_OPTION_DRAWDOWN';
  if (!isObject(drawdown))
    fail(
      code,
      `drawdown must map dimension names to options, e.g. { DataConsumption: { mode: 'batch' } }; got ${JSON.stringify(drawdown)}.`,
    );
  for (const [name, raw] of Object.entries(drawdown)) {
    if (name.trim() === '') fail(code, "A drawdown dimension needs a name: the license's entitlement name.");
    if (name === seatEntitlement)
      fail(code, `${JSON.stringify(name)} is the seat entitlement; a dimension cannot be both floating and drawdown.`);
    const d = raw ?? {};
    if (!isObject(d))
      fail(code, `drawdown.${name} must be an object such as { mode: 'batch' }; got ${JSON.stringify(raw)}.`);
    assertKnownOptions(d, DIMENSION_KEYS, (message) => fail(code, message), {
      where: `drawdown.${name}`,
      known: DIMENSION_KEYS,
    });
    const mode = d['mode'] ?? 'batch';
    if (mode !== 'sync' && mode !== 'batch' && mode !== 'reserve')
      fail(code, `drawdown.${name}.mode must be 'sync', 'batch' or 'reserve'; got ${JSON.stringify(mode)}.`);
    result.set(name, {
      name,
      mode,
      unit: checkUnit(code, `drawdown.${name}`, d['unit']),
      batchUnits: wholeNumber(code, `drawdown.${name}.batchUnits`, d['batchUnits'], 100, 1, Number.MAX_SAFE_INTEGER),
      batchIntervalMs: wholeNumber(
        code,
        `drawdown.${name}.batchIntervalMs`,
        d['batchIntervalMs'],
        60_000,
        100,
        24 * 60 * 60_000,
      ),
      blockUnits: wholeNumber(code, `drawdown.${name}.blockUnits`, d['blockUnits'], 100, 1, Number.MAX_SAFE_INTEGER),
    });
  }
  return result;
}
