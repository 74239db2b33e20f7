/**
 * Access keys as the emulator is told about them: `--access-key AKID:SECRET[:ACTIONS]` on the command
 * line, `accessKeys` in `startEmulator()`. Both are checked here, with one grammar for actions.
 */
import { EmulatorError } from '../emulator-error.js';
import type { AccessKey } from './sigv4.js';

/** How to write `--access-key`, for `--help` and for error messages. */
export const ACCESS_KEY_GRAMMAR =
  'AKID:SECRET[:ACTIONS]: the access key id up to the first ":", the secret up to the second ":", ' +
  'then optionally a comma-separated list of actions, each Name, license-manager:Name or an IAM ' +
  'pattern with * and ? (*, license-manager:*, license-manager:Get*), ' +
  'e.g. AKID:SECRET:license-manager:Get*,CheckoutLicense';

/** The only service whose actions the emulator answers. */
const SERVICE = 'license-manager';
/** An action name or pattern after the optional service prefix: letters and digits, `*` and `?`. */
const ACTION_NAME = /^[A-Za-z0-9*?]+$/;

function badOption(message: string): EmulatorError {
  return new EmulatorError('ERR_LG_EMU_BAD_OPTION', message);
}

/**
 * Why an action pattern is not one the emulator reads, or undefined when it is: `*`, `Name`,
 * `license-manager:Name` (the service case-insensitive, as IAM reads it), with `*` and `?` wildcards
 * in the name.
 */
export function actionPatternProblem(pattern: unknown): string | undefined {
  if (typeof pattern !== 'string') return `an action must be text, not ${JSON.stringify(pattern) ?? typeof pattern}`;
  const action = pattern;
  if (action.trim() === '') return 'an action is empty';
  if (action === '*') return undefined;
  const colon = action.indexOf(':');
  const service = colon < 0 ? undefined : action.slice(0, colon);
  const name = colon < 0 ? action : action.slice(colon + 1);
  if (service !== undefined && service.toLowerCase() !== SERVICE) {
    return `'${action}' is not a ${SERVICE} action (the emulator answers ${SERVICE} only)`;
  }
  if (!ACTION_NAME.test(name)) {
    return `'${action}' is not an action name: after '${SERVICE}:' come letters, digits, * and ? only`;
  }
  return undefined;
}

/**
 * Reads `AKID:SECRET[:ACTIONS]`. The key id and the secret are the first two `:`-separated fields
 * (AWS key ids and secrets have no `:`); everything after the second `:` is the action list, which
 * may itself contain `:` (`license-manager:Get*`).
 *
 * @throws EmulatorError ERR_LG_EMU_BAD_OPTION saying how to write it
 */
export function parseAccessKeySpec(text: string): AccessKey {
  const first = text.indexOf(':');
  const second = first < 0 ? -1 : text.indexOf(':', first + 1);
  const accessKeyId = first < 0 ? text : text.slice(0, first);
  const secretAccessKey = first < 0 ? '' : second < 0 ? text.slice(first + 1) : text.slice(first + 1, second);
  const actionList = second < 0 ? undefined : text.slice(second + 1);
  // The secret is not echoed back: the message goes to a terminal or a CI log.
  const shown = `${accessKeyId}:${secretAccessKey === '' ? '' : '***'}${actionList === undefined ? '' : `:${actionList}`}`;
  const bad = (why: string) => badOption(`--access-key takes ${ACCESS_KEY_GRAMMAR}; got '${shown}': ${why}.`);
  if (accessKeyId === '') throw bad('the access key id is empty');
  if (secretAccessKey === '') throw bad('the secret is missing');
  if (actionList === undefined) return { accessKeyId, secretAccessKey };
  if (actionList.trim() === '') {
    throw bad('the action list after the second ":" is empty (leave out the ":" to allow every action)');
  }
  const actions = actionList.split(',').map((action) => action.trim());
  for (const action of actions) {
    const problem = actionPatternProblem(action);
    if (problem !== undefined) throw bad(problem);
  }
  return { accessKeyId, secretAccessKey, actions };
}

/**
 * Checks the `accessKeys` option and indexes it by access key id.
 * @throws EmulatorError ERR_LG_EMU_BAD_OPTION naming the key and what is wrong with it
 */
export function checkAccessKeys(keys: readonly unknown[]): Map<string, AccessKey> {
  const byId = new Map<string, AccessKey>();
  keys.forEach((entry, i) => {
    const key = entry as Partial<AccessKey> | null | undefined;
    const where = `accessKeys[${i}]`;
    if (
      typeof key?.accessKeyId !== 'string' ||
      key.accessKeyId === '' ||
      typeof key.secretAccessKey !== 'string' ||
      key.secretAccessKey === ''
    ) {
      throw badOption(`${where}: each access key needs a non-empty accessKeyId and secretAccessKey.`);
    }
    if (key.sessionToken !== undefined && typeof key.sessionToken !== 'string')
      throw badOption(`${where}: sessionToken must be text.`);
    if (key.actions !== undefined) {
      if (!Array.isArray(key.actions)) {
        throw badOption(
          `${where}: actions must be a list such as ['license-manager:Get*', 'CheckoutLicense'] (an empty list allows nothing).`,
        );
      }
      key.actions.forEach((action: unknown, j) => {
        const problem = actionPatternProblem(action);
        if (problem !== undefined) {
          throw badOption(
            `${where}.actions[${j}]: ${problem}. Write Name, license-manager:Name or an IAM pattern such as license-manager:Get*.`,
          );
        }
      });
    }
    if (byId.has(key.accessKeyId)) {
      throw badOption(`${where}: access key ${key.accessKeyId} is listed twice; list each key once.`);
    }
    byId.set(key.accessKeyId, key as AccessKey);
  });
  return byId;
}
