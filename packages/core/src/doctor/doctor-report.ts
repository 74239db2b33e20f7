/**
 * What `licensegate doctor` finds: one check per line of its checklist, in the order it runs them,
 * each with a status, what it saw, and how to fix a failure.
 *
 * @module
 */

/** `pass`: fine; `warn`: works, but look at it; `fail`: the app will not work so; `skip`: not tested (says why). */
export type DoctorStatus = 'pass' | 'warn' | 'fail' | 'skip';

/** One line of the checklist. */
export interface DoctorCheck {
  /** Stable id: `credentials`, `region`, `clock`, `action:<Operation>`, `license`, `entitlements`, `lease`. */
  readonly id: string;
  readonly status: DoctorStatus;
  /** What was found, in one sentence. */
  readonly summary: string;
  /** How to fix it (for `fail` and `warn`), when there is a fix to give. */
  readonly fix?: string;
  /** The facts behind the summary, for `--json`. */
  readonly data?: Readonly<Record<string, unknown>>;
}

/** The whole report: `ok` is false when any check failed. */
export interface DoctorReport {
  readonly ok: boolean;
  readonly productSku: string;
  readonly keyFingerprint: string;
  readonly checks: readonly DoctorCheck[];
  /** The IAM policy that grants every action found missing, or `null` when none is. */
  readonly iamPolicyToAdd: IamPolicy | null;
  readonly counts: Readonly<Record<DoctorStatus, number>>;
}

/** An IAM policy document, as the IAM console takes it. */
export interface IamPolicy {
  readonly Version: '2012-10-17';
  readonly Statement: readonly {
    readonly Effect: 'Allow';
    readonly Action: readonly string[];
    readonly Resource: '*';
  }[];
}

/** The policy that allows `actions` (License Manager's buyer actions take no resource ARN: `*`). */
export function iamPolicyFor(actions: readonly string[]): IamPolicy {
  return {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: actions.map((a) => `license-manager:${a}`), Resource: '*' }],
  };
}
