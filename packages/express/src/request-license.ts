import type { RequestLicense } from '@licensegate/core';

export { RequestLicense } from '@licensegate/core';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Set by licensegate's `requireTier` and seat middleware: the tier, a tier check, the session's seat. */
      license?: RequestLicense;
    }
  }
}
