/** Time units, the Region, the tiers of the tiered seeds, and the retry settings the worlds use. */

/** One second, in ms. */
export const SECOND = 1_000;
/** One minute, in ms. */
export const MINUTE = 60 * SECOND;
/** The Region of every client and every license's home Region. */
export const REGION = 'us-east-1';
/** The tiers of the tiered products, lowest first. */
export const TIERS: readonly string[] = ['Basic', 'Intermediate', 'Premium'];
/** Fast retries: two attempts, a few ms apart. */
export const FAST_RETRY = { attempts: 2, baseDelayMs: 1, maxDelayMs: 5, deadlineMs: 1000 } as const;
/** More than one 15-minute refresh interval (less its jitter). */
export const PAST_REFRESH = 16 * MINUTE;
