/**
 * Platform facts the engine is built on, in one place (ARCHITECTURE.md F-5, F-7; AWS Marketplace
 * Seller Guide, "Contract pricing for AMI products with AWS License Manager").
 */

/** Key fingerprint of every license AWS Marketplace issues: a literal constant, not a placeholder. */
export const AWS_MARKETPLACE_KEY_FINGERPRINT = 'aws:294406891311:AWS/Marketplace:issuer-fingerprint';

/** License Manager returns an unextended floating checkout to the pool after 60 minutes. */
export const LEASE_TTL_MS = 60 * 60_000;

/** AWS recommends a CheckoutLicense every 15 minutes to notice renewals, upgrades and expiry. */
export const DEFAULT_REFRESH_INTERVAL_MS = 15 * 60_000;

/** How long the last good answer may be served while License Manager cannot be reached. */
export const DEFAULT_GRACE_MS = 60 * 60_000;

/** How long before `Validity.End` the `licenseExpiring` event fires. */
export const DEFAULT_EXPIRY_WARNING_MS = 7 * 24 * 60 * 60_000;

/** Smallest refresh interval the engine accepts (License Manager calls are rate limited). */
export const MIN_REFRESH_INTERVAL_MS = 1_000;

/** How long `stop()` waits for open drawdown charges by default: 10 seconds. */
export const DEFAULT_DRAIN_TIMEOUT_MS = 10_000;
