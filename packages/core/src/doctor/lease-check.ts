import { LEASE_TTL_MS } from '../constants.js';
import type { ResolvedOptions } from '../options.js';
import type { LicenseInfo } from '../source/license-source.js';
import type { DoctorCheck } from './doctor-report.js';

function minutes(ms: number): string {
  return `${Math.round(ms / 60_000)} min`;
}

/**
 * The lease: how long a PROVISIONAL checkout lasts (License Manager's default, 60 minutes, when
 * the license does not say), against how often the gate extends seats and refreshes tiers; and
 * `AllowCheckIn`, without which a seat returned at logout stays out until its lease ends.
 */
export function checkLease(
  license: LicenseInfo,
  options: Pick<ResolvedOptions, 'tiers' | 'seats' | 'drawdown' | 'refreshIntervalMs'>,
): DoctorCheck {
  const ttlMs = license.provisionalTtlMs ?? LEASE_TTL_MS;
  const failures: string[] = [];
  const warnings: string[] = [];
  const notes: string[] = [
    `a PROVISIONAL checkout lasts ${minutes(ttlMs)}${license.provisionalTtlMs === undefined ? " (License Manager's default; the license does not say)" : ''}`,
  ];
  const fixes: string[] = [];
  const byName = new Map(license.entitlements.map((e) => [e.name, e]));
  const data: Record<string, unknown> = { provisionalTtlMs: ttlMs, stated: license.provisionalTtlMs !== undefined };

  if (options.seats !== undefined) {
    const { entitlement, keepAliveMs } = options.seats;
    const allowCheckIn = byName.get(entitlement)?.allowCheckIn;
    data['seats'] = { entitlement, keepAliveMs, allowCheckIn: allowCheckIn ?? null };
    if (keepAliveMs >= ttlMs) {
      failures.push(
        `seats are extended every ${minutes(keepAliveMs)}, not within the ${minutes(ttlMs)} lease: held seats lapse`,
      );
      fixes.push(`set seats.keepAliveMs below ${ttlMs} (half the lease, ${ttlMs / 2}, is the default)`);
    } else notes.push(`seats extended every ${minutes(keepAliveMs)}`);
    if (allowCheckIn === false) {
      failures.push(
        `${JSON.stringify(entitlement)} has AllowCheckIn false: CheckInLicense is refused, so a seat returned at logout stays out for up to ${minutes(ttlMs)}`,
      );
      fixes.push(
        `the seller sets AllowCheckIn: true on ${JSON.stringify(entitlement)} (a floating entitlement) in a new license version`,
      );
    } else if (allowCheckIn === undefined && byName.has(entitlement)) {
      warnings.push(
        `${JSON.stringify(entitlement)} does not state AllowCheckIn: seats may not be returnable before their lease ends`,
      );
      fixes.push(`the seller sets AllowCheckIn: true on ${JSON.stringify(entitlement)}`);
    } else if (allowCheckIn === true) notes.push(`${JSON.stringify(entitlement)} allows check-in`);
  }
  if (options.drawdown.size > 0) {
    const dimensions = [...options.drawdown.keys()].map((name) => ({
      dimension: name,
      allowCheckIn: byName.get(name)?.allowCheckIn ?? null,
    }));
    data['drawdown'] = dimensions;
    notes.push(
      `drawdown ${dimensions.map((d) => `${JSON.stringify(d.dimension)} AllowCheckIn ${String(d.allowCheckIn ?? 'unstated')}`).join(', ')} (drawdown checks units out PERPETUAL: consumed whatever AllowCheckIn says)`,
    );
  }
  if (options.tiers.length > 0) {
    data['tiers'] = { refreshIntervalMs: options.refreshIntervalMs };
    if (options.refreshIntervalMs >= ttlMs) {
      warnings.push(
        `tiers are refreshed every ${minutes(options.refreshIntervalMs)}, not within the ${minutes(ttlMs)} lease`,
      );
      fixes.push(`set refreshIntervalMs below ${ttlMs}`);
    }
  }
  const told = [...failures, ...warnings];
  return {
    id: 'lease',
    status: failures.length > 0 ? 'fail' : warnings.length > 0 ? 'warn' : 'pass',
    summary: [...told, ...notes].join('; '),
    ...(fixes.length > 0 ? { fix: `${fixes.join('; ')}.` } : {}),
    data,
  };
}
