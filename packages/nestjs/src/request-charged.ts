/**
 * The requests whose drawdown charge `LicenseGateGuard` opened, so that the deprecated
 * `LicenseGateInterceptor` (kept for apps that register it) does not open a second one. Nothing is
 * recorded until an interceptor exists in the process: an app without one pays nothing.
 */
let charged: WeakSet<object> | undefined;

/** An interceptor was made: from now on, the guard records the requests it charges. */
export function watchCharged(): void {
  charged ??= new WeakSet();
}

/** Records that the request's charge is open (when an interceptor may ask). */
export function markCharged(req: object): void {
  charged?.add(req);
}

/** Whether the request's charge is open already. */
export function isCharged(req: object): boolean {
  return charged?.has(req) === true;
}
