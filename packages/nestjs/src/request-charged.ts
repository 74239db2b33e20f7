/**
 * The requests whose drawdown charge `LicenseGateGuard` opened, so that `LicenseGateInterceptor`
 * (kept for apps that register it) does not open a second one.
 */
const charged = new WeakSet<object>();

/** Records that the request's charge is open. */
export function markCharged(req: object): void {
  charged.add(req);
}

/** Whether the request's charge is open already. */
export function isCharged(req: object): boolean {
  return charged.has(req);
}
