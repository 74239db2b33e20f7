import { randomUUID } from 'node:crypto';
import { ListReceivedLicensesCommand, type LicenseManagerClient } from '@aws-sdk/client-license-manager';
import { silentLogger } from '../logger.js';
import { resolveOptions, type ResolvedOptions } from '../options.js';
import { LicenseSource, type LicenseInfo } from '../source/license-source.js';
import { CREDENTIALS_REFUSED, errorMessage, errorName, settle, type CallOutcome } from './call-outcome.js';
import { checkClock } from './clock-check.js';
import { checkCredentials } from './credentials-check.js';
import { iamPolicyFor, type DoctorCheck, type DoctorReport, type DoctorStatus } from './doctor-report.js';
import { checkEntitlements } from './entitlement-check.js';
import { checkLease } from './lease-check.js';
import { checkLicense, type LicenseMiss } from './license-check.js';
import { neededActions } from './needed-actions.js';
import { actionChecks, type ActionProbes } from './permission-checks.js';
import { endpointOverride, regionCheck, resolveRegion } from './region-check.js';
import { recordExchanges } from './wire-recorder.js';

/** A well-formed license ARN that no license has: GetLicense of it changes nothing. */
export const PROBE_LICENSE_ARN = 'arn:aws:license-manager::000000000000:license:l-00000000000000000000000000000000';

/** What the doctor is run with. */
export interface DoctorInput {
  /** The app's options (`LicenseGateOptions`), checked as `createLicenseGate()` checks them. */
  readonly options: unknown;
  /** The environment the SDK reads (default `process.env`); only used to name the credential provider and the endpoint override. */
  readonly env?: NodeJS.ProcessEnv;
}

function skipped(id: string, why: string): DoctorCheck {
  return { id, status: 'skip', summary: `not checked: ${why}` };
}

/**
 * Runs every check, in order — credentials, Region and endpoint, clock, each IAM action the options
 * need, the license, its entitlements, the lease — with calls that change nothing.
 * @throws LicenseGateConfigurationError when the options are wrong, as `createLicenseGate()` would
 */
export async function runDoctor(input: DoctorInput): Promise<DoctorReport> {
  const env = input.env ?? process.env;
  const options = resolveOptions(input.options);
  const configuredEndpoint = configuredClientEndpoint(input.options);
  const client = options.client;
  try {
    return await diagnose(options, client, env, configuredEndpoint);
  } finally {
    if (options.ownsClient) client.destroy();
  }
}

function configuredClientEndpoint(options: unknown): unknown {
  const client = (options as { client?: unknown }).client;
  if (client === null || typeof client !== 'object') return undefined;
  if (typeof (client as { send?: unknown }).send === 'function') return undefined;
  return (client as { endpoint?: unknown }).endpoint;
}

async function diagnose(
  options: ResolvedOptions,
  client: LicenseManagerClient,
  env: NodeJS.ProcessEnv,
  configuredEndpoint: unknown,
): Promise<DoctorReport> {
  const exchanges = recordExchanges(client);
  const needed = neededActions(options);
  const source = new LicenseSource({
    client,
    productSku: options.productSku,
    keyFingerprint: options.keyFingerprint,
    retry: options.retry,
    callTimeoutMs: options.callTimeoutMs,
    logger: silentLogger,
  });
  const finish = (checks: DoctorCheck[], probesDenied: string[] = []) => report(options, checks, probesDenied);
  const skipRest = (checks: DoctorCheck[], why: string) =>
    finish([
      ...checks,
      ...needed.map((n) => skipped(`action:${n.action}`, why)),
      ...['license', 'entitlements', 'lease'].map((id) => skipped(id, why)),
    ]);

  let credentials = await checkCredentials(client, env);
  const region = await resolveRegion(client);
  const override = endpointOverride(configuredEndpoint, env);
  if (credentials.status === 'fail' || 'error' in region) {
    const why = credentials.status === 'fail' ? 'no credentials' : 'no Region';
    return skipRest([credentials, regionCheck(region, override, undefined), skipped('clock', why)], why);
  }

  // The first call measures the clock. Its signature may be refused for skew; the SDK then corrects
  // its own offset from the answer's Date, and the calls after it are signed on the server's time.
  const first = await settle(source.findLicense());
  const reached = exchanges[0];
  const clock = checkClock(reached);
  let regionLine = regionCheck(region, override, reached?.url);
  if (!first.ok && reached?.date === undefined) {
    regionLine = {
      ...regionLine,
      status: 'fail',
      summary: `${regionLine.summary}: License Manager did not answer (${errorName(first.error)}: ${errorMessage(first.error)})`,
      fix: 'Check the Region and the endpoint: the network path to License Manager (a NAT gateway, or a VPC endpoint for com.amazonaws.<region>.license-manager), proxies, and any endpoint override left over from tests.',
    };
    return skipRest([credentials, regionLine, clock], 'License Manager did not answer');
  }

  const list = await settle(source.findLicense());
  if (!list.ok && CREDENTIALS_REFUSED.has(errorName(list.error))) {
    credentials = {
      ...credentials,
      status: 'fail',
      summary: `${credentials.summary}, but License Manager refused them: ${errorName(list.error)}`,
      fix: 'The key is unknown, its secret wrong, or its session expired: renew the role session, or fix the variables that give the key.',
    };
    return skipRest([credentials, regionLine, clock], 'the credentials were refused');
  }

  const found = list.ok ? list.value : undefined;
  const get: CallOutcome<LicenseInfo> = await settle(source.getLicense(found?.arn ?? PROBE_LICENSE_ARN));
  const probes: ActionProbes = {
    ListReceivedLicenses: { outcome: list, how: 'ListReceivedLicenses by SKU and fingerprint' },
    GetLicense: {
      outcome: get,
      how: found === undefined ? 'GetLicense of an ARN no license has' : 'GetLicense of the license found',
    },
  };
  const token = `licensegate-doctor-probe-${randomUUID()}`;
  if (needed.some((n) => n.action === 'CheckInLicense')) {
    // checkIn() answers false for ResourceNotFoundException (a token already gone counts as checked in).
    const checkIn = source.checkIn(token).then((known) => (known ? 'answered' : 'ResourceNotFoundException'));
    probes.CheckInLicense = { outcome: await settle(checkIn), how: 'CheckInLicense of a token that cannot exist' };
  }
  if (needed.some((n) => n.action === 'ExtendLicenseConsumption')) {
    probes.ExtendLicenseConsumption = {
      outcome: await settle(source.extend(token)),
      how: 'ExtendLicenseConsumption of a token that cannot exist',
    };
  }
  const actions = actionChecks(needed, probes);
  const denied = actions.filter((a) => a.status === 'fail').map((a) => a.id.slice('action:'.length));

  const checks: DoctorCheck[] = [credentials, regionLine, clock, ...actions];
  if (!list.ok) {
    const why = `the license cannot be looked up (ListReceivedLicenses: ${errorName(list.error)})`;
    return finish([...checks, skipped('license', why), skipped('entitlements', why), skipped('lease', why)], denied);
  }
  const license = found !== undefined && get.ok ? get.value : found;
  const miss = license === undefined ? await whyMissing(client, options) : undefined;
  // License Manager's time: the validity it enforces, whatever this machine's clock says.
  const skewMs = clock.data?.['skewMs'];
  const now = Date.now() - (typeof skewMs === 'number' ? skewMs : 0);
  checks.push(checkLicense(license, miss, options, now));
  if (license === undefined) {
    return finish([...checks, skipped('entitlements', 'no license'), skipped('lease', 'no license')], denied);
  }
  checks.push(checkEntitlements(license, options), checkLease(license, options));
  return finish(checks, denied);
}

/** The received licenses that explain a miss: the SKU under other fingerprints, and the SKUs there are. */
async function whyMissing(client: LicenseManagerClient, options: ResolvedOptions): Promise<LicenseMiss> {
  const bySku = await settle(
    client.send(
      new ListReceivedLicensesCommand({
        Filters: [{ Name: 'ProductSKU', Values: [options.productSku] }],
        MaxResults: 100,
      }),
    ),
  );
  const all = await settle(client.send(new ListReceivedLicensesCommand({ MaxResults: 100 })));
  const fingerprints = bySku.ok
    ? [...new Set((bySku.value.Licenses ?? []).map((l) => l.Issuer?.KeyFingerprint ?? '').filter((f) => f !== ''))]
    : [];
  const skus = all.ok
    ? [...new Set((all.value.Licenses ?? []).map((l) => l.ProductSKU ?? '').filter((s) => s !== ''))]
    : [];
  return { otherFingerprints: fingerprints.filter((f) => f !== options.keyFingerprint), receivedSkus: skus };
}

function report(options: ResolvedOptions, checks: DoctorCheck[], denied: readonly string[]): DoctorReport {
  const counts: Record<DoctorStatus, number> = { pass: 0, warn: 0, fail: 0, skip: 0 };
  for (const check of checks) counts[check.status]++;
  return {
    ok: counts.fail === 0,
    productSku: options.productSku,
    keyFingerprint: options.keyFingerprint,
    checks,
    iamPolicyToAdd: denied.length > 0 ? iamPolicyFor(denied) : null,
    counts,
  };
}
