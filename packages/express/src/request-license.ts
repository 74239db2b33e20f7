import type { RequestLicense } from '@licensegate/core/http';

export { RequestLicense } from '@licensegate/core/http';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /**
       * licensegate's view of the request: the tier, a tier check, the session's seat. There once a
       * licensegate middleware has run in the app (`requireTier` defines it on the app's request
       * prototype); a seat middleware sets the request's own, with its seat. See `lg.license(req)`.
       */
      license?: RequestLicense;
    }
  }
}
