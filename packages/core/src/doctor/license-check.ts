import type { LicenseInfo } from '../source/license-source.js';
import { closest } from '../validation/unknown-options.js';
import type { DoctorCheck } from './doctor-report.js';

/** What the received licenses say when none matches the SKU and fingerprint. */
export interface LicenseMiss {
  /** Fingerprints of the licenses received for the SKU (issued by someone else than configured). */
  readonly otherFingerprints: readonly string[];
  /** SKUs of the licenses received (first page), to find a near miss. */
  readonly receivedSkus: readonly string[];
}

function iso(ms: number | undefined): string | null {
  return ms === undefined ? null : new Date(ms).toISOString();
}

function days(ms: number): string {
  const count = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  const d = Math.floor(ms / 86_400_000);
  return d >= 1 ? count(d, 'day') : count(Math.max(1, Math.round(ms / 3_600_000)), 'hour');
}

/**
 * The license received for the SKU and fingerprint: found, `AVAILABLE`, within its validity. When
 * none is found, the received licenses show why: the SKU with another fingerprint, or a SKU close
 * to the configured one.
 */
export function checkLicense(
  license: LicenseInfo | undefined,
  miss: LicenseMiss | undefined,
  options: { productSku: string; keyFingerprint: string; expiryWarningMs: number },
  now: number,
): DoctorCheck {
  if (license === undefined) {
    const { productSku, keyFingerprint } = options;
    const data = { found: false, productSku, keyFingerprint, ...miss };
    const [other] = miss?.otherFingerprints ?? [];
    if (other !== undefined) {
      return {
        id: 'license',
        status: 'fail',
        summary: `no license for ${productSku} with fingerprint ${keyFingerprint}; one for ${productSku} is issued with ${miss?.otherFingerprints.join(', ')}`,
        fix: `Set keyFingerprint to ${JSON.stringify(other)} (flag --fingerprint), if you trust that issuer: it is the issuer key fingerprint GetLicense reports.`,
        data,
      };
    }
    const near = closest(productSku, miss?.receivedSkus ?? []);
    return {
      id: 'license',
      status: 'fail',
      summary: `no license received for ${productSku} with fingerprint ${keyFingerprint}${near === undefined ? '' : `; did you mean ${JSON.stringify(near)}?`}`,
      fix:
        near === undefined
          ? 'The buyer must subscribe in this account and Region, and the license must be accepted and activated (License Manager console → Granted licenses). For AWS Marketplace, productSku is the product ID from the Management Portal.'
          : `Set productSku to ${JSON.stringify(near)} (flag --product-sku), if that is the product.`,
      data,
    };
  }
  const data = {
    found: true,
    arn: license.arn,
    status: license.status,
    version: license.version ?? null,
    validFrom: iso(license.validFrom),
    validUntil: iso(license.validUntil),
  };
  const what = `${license.arn} (version ${license.version ?? '?'}), status ${license.status}, valid ${iso(license.validFrom) ?? 'from the start'} to ${iso(license.validUntil) ?? 'no end'}`;
  if (license.validUntil !== undefined && license.validUntil <= now) {
    return {
      id: 'license',
      status: 'fail',
      summary: `${what}: expired ${days(now - license.validUntil)} ago`,
      fix: 'The buyer renews the subscription (a new license version, or a new license); the gate sees it at its next refresh.',
      data,
    };
  }
  if (license.status !== 'AVAILABLE') {
    return {
      id: 'license',
      status: 'fail',
      summary: `${what}: not AVAILABLE, so every checkout is refused`,
      fix: 'The license must be AVAILABLE: the buyer activates it in the License Manager console (Granted licenses), or renews a lapsed subscription.',
      data,
    };
  }
  if (license.validFrom !== undefined && license.validFrom > now) {
    return {
      id: 'license',
      status: 'fail',
      summary: `${what}: not begun yet (in ${days(license.validFrom - now)})`,
      fix: 'Wait until Validity.Begin, or check this machine’s clock.',
      data,
    };
  }
  if (license.validUntil !== undefined && license.validUntil - now <= options.expiryWarningMs) {
    return {
      id: 'license',
      status: 'warn',
      summary: `${what}: ends in ${days(license.validUntil - now)}`,
      fix: 'The buyer renews before Validity.End.',
      data,
    };
  }
  return { id: 'license', status: 'pass', summary: what, data };
}
