import type { LicenseManagerClient } from '@aws-sdk/client-license-manager';
import type { DoctorCheck } from './doctor-report.js';

/**
 * Which provider of the AWS SDK's default chain supplied credentials. Recent SDKs mark resolved
 * credentials with `$source` feature flags (`CREDENTIALS_ENV_VARS`, `CREDENTIALS_PROFILE`, …); the
 * names below are the SDK's. The instance metadata service (IMDS) marks nothing, and SDKs older
 * than the marks mark nothing at all: then the provider is inferred from the environment, in the
 * chain's order, and the answer says so.
 */
const PROVIDERS: readonly (readonly [feature: string, provider: string])[] = [
  ['CREDENTIALS_CODE', 'code (credentials given to the client)'],
  [
    'CREDENTIALS_ENV_VARS_STS_WEB_ID_TOKEN',
    'web identity token from the environment (AWS_WEB_IDENTITY_TOKEN_FILE, e.g. EKS IRSA)',
  ],
  ['CREDENTIALS_ENV_VARS', 'environment variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)'],
  ['CREDENTIALS_SSO', 'IAM Identity Center (SSO)'],
  ['CREDENTIALS_SSO_LEGACY', 'IAM Identity Center (SSO, legacy profile)'],
  ['CREDENTIALS_PROFILE_SSO', 'shared config profile with IAM Identity Center (SSO)'],
  ['CREDENTIALS_PROFILE_SSO_LEGACY', 'shared config profile with IAM Identity Center (SSO, legacy)'],
  ['CREDENTIALS_PROFILE_STS_WEB_ID_TOKEN', 'shared config profile with a web identity token'],
  ['CREDENTIALS_PROFILE_PROCESS', 'shared config profile with credential_process'],
  ['CREDENTIALS_PROFILE_SOURCE_PROFILE', 'shared config profile assuming a role from source_profile'],
  ['CREDENTIALS_PROFILE_NAMED_PROVIDER', 'shared config profile assuming a role from credential_source'],
  ['CREDENTIALS_PROFILE_LOGIN', 'shared config profile with console login'],
  ['CREDENTIALS_PROFILE', 'shared config/credentials file profile'],
  ['CREDENTIALS_PROCESS', 'credential_process'],
  ['CREDENTIALS_STS_ASSUME_ROLE_WEB_ID', 'web identity token file (AssumeRoleWithWebIdentity, e.g. EKS IRSA)'],
  ['CREDENTIALS_STS_ASSUME_ROLE', 'an assumed role (AssumeRole)'],
  ['CREDENTIALS_HTTP', 'container credentials endpoint (ECS task role or EKS Pod Identity)'],
  ['CREDENTIALS_LOGIN', 'console login'],
];

/** The provider's name, and whether the SDK said it (`marked`) or the environment suggested it. */
export function credentialProvider(
  credentials: { readonly $source?: Readonly<Record<string, unknown>> },
  env: NodeJS.ProcessEnv,
): { provider: string; marked: boolean; features: string[] } {
  const features = Object.keys(credentials.$source ?? {});
  const known = PROVIDERS.filter(([feature]) => features.includes(feature)).map(([, provider]) => provider);
  if (known.length > 0) return { provider: known.join(', via '), marked: true, features };
  if (features.length > 0) return { provider: features.join(', '), marked: true, features };
  // Unmarked: the chain's order (env, SSO, ini, process, web identity, container, IMDS) over what the environment holds.
  let provider: string;
  if (env['AWS_ACCESS_KEY_ID'] && env['AWS_SECRET_ACCESS_KEY'] && !env['AWS_PROFILE'])
    provider = 'environment variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)';
  else if (env['AWS_PROFILE'])
    provider = `shared config/credentials file profile ${JSON.stringify(env['AWS_PROFILE'])}`;
  else if (env['AWS_WEB_IDENTITY_TOKEN_FILE']) provider = 'web identity token file (AWS_WEB_IDENTITY_TOKEN_FILE)';
  else if (env['AWS_CONTAINER_CREDENTIALS_RELATIVE_URI'] || env['AWS_CONTAINER_CREDENTIALS_FULL_URI'])
    provider = 'container credentials endpoint (ECS task role or EKS Pod Identity)';
  else provider = 'EC2 instance metadata (IMDS), or a shared config file profile';
  return { provider: `${provider} (inferred: the SDK did not mark its provider)`, marked: false, features };
}

/** `AKIA…WXYZ`: enough to tell keys apart, never the whole id. */
function maskKey(id: string): string {
  return id.length <= 8 ? `${id.slice(0, 4)}…` : `${id.slice(0, 4)}…${id.slice(-4)}`;
}

/** Resolves the client's credentials through its provider chain, and says which provider gave them. */
export async function checkCredentials(client: LicenseManagerClient, env: NodeJS.ProcessEnv): Promise<DoctorCheck> {
  const provide = client.config.credentials as unknown as () => Promise<{
    accessKeyId: string;
    sessionToken?: string;
    expiration?: Date;
    $source?: Record<string, unknown>;
  }>;
  try {
    const credentials = await provide();
    const { provider, marked, features } = credentialProvider(credentials, env);
    return {
      id: 'credentials',
      status: 'pass',
      summary: `found, from ${provider}: key ${maskKey(credentials.accessKeyId)}${credentials.sessionToken ? ' with a session token' : ''}${credentials.expiration ? `, expiring ${credentials.expiration.toISOString()}` : ''}`,
      data: {
        provider,
        markedBySdk: marked,
        features,
        accessKeyId: maskKey(credentials.accessKeyId),
        temporary: credentials.sessionToken !== undefined,
        expiration: credentials.expiration?.toISOString() ?? null,
      },
    };
  } catch (error) {
    return {
      id: 'credentials',
      status: 'fail',
      summary: `none found: ${(error as Error).message}`,
      fix:
        'Run the app with a role: an EC2 instance profile, an ECS task role, EKS IRSA or Pod Identity. The SDK looks, in order, at ' +
        'AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, SSO, the shared config and credentials files (AWS_PROFILE), credential_process, ' +
        'AWS_WEB_IDENTITY_TOKEN_FILE, the container endpoint (AWS_CONTAINER_CREDENTIALS_*), then the instance metadata service.',
      data: { provider: null, error: (error as Error).message },
    };
  }
}
