import type { DoctorReport, DoctorStatus } from './doctor-report.js';

const MARK: Readonly<Record<DoctorStatus, string>> = { pass: '[ok]  ', warn: '[warn]', fail: '[FAIL]', skip: '[skip]' };

/** The checklist as text: one line per check, its fix below a failure or warning, the IAM policy to add at the end. */
export function renderReport(report: DoctorReport): string {
  const lines = [`licensegate doctor: product ${report.productSku}, key fingerprint ${report.keyFingerprint}`, ''];
  for (const check of report.checks) {
    lines.push(`${MARK[check.status]} ${check.id.padEnd(34)} ${check.summary}`);
    if (check.fix !== undefined && (check.status === 'fail' || check.status === 'warn')) {
      lines.push(`${' '.repeat(7)}fix: ${check.fix}`);
    }
  }
  if (report.iamPolicyToAdd !== null) {
    lines.push('', 'IAM policy to add to the role the app runs with:', JSON.stringify(report.iamPolicyToAdd, null, 2));
  }
  const { pass, warn, fail, skip } = report.counts;
  lines.push(
    '',
    `${fail === 0 ? 'OK' : 'FAILED'}: ${pass} passed, ${warn} warning${warn === 1 ? '' : 's'}, ${fail} failed, ${skip} not checked.`,
  );
  return `${lines.join('\n')}\n`;
}
