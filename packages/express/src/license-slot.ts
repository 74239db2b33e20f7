import type { RequestLicense } from '@licensegate/core/http';
import type { Request } from 'express';

/**
 * `req.license` without a write per request.
 *
 * Express gives every request of an app that app's own request prototype (`app.request`), and
 * adding a property to an Express request costs more than the tier check itself (about 5 µs on
 * the bench machine, against 0.1 µs). So the first licensegate middleware that runs in an app
 * defines `license` once on that prototype: an accessor that answers its gate's view. From then
 * on every request of the app reads it there (the license is the same for all of them), and a
 * seat middleware that sets a request's own view (with its seat) goes through the accessor's
 * setter, which makes it an ordinary property of that request.
 *
 * A second gate in the same app finds the prototype taken: its middleware sets its view on each
 * request it handles, unless the request has its own view already. Such apps read each gate's
 * view with `lg.license(req)`.
 */

/** Which gate's view each request prototype answers; `null` where it could not be defined (a frozen prototype). */
const owners = new WeakMap<object, RequestLicense | null>();

/** Makes `view` the request's `req.license`, unless a view is there already. */
export function offerLicense(req: Request, view: RequestLicense): void {
  const prototype = Object.getPrototypeOf(req) as object | null;
  if (prototype === null) {
    req.license ??= view;
    return;
  }
  const owner = owners.get(prototype);
  if (owner === view) return;
  if (owner === undefined && define(prototype, view)) return;
  if (owners.get(prototype) === null)
    req.license ??= view; // not ours to define: as any property
  else if (!Object.hasOwn(req, 'license')) req.license = view; // another gate's prototype
}

/** Defines the accessor on an app's request prototype; whether it could. */
function define(prototype: object, view: RequestLicense): boolean {
  if (Object.hasOwn(prototype, 'license')) {
    owners.set(prototype, null); // the app's own `license`: leave it alone
    return false;
  }
  try {
    Object.defineProperty(prototype, 'license', {
      configurable: true,
      enumerable: false,
      get: () => view,
      set(this: object, value: unknown) {
        Object.defineProperty(this, 'license', { value, writable: true, configurable: true, enumerable: true });
      },
    });
    owners.set(prototype, view);
    return true;
  } catch {
    owners.set(prototype, null);
    return false;
  }
}
