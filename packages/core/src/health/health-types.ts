import type { UnavailablePolicy } from '../policy/unavailable-policy.js';

/**
 * Why a model of a gate serves or refuses, in one stable word (the root README has the table).
 * Codes never change meaning; new ones are only added.
 *
 * | code | serving | what it means |
 * | --- | --- | --- |
 * | `ok` | yes | License Manager answered; the license grants what the model needs |
 * | `in-grace` | yes | License Manager (or the store) cannot be reached; the `grace` policy serves what was known until `graceEndsAt` |
 * | `unverified` | yes | License Manager (or the store) cannot be reached; the `allow` policy serves unchecked |
 * | `license-manager-unreachable` | yes | seats: no new seat can be taken until License Manager answers; seats held are served |
 * | `seats-exhausted` | yes | seats: every seat was in use at the last try; those who hold one are served |
 * | `starting` | no | the gate has not learnt the license yet (or `start()` was not called) |
 * | `stopped` | no | the gate was stopped (or failed to start) |
 * | `no-license` | no | License Manager knows no license for this product, account and issuer |
 * | `no-entitlement` | no | the license grants none of the gate's tiers, or not the seat entitlement |
 * | `license-expired` | no | the license's `Validity.End` has passed (or its status is EXPIRED) |
 * | `license-inactive` | no | the license's status is not AVAILABLE (e.g. DEACTIVATED, SUSPENDED) |
 * | `refusing` | no | License Manager (or the store) cannot be reached and the policy serves nothing (`deny`, or `grace` with nothing learnt yet) |
 * | `grace-ended` | no | License Manager (or the store) cannot be reached for longer than the grace |
 * | `quota-exhausted` | no | drawdown: the dimension's pool is used up until a new license version |
 */
export type HealthCode =
  | 'ok'
  | 'in-grace'
  | 'unverified'
  | 'license-manager-unreachable'
  | 'seats-exhausted'
  | 'starting'
  | 'stopped'
  | 'no-license'
  | 'no-entitlement'
  | 'license-expired'
  | 'license-inactive'
  | 'refusing'
  | 'grace-ended'
  | 'quota-exhausted';

/** The models a gate may have: each answers for the routes that use it. */
export type HealthModel = 'tiers' | 'seats' | 'drawdown';

/** The health of one model of a gate (tiers, seats, or one drawdown dimension). Plain JSON. */
export interface ModelHealth {
  /**
   * Whether the model's routes serve anyone now. `false`: they refuse every request (the app is
   * not ready). A model that serves some and refuses others (seats all in use) is serving.
   */
  readonly serving: boolean;
  /** Whether it serves without License Manager's (or the store's) word now: an outage under the policy. */
  readonly degraded: boolean;
  /** Why, in one stable word. */
  readonly code: HealthCode;
  /** Why, for a person: what is happening and what to do. */
  readonly message: string;
  /** Under the `grace` policy during an outage: until when what was known is served (ISO 8601). */
  readonly graceEndsAt: string | null;
  /** The last License Manager (or store) error of an outage, with its code. */
  readonly lastError: { readonly code: string; readonly message: string } | null;
}

/**
 * `gate.health()`: whether the gate is live and ready, and the health of each of its models.
 * Computed from what the gate knows now (no call is made): plain JSON, with no tokens.
 */
export interface GateHealth {
  readonly productSku: string;
  /** The gate's state, as in `status()`. */
  readonly state: 'idle' | 'starting' | 'running' | 'stopped';
  /** The `onUnavailable` policy. */
  readonly policy: UnavailablePolicy;
  /** Not stopped: a gate that starts, runs, is in grace or refuses everyone is live; a stopped (or crashed) one is not. */
  readonly live: boolean;
  /** Running, and every model is serving: the gated routes would not refuse everyone. */
  readonly ready: boolean;
  /** Each model the gate is configured with; drawdown by dimension. */
  readonly models: {
    readonly tiers?: ModelHealth;
    readonly seats?: ModelHealth;
    readonly drawdown?: Readonly<Record<string, ModelHealth>>;
  };
}
