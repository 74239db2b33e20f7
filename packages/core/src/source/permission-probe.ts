import { randomUUID } from 'node:crypto';
import {
  CheckInLicenseCommand,
  ExtendLicenseConsumptionCommand,
  type LicenseManagerClient,
} from '@aws-sdk/client-license-manager';
import { classifyFailure } from './failure-kind.js';
import { permissionOfError } from './permission-answer.js';

/** A License Manager operation whose permission can be probed without changing anything. */
export type ProbedOperation = 'CheckInLicense' | 'ExtendLicenseConsumption';

/**
 * What a probe learnt of one operation: `allowed` (License Manager looked at the request, so IAM let
 * it through), `denied` (AccessDenied: the role lacks the action), or `unknown` (no answer — the
 * network, throttling, a 5xx — or the credentials themselves were refused, which start() reports).
 */
export interface ProbeOutcome {
  readonly operation: ProbedOperation;
  readonly outcome: 'allowed' | 'denied' | 'unknown';
  /** The exception name License Manager (or the network) answered with. */
  readonly error: string | undefined;
  /** Its message. */
  readonly message: string | undefined;
}

/**
 * Calls each operation once with a consumption token that cannot exist (and `DryRun` where the API
 * has it), so that nothing changes whatever the answer: License Manager checks the caller's IAM
 * permission before it looks the token up, so AccessDenied says the action is missing, and any
 * answer about the token (ResourceNotFound, a validation error, DryRunOperation) says it is there.
 * One attempt each, in parallel, bounded by `callTimeoutMs`; never rejects.
 */
export async function probePermissions(
  client: LicenseManagerClient,
  operations: readonly ProbedOperation[],
  callTimeoutMs: number,
): Promise<ProbeOutcome[]> {
  return Promise.all(operations.map((operation) => probeOne(client, operation, callTimeoutMs)));
}

async function probeOne(
  client: LicenseManagerClient,
  operation: ProbedOperation,
  callTimeoutMs: number,
): Promise<ProbeOutcome> {
  const token = `licensegate-permission-probe-${randomUUID()}`;
  try {
    const command =
      operation === 'CheckInLicense'
        ? new CheckInLicenseCommand({ LicenseConsumptionToken: token })
        : new ExtendLicenseConsumptionCommand({ LicenseConsumptionToken: token, DryRun: true });
    await client.send(command as CheckInLicenseCommand, { abortSignal: AbortSignal.timeout(callTimeoutMs) });
    return { operation, outcome: 'allowed', error: undefined, message: undefined };
  } catch (error) {
    const failure = classifyFailure(error);
    const outcome = permissionOfError(failure.name, failure.kind === 'transient');
    return { operation, outcome, error: failure.name, message: failure.message };
  }
}
