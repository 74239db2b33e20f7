/** The name of the gate that decorators use when no `@UseLicenseGate(name)` says otherwise. */
export const DEFAULT_GATE_NAME = 'default';

/** Metadata keys the decorators write and the guard, the interceptor and the boot check read. */
export const LICENSE_METADATA = {
  /** The tier a route requires (`@RequireTier`). */
  tier: 'licensegate:tier',
  /** What a route does with the session's seat: `acquire`, `release` or `require`. */
  seat: 'licensegate:seat',
  /** The drawdown charge of a route (`@Drawdown`): `{ dimension, units }`. */
  drawdown: 'licensegate:drawdown',
  /** `@SkipLicense()`: no licensegate step runs on the route. */
  skip: 'licensegate:skip',
  /** The name of the gate a route is checked against (`@UseLicenseGate`). */
  gate: 'licensegate:gate',
} as const;

/** The seat steps a route can take. */
export type SeatAction = 'acquire' | 'release' | 'require';
