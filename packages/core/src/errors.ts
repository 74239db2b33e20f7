/**
 * Stable codes of every error licensegate throws. The package README lists each with its fix.
 * Codes never change meaning; new ones are only added.
 */
export type LicenseGateErrorCode =
  // options, checked when the gate is created
  | 'ERR_LG_OPTIONS'
  | 'ERR_LG_OPTION_UNKNOWN'
  | 'ERR_LG_OPTION_PRODUCT_SKU'
  | 'ERR_LG_OPTION_KEY_FINGERPRINT'
  | 'ERR_LG_OPTION_TIERS'
  | 'ERR_LG_OPTION_NOTHING_TO_GATE'
  | 'ERR_LG_OPTION_CLIENT'
  | 'ERR_LG_OPTION_CREDENTIALS'
  | 'ERR_LG_OPTION_STORE'
  | 'ERR_LG_OPTION_CLOCK'
  | 'ERR_LG_OPTION_LOGGER'
  | 'ERR_LG_OPTION_DURATION'
  | 'ERR_LG_OPTION_REFRESH_INTERVAL'
  | 'ERR_LG_OPTION_ON_UNAVAILABLE'
  | 'ERR_LG_OPTION_RETRY'
  // use of the gate
  | 'ERR_LG_UNKNOWN_TIER'
  | 'ERR_LG_NOT_STARTED'
  | 'ERR_LG_STOPPED'
  // answers about the license
  | 'ERR_LG_TIER_REQUIRED'
  | 'ERR_LG_NO_LICENSE'
  | 'ERR_LG_LICENSE_UNAVAILABLE'
  // License Manager calls
  | 'ERR_LG_LICENSE_MANAGER_CONFIGURATION';

/** Base class of licensegate's errors: a stable `code` and a message that says how to fix it. */
export class LicenseGateError extends Error {
  /** Stable, documented code. */
  readonly code: LicenseGateErrorCode;

  constructor(code: LicenseGateErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A mistake in the gate's options or in how it is used; thrown at once, never at request time. */
export class LicenseGateConfigurationError extends LicenseGateError {}

/** The license grants a lower tier than the one required (HTTP adapters answer 403). */
export class TierRequiredError extends LicenseGateError {
  /** The tier the route requires. */
  readonly requiredTier: string;
  /** The tier the license grants, or `null` for none. */
  readonly currentTier: string | null;

  constructor(requiredTier: string, currentTier: string | null) {
    super(
      'ERR_LG_TIER_REQUIRED',
      currentTier === null
        ? `This needs the ${requiredTier} tier, and the license grants no tier.`
        : `This needs the ${requiredTier} tier; the license grants ${currentTier}.`,
    );
    this.requiredTier = requiredTier;
    this.currentTier = currentTier;
  }
}

/**
 * License Manager answered definitively that nothing is granted: no license for this product, or
 * one that is expired, deactivated or otherwise not usable (HTTP adapters answer 403).
 */
export class NoLicenseError extends LicenseGateError {
  /** Why, in one word: `no-license`, `no-entitlement`, `expired`, or the license status in lower case. */
  readonly reason: string;

  constructor(reason: string, message: string) {
    super('ERR_LG_NO_LICENSE', message);
    this.reason = reason;
  }
}

/**
 * License Manager cannot be reached (throttling, 5xx, timeouts, network) and the failure policy
 * allows no fallback any more (HTTP adapters answer 503 with `Retry-After`).
 */
export class LicenseUnavailableError extends LicenseGateError {
  /** When to try again, in ms: the time to the next refresh attempt. */
  readonly retryAfterMs: number;

  constructor(message: string, retryAfterMs: number, options?: { cause?: unknown }) {
    super('ERR_LG_LICENSE_UNAVAILABLE', message, options);
    this.retryAfterMs = retryAfterMs;
  }
}
