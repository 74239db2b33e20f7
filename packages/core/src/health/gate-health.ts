import { NoLicenseError } from '../errors.js';
import { unusableReason } from '../license/known-license.js';
import type { OnUnavailable } from '../policy/unavailable-policy.js';
import type { LicenseInfo } from '../source/license-source.js';
import type { TierAnswer } from '../tiers/tier-answer.js';
import type { TierDecision } from '../tiers/tier-decision.js';
import type { GateHealth, HealthCode, ModelHealth } from './health-types.js';

/** An outage of License Manager as the gate last saw it (a tier refresh episode, or the license poller's failing reads). */
export interface HealthOutage {
  /** When it began (clock ms). */
  readonly since: number;
  /** Its last error. */
  readonly error: unknown;
}

/** What the gate tells {@link gateHealth}: each model's state as it knows it now. No call is made. */
export interface HealthInputs {
  readonly productSku: string;
  readonly state: GateHealth['state'];
  readonly policy: OnUnavailable;
  /** Clock ms. */
  readonly now: number;
  /** The license last read. */
  readonly license: LicenseInfo | undefined;
  /** Whether License Manager said there is no license. */
  readonly noLicense: boolean;
  /** License Manager's outage, when it cannot be reached now. */
  readonly outage: HealthOutage | undefined;
  /** A gate with tiers: the check of its lowest tier now (what any tier route gets at best). */
  readonly tiers: { readonly decision: TierDecision; readonly answer: TierAnswer | undefined } | undefined;
  /** A gate with seats. */
  readonly seats:
    | {
        readonly entitlement: string;
        /** When reading seats from the store began to fail, while it fails. */
        readonly storeDownSince: number | undefined;
        /** Whether the last acquisition found every seat in use (and none was seen returned since). */
        readonly exhausted: boolean;
      }
    | undefined;
  /** A gate with drawdown: each dimension, with what the meter knows of it. */
  readonly drawdown: readonly (readonly [string, DimensionAdmission])[] | undefined;
}

/** An error's code and message, for `lastError`. */
type ErrorView = { readonly code: string; readonly message: string } | undefined;

function errorView(outage: HealthOutage | undefined): ErrorView {
  if (outage === undefined) return undefined;
  const error = outage.error as { code?: unknown; message?: unknown } | undefined;
  return {
    code: String(error?.code ?? 'ERR_LG_LICENSE_UNAVAILABLE'),
    message: typeof error?.message === 'string' ? error.message : String(outage.error),
  };
}

/** What the meter knows of one dimension, for its health. */
export interface DimensionAdmission {
  /** The pool is known to be used up. */
  readonly exhausted: boolean;
  /** When the oldest failing report (or journal write) of the dimension began to fail, while one fails. */
  readonly failingSince: number | undefined;
  /** Whether the `onUnavailable` policy admits debits beyond the bound now. */
  readonly admits: boolean;
}

function iso(ms: number): string | null {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
}

function health(
  serving: boolean,
  code: HealthCode,
  message: string,
  extra: { degraded?: boolean; graceEndsAt?: number; lastError?: ErrorView } = {},
): ModelHealth {
  return {
    serving,
    degraded: extra.degraded ?? false,
    code,
    message,
    graceEndsAt: extra.graceEndsAt === undefined ? null : iso(extra.graceEndsAt),
    lastError: extra.lastError === undefined ? null : { code: extra.lastError.code, message: extra.lastError.message },
  };
}

/** The code of a license that grants nothing, from its one-word reason (`NoLicenseError.reason`, a tier answer's). */
function licenseCode(reason: string | undefined): HealthCode {
  switch (reason) {
    case 'no-license':
      return 'no-license';
    case 'expired':
      return 'license-expired';
    case 'no-entitlement':
    case undefined:
      return 'no-entitlement';
    default:
      return 'license-inactive';
  }
}

/**
 * The health of what is served from what was known during an outage measured from `since`:
 * `in-grace` / `unverified` while the policy serves, `grace-ended` / `refusing` once it does not.
 */
function outageHealth(
  policy: OnUnavailable,
  what: string,
  since: number | undefined,
  serving: boolean,
  lastError: ErrorView,
): ModelHealth {
  const graceEndsAt = since === undefined ? undefined : policy.graceEndsAt(since);
  if (serving) {
    return policy.policy === 'grace'
      ? health(true, 'in-grace', `${what}; the grace policy serves what was known until the grace ends.`, {
          degraded: true,
          graceEndsAt,
          lastError,
        })
      : health(true, 'unverified', `${what}; the allow policy serves without checking the license.`, {
          degraded: true,
          lastError,
        });
  }
  if (policy.policy === 'grace' && since !== undefined) {
    return health(
      false,
      'grace-ended',
      `${what} for longer than the grace of ${Math.round(policy.graceMs / 1000)} s: every request is refused (503) until it answers.`,
      { degraded: true, graceEndsAt, lastError },
    );
  }
  const why =
    policy.policy === 'deny'
      ? "the deny policy serves nothing while it can't be reached"
      : 'nothing was learnt before, so the grace policy has nothing to serve';
  return health(false, 'refusing', `${what}, and ${why}: every request is refused (503) until it answers.`, {
    degraded: true,
    lastError,
  });
}

/** What a license that grants nothing means, by code (no ARN or account: the HTTP probes show these). */
const LICENSE_MESSAGES: Partial<Record<HealthCode, string>> = {
  'no-license': 'License Manager knows no license for this product, account and issuer (keyFingerprint).',
  'no-entitlement':
    "The license grants none of the gate's tiers: check the tier names against the license's entitlements.",
  'license-expired': 'The license has expired (its Validity.End has passed): the buyer must renew it.',
  'license-inactive': 'The license is not AVAILABLE (deactivated or suspended).',
};

function tiersHealth(inputs: HealthInputs, tiers: NonNullable<HealthInputs['tiers']>): ModelHealth {
  const { decision, answer } = tiers;
  const { policy, outage } = inputs;
  const lastError = errorView(outage);
  const unreachable =
    lastError === undefined
      ? 'License Manager has not answered the tier refresh'
      : `License Manager cannot be reached (${lastError.code})`;
  if (decision.allowed) {
    if (!decision.degraded) return health(true, 'ok', `The license grants the tier ${answer?.tier ?? '(unknown)'}.`);
    return outageHealth(policy, unreachable, answer?.checkedAt, true, lastError);
  }
  const error = decision.error;
  if (error instanceof NoLicenseError || answer?.rank === -1) {
    const code = licenseCode(error instanceof NoLicenseError ? error.reason : answer?.reason);
    return health(
      false,
      code,
      `${LICENSE_MESSAGES[code] ?? 'The license grants nothing.'} Every tier route answers 403.`,
      {
        degraded: decision.degraded,
      },
    );
  }
  return outageHealth(policy, unreachable, answer?.checkedAt, false, lastError);
}

function seatsHealth(inputs: HealthInputs, seats: NonNullable<HealthInputs['seats']>): ModelHealth {
  const { policy, now, outage } = inputs;
  const { entitlement } = seats;
  const info = inputs.license;
  const unusable = inputs.noLicense ? 'no-license' : unusableReason(info, now);
  if (unusable !== undefined) {
    const code = licenseCode(unusable);
    return health(false, code, `${LICENSE_MESSAGES[code] ?? ''} No ${entitlement} seat can be taken.`);
  }
  if (info !== undefined && !info.entitlements.some((e) => e.name === entitlement)) {
    return health(
      false,
      'no-entitlement',
      `The license has no ${entitlement} entitlement (it has ${info.entitlements.map((e) => e.name).join(', ') || 'none'}): check the seats option.`,
    );
  }
  if (seats.storeDownSince !== undefined) {
    const serving = policy.serves(seats.storeDownSince, now);
    return outageHealth(
      policy,
      'Seats cannot be read from the store (seats this instance has seen are served under the policy)',
      seats.storeDownSince,
      serving,
      undefined,
    );
  }
  const lastError = errorView(outage);
  if (lastError !== undefined) {
    return health(
      true,
      'license-manager-unreachable',
      `License Manager cannot be reached (${lastError.code}): no new ${entitlement} seat can be taken until it answers; seats held are served.`,
      { degraded: true, lastError },
    );
  }
  if (seats.exhausted) {
    return health(
      true,
      'seats-exhausted',
      `Every ${entitlement} seat was in use at the last try: new sessions are refused until one is returned; seats held are served.`,
    );
  }
  return health(true, 'ok', `${entitlement} seats can be taken.`);
}

function dimensionHealth(inputs: HealthInputs, dimension: string, admission: DimensionAdmission): ModelHealth {
  if (admission.exhausted) {
    return health(
      false,
      'quota-exhausted',
      `The ${dimension} pool is used up: every charge is refused (402) until the license has a new version (the buyer buys more).`,
    );
  }
  if (admission.failingSince !== undefined) {
    return outageHealth(
      inputs.policy,
      `${dimension} units cannot be reported to License Manager`,
      admission.failingSince,
      admission.admits,
      errorView(inputs.outage),
    );
  }
  return health(true, 'ok', `${dimension} units are admitted and reported.`);
}

const STOPPED = health(false, 'stopped', 'The gate was stopped (or failed to start): every gated request is refused.');
const STARTING = health(
  false,
  'starting',
  'The gate has not learnt the license yet: await gate.start() (the adapters start it for you).',
);

/**
 * The health of a gate from what it knows now: each model's answer to "would its routes serve
 * anyone?", with a stable code and a message. Liveness and readiness are kept apart: a stopped gate
 * is not live; a live gate is ready when it runs and every model serves (a gate in grace is ready;
 * one whose routes refuse everyone — no license, expired, `deny` during an outage, the grace over,
 * a drawdown pool used up — is not).
 */
export function gateHealth(inputs: HealthInputs): GateHealth {
  const { state } = inputs;
  const fixed = state === 'stopped' ? STOPPED : state === 'running' ? undefined : STARTING;
  const models: { tiers?: ModelHealth; seats?: ModelHealth; drawdown?: Record<string, ModelHealth> } = {};
  if (inputs.tiers !== undefined) models.tiers = fixed ?? tiersHealth(inputs, inputs.tiers);
  if (inputs.seats !== undefined) models.seats = fixed ?? seatsHealth(inputs, inputs.seats);
  if (inputs.drawdown !== undefined) {
    const drawdown: Record<string, ModelHealth> = {};
    for (const [dimension, admission] of inputs.drawdown)
      drawdown[dimension] = fixed ?? dimensionHealth(inputs, dimension, admission);
    models.drawdown = drawdown;
  }
  const all = [models.tiers, models.seats, ...Object.values(models.drawdown ?? {})];
  const live = state !== 'stopped';
  return {
    productSku: inputs.productSku,
    state,
    policy: inputs.policy.policy,
    live,
    ready: live && state === 'running' && all.every((m) => m === undefined || m.serving),
    models,
  };
}
