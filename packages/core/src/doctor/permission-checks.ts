import type { CallOutcome } from './call-outcome.js';
import { errorMessage, errorName, permissionOf } from './call-outcome.js';
import type { DoctorCheck } from './doctor-report.js';
import type { NeededAction } from './needed-actions.js';

/** How each needed action was probed: the outcome of a call that changes nothing, or none. */
export type ActionProbes = Partial<Record<NeededAction['action'], { outcome: CallOutcome<unknown>; how: string }>>;

/** CheckoutLicense cannot be probed without taking something: a seat, units, or a tier checkout. */
export const UNTESTABLE: Readonly<Partial<Record<NeededAction['action'], string>>> = {
  CheckoutLicense:
    "not tested: every checkout takes something (a seat, drawdown units, or a tier checkout), so the doctor makes none; assumed allowed (if it is not, a tier gate's start() rejects with AccessDeniedException, and seats and drawdown fail at their first checkout)",
};

/** One checklist line per needed action: allowed, denied (with the policy to add), or not tested. */
export function actionChecks(needed: readonly NeededAction[], probes: ActionProbes): DoctorCheck[] {
  return needed.map(({ action, why }): DoctorCheck => {
    const id = `action:${action}`;
    const probe = probes[action];
    const base = { action: `license-manager:${action}`, neededFor: why };
    if (probe === undefined) {
      return {
        id,
        status: 'skip',
        summary: `license-manager:${action} ${UNTESTABLE[action] ?? 'not tested'}`,
        data: { ...base, result: 'untested' },
      };
    }
    const permission = permissionOf(probe.outcome);
    const answer = probe.outcome.ok
      ? typeof probe.outcome.value === 'string'
        ? probe.outcome.value
        : 'answered'
      : errorName(probe.outcome.error);
    const data = { ...base, result: permission, probe: probe.how, answer };
    switch (permission) {
      case 'allowed':
        return {
          id,
          status: 'pass',
          summary: `license-manager:${action} allowed (${probe.how}: ${answer === 'answered' ? answer : `${answer}, which IAM lets through`})`,
          data,
        };
      case 'denied':
        return {
          id,
          status: 'fail',
          summary: `license-manager:${action} denied (${answer}); needed for ${why}`,
          fix: `Add license-manager:${action} to the role's policy (the IAM policy to add is printed below the checklist).`,
          data,
        };
      default:
        return {
          id,
          status: 'skip',
          summary: `license-manager:${action} could not be told: ${probe.how} ended with ${answer}${probe.outcome.ok ? '' : ` (${errorMessage(probe.outcome.error)})`}`,
          data,
        };
    }
  });
}
