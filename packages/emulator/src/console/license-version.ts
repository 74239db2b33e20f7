import { randomUUID } from 'node:crypto';
import { EmulatorError } from '../emulator-error.js';
import type { DatetimeRange, Entitlement } from '../protocol/shapes.js';
import { resolveSeedTime } from '../seed.js';
import type { LicenseRecord } from '../state/license-store.js';

/** The members a console's version change may hold. */
const FIELDS = ['LicenseArn', 'Entitlements', 'Validity', 'Status'];

function bad(message: string): EmulatorError {
  return new EmulatorError('ERR_LG_EMU_BAD_ADMIN_REQUEST', message);
}

/** `now`, `+365d`... resolved against the virtual clock (as in the seed file); other text as written. */
function resolvedValidity(given: unknown, current: DatetimeRange, now: number): DatetimeRange {
  if (given === undefined) return { ...current };
  if (given === null || typeof given !== 'object' || Array.isArray(given))
    throw bad('Validity must be an object such as {"End": "+365d"} or {"End": "now"}.');
  const validity: DatetimeRange = { ...current };
  for (const [key, text] of Object.entries(given)) {
    if (key !== 'Begin' && key !== 'End')
      throw bad(`Validity has no member ${JSON.stringify(key)}; use Begin and End.`);
    if (typeof text !== 'string') throw bad(`Validity.${key} must be text: an ISO 8601 date-time, "now" or "+365d".`);
    const resolved = resolveSeedTime(text, now);
    if (resolved === undefined) throw bad(`Validity.${key} '${text}' lands outside the years 0000 to 9999.`);
    validity[key] = resolved;
  }
  return validity;
}

/**
 * The CreateLicenseVersion request that restates a license's current version with a console's
 * changes (`Entitlements`, `Validity`, `Status`), and the Region to send it from (the license's home
 * Region). The model and the license rules are checked by CreateLicenseVersion itself.
 *
 * @throws EmulatorError ERR_LG_EMU_BAD_ADMIN_REQUEST for an unknown license or member, or a bad time
 */
export function versionRequest(
  change: unknown,
  find: (arn: string) => LicenseRecord | undefined,
  now: number,
): { input: Record<string, unknown>; region: string } {
  if (change === null || typeof change !== 'object' || Array.isArray(change))
    throw bad('A license version change must be an object such as {"LicenseArn": "arn:…", "Status": "DEACTIVATED"}.');
  const c = change as Record<string, unknown>;
  const unknown = Object.keys(c).find((key) => !FIELDS.includes(key));
  if (unknown !== undefined)
    throw bad(
      `A license version change has no member ${JSON.stringify(unknown)}; its members are ${FIELDS.join(', ')}.`,
    );
  const arn = c['LicenseArn'];
  const license = typeof arn === 'string' ? find(arn) : undefined;
  if (license === undefined) throw bad(`No license ${JSON.stringify(arn ?? null)}; give the LicenseArn of one.`);
  const current = license.current;
  const entitlements = c['Entitlements'] ?? current.terms.Entitlements.map((e: Entitlement) => ({ ...e }));
  const status = c['Status'] ?? current.status;
  const input: Record<string, unknown> = {
    LicenseArn: license.arn,
    LicenseName: current.terms.LicenseName,
    ProductName: current.terms.ProductName,
    Issuer: { ...current.terms.Issuer },
    HomeRegion: current.terms.HomeRegion,
    Validity: resolvedValidity(c['Validity'], current.terms.Validity, now),
    Entitlements: entitlements,
    ConsumptionConfiguration: structuredClone(current.terms.ConsumptionConfiguration),
    Status: status,
    ClientToken: randomUUID(),
    SourceVersion: String(current.number),
  };
  if (current.terms.LicenseMetadata !== undefined) input['LicenseMetadata'] = current.terms.LicenseMetadata;
  return { input, region: current.terms.HomeRegion };
}
