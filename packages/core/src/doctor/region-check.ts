import type { LicenseManagerClient } from '@aws-sdk/client-license-manager';
import type { DoctorCheck } from './doctor-report.js';

/** Where an endpoint override comes from, in the SDK's order: the client's config, then the environment. */
export function endpointOverride(
  configured: unknown,
  env: NodeJS.ProcessEnv,
): { url: string; from: string } | undefined {
  if (typeof configured === 'string') return { url: configured, from: 'client.endpoint (--endpoint)' };
  if (configured !== undefined && configured !== null) return { url: String(configured), from: 'client.endpoint' };
  if (env['AWS_IGNORE_CONFIGURED_ENDPOINT_URLS'] === 'true') return undefined;
  const service = env['AWS_ENDPOINT_URL_LICENSE_MANAGER'];
  if (service) return { url: service, from: 'AWS_ENDPOINT_URL_LICENSE_MANAGER' };
  const global = env['AWS_ENDPOINT_URL'];
  if (global) return { url: global, from: 'AWS_ENDPOINT_URL' };
  return undefined;
}

/** The Region the client resolved (options, `AWS_REGION`, the profile…), and the endpoint override when set. */
export async function resolveRegion(client: LicenseManagerClient): Promise<{ region: string } | { error: string }> {
  try {
    const region = await (client.config.region as unknown as () => Promise<string>)();
    if (typeof region !== 'string' || region === '') return { error: 'Region is missing' };
    return { region };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

/** The region line of the checklist. */
export function regionCheck(
  region: { region: string } | { error: string },
  override: { url: string; from: string } | undefined,
  usedUrl: string | undefined,
): DoctorCheck {
  if ('error' in region) {
    return {
      id: 'region',
      status: 'fail',
      summary: `no Region: ${region.error}`,
      fix: 'Set AWS_REGION (ECS and Lambda set it; on EC2 and EKS set it in the task or pod), or client: { region } in the options (flag --region).',
      data: { region: null, endpoint: override?.url ?? null, endpointFrom: override?.from ?? null },
    };
  }
  const endpoint = usedUrl ?? override?.url ?? null;
  return {
    id: 'region',
    status: 'pass',
    summary: `${region.region}; ${override === undefined ? `endpoint ${endpoint ?? "the SDK's default"}` : `endpoint override ${override.url} (from ${override.from})`}`,
    data: {
      region: region.region,
      endpoint,
      endpointOverride: override?.url ?? null,
      endpointFrom: override?.from ?? null,
    },
  };
}
