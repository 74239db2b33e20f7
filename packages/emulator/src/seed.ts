import { readFileSync } from 'node:fs';
import { AwsError } from './protocol/aws-error.js';
import type { LicenseTerms } from './protocol/shapes.js';
import { EmulatorError } from './emulator-error.js';
import { validateInput } from './model/validate.js';
import { checkTerms } from './operations/license-terms.js';
import { termsOf } from './operations/license-writes.js';
import {
  LicenseStore,
  MARKETPLACE_ACCOUNT_ID,
  MARKETPLACE_ISSUER_NAME,
  type LicenseRecord,
} from './state/license-store.js';

/**
 * A license to load at start: CreateLicense's own request shape (`ClientToken` optional), plus:
 * - `AwsMarketplace: true` issues it as AWS Marketplace (account 294406891311, issuer
 *   `AWS/Marketplace`), so an app that checks out with the real Marketplace fingerprint runs
 *   against the emulator unchanged;
 * - `Status` sets the first version's status (default AVAILABLE), e.g. to seed a DEACTIVATED one;
 * - `LicenseArn` fixes the ARN (default: a new random one under the issuer's account).
 *
 * `Validity.Begin` and `Validity.End` may also be relative to the emulator's clock at load time:
 * `now`, or a signed amount and unit such as `+365d`, `-1d`, `+2h`, `+30m` (units s, m, h, d, y).
 */
export interface SeedLicense extends Omit<LicenseTerms, 'ProductSKU' | 'Beneficiary'> {
  ProductSKU: string;
  Beneficiary: string;
  ClientToken?: string;
  Tags?: { Key?: string; Value?: string }[];
  AwsMarketplace?: boolean;
  Status?: string;
  LicenseArn?: string;
}

const UNIT_MS: ReadonlyMap<string, number> = new Map([
  ['s', 1000],
  ['m', 60_000],
  ['h', 3_600_000],
  ['d', 86_400_000],
  ['y', 365 * 86_400_000],
]);
/** The first and last instants a relative seed time may land on: years 0000 to 9999. */
const FIRST_SEED_MS = -62_167_219_200_000;
const LAST_SEED_MS = 253_402_300_799_000;
const STATUSES = ['AVAILABLE', 'PENDING_AVAILABLE', 'DEACTIVATED', 'SUSPENDED', 'EXPIRED', 'PENDING_DELETE', 'DELETED'];

/**
 * Resolves `now` / `+30d` style times to ISO text; other text is kept as written.
 * @returns the text, or undefined when a relative time lands outside the years 0000 to 9999
 */
export function resolveSeedTime(text: string, now: number): string | undefined {
  if (text === 'now') return isoSeconds(now);
  const match = /^([+-])(\d{1,6})([smhdy])$/.exec(text);
  if (match === null) return text;
  const sign = match[1] === '-' ? -1 : 1;
  const at = now + sign * Number(match[2]) * (UNIT_MS.get(match[3] as string) as number);
  return at >= FIRST_SEED_MS && at <= LAST_SEED_MS ? isoSeconds(at) : undefined;
}

function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Reads a seed file: a JSON list of seed licenses. Throws ERR_LG_EMU_BAD_SEED when unreadable. */
export function readSeedFile(path: string): unknown[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new EmulatorError(
      'ERR_LG_EMU_BAD_SEED',
      `Cannot read the licenses file ${path}: ${(error as Error).message}.`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new EmulatorError(
      'ERR_LG_EMU_BAD_SEED',
      `The licenses file ${path} is not JSON: ${(error as Error).message}.`,
    );
  }
  if (!Array.isArray(parsed)) {
    throw new EmulatorError(
      'ERR_LG_EMU_BAD_SEED',
      `The licenses file ${path} must hold a JSON list of licenses in CreateLicense's request shape.`,
    );
  }
  return parsed;
}

/**
 * Checks one seed license against CreateLicense's model and the emulator's rules.
 * @param where - how to name it in errors, e.g. `licenses[2]`
 * @throws EmulatorError ERR_LG_EMU_BAD_SEED naming the seed and the problem
 */
export function checkSeed(seed: unknown, where: string, now: number): SeedLicense {
  const bad = (message: string) => new EmulatorError('ERR_LG_EMU_BAD_SEED', `${where}: ${message}`);
  if (seed === null || typeof seed !== 'object' || Array.isArray(seed))
    throw bad("a license must be a JSON object in CreateLicense's request shape.");
  const { AwsMarketplace, Status, LicenseArn, ...request } = seed as Record<string, unknown>;
  if (AwsMarketplace !== undefined && typeof AwsMarketplace !== 'boolean')
    throw bad('AwsMarketplace must be true or false.');
  if (Status !== undefined && !STATUSES.includes(Status as string))
    throw bad(`Status must be one of ${STATUSES.join(', ')}.`);
  if (
    LicenseArn !== undefined &&
    (typeof LicenseArn !== 'string' || !/^arn:aws:license-manager::\d{12}:license:l-[0-9a-f]{32}$/.test(LicenseArn))
  ) {
    throw bad('LicenseArn must look like arn:aws:license-manager::123456789012:license:l-<32 lower-case hex>.');
  }
  const validity = request['Validity'];
  if (validity !== null && typeof validity === 'object') {
    const v = { ...(validity as Record<string, unknown>) };
    for (const key of ['Begin', 'End']) {
      const text = v[key];
      if (typeof text !== 'string') continue;
      const resolved = resolveSeedTime(text, now);
      if (resolved === undefined)
        throw bad(
          `Validity.${key} '${text}' lands outside the years 0000 to 9999 that ISO 8601 dates hold; give a nearer time.`,
        );
      v[key] = resolved;
    }
    request['Validity'] = v;
  }
  if (AwsMarketplace === true && request['Issuer'] === undefined) request['Issuer'] = { Name: MARKETPLACE_ISSUER_NAME };
  request['ClientToken'] ??= 'seed';
  try {
    validateInput('CreateLicense', request);
    checkTerms(request as unknown as LicenseTerms);
  } catch (error) {
    if (error instanceof AwsError) throw bad(`${error.name}: ${error.message}`);
    throw error;
  }
  return {
    ...(request as unknown as SeedLicense),
    ...(AwsMarketplace !== undefined ? { AwsMarketplace } : {}),
    ...(Status !== undefined ? { Status: Status as string } : {}),
    ...(LicenseArn !== undefined ? { LicenseArn: LicenseArn as string } : {}),
  };
}

/** Stores a checked seed license. */
export function plantSeed(store: LicenseStore, seed: SeedLicense, accountId: string, now: number): LicenseRecord {
  const marketplace = seed.AwsMarketplace === true;
  const issuerAccountId = marketplace ? MARKETPLACE_ACCOUNT_ID : accountId;
  const arn = seed.LicenseArn ?? LicenseStore.newArn(issuerAccountId);
  if (store.has(arn))
    throw new EmulatorError('ERR_LG_EMU_BAD_SEED', `Two licenses have the ARN ${arn}; ARNs must be unique.`);
  const terms = termsOf(seed);
  if (marketplace) terms.Issuer = { Name: MARKETPLACE_ISSUER_NAME };
  return store.create({
    arn,
    issuerAccountId,
    marketplace,
    terms: { ...terms, ProductSKU: seed.ProductSKU, Beneficiary: seed.Beneficiary },
    status: seed.Status ?? 'AVAILABLE',
    now,
    availableAt: now,
  });
}
