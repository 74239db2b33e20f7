import { parseArgs } from 'node:util';
import { parseAccessKeySpec } from './auth/access-key-spec.js';
import type { AccessKey } from './auth/sigv4.js';
import { EmulatorError } from './emulator-error.js';
import type { EmulatorOptions } from './server.js';

/** The `--help` text. */
export const USAGE = `Usage: licensegate-emulator [options]

A local AWS License Manager that speaks the AWS JSON 1.1 wire protocol.
Point an AWS SDK or the AWS CLI at it with an endpoint override (--endpoint-url URL).

Options:
  --host HOST                   interface to bind (default 127.0.0.1)
  --port PORT                   port to listen on (default 4567; 0 picks a free port)
  --licenses FILE               licenses to load: a JSON list in CreateLicense's request shape
  --account-id ID               the emulator's own AWS account, 12 digits (default 123456789012)
  --strict-auth                 verify SigV4 signatures against the --access-key keys; the admin
                                path then needs a token, printed at start unless --admin-token
  --access-key AKID:SECRET[:ACTIONS]
                                a key for --strict-auth (repeatable). AKID ends at the first ":",
                                SECRET at the second; ACTIONS, all the rest, limits the key to a
                                comma-separated list of Name, license-manager:Name or IAM patterns
                                with * and ?: AKID:SECRET:license-manager:Get*,CheckoutLicense
  --admin-token TOKEN           the token /_emulator/ requires, as "authorization: Bearer TOKEN"
                                or "x-emulator-admin-token: TOKEN" (visible ASCII, no spaces)
  --console                     serve the console, a web page at /_emulator/console/ that shows
                                licenses, seats and units over time and drives the emulator;
                                its URL is printed at start (with the admin token, if any)
  --status-codes smithy|apiref  HTTP status of errors: per exception as the Smithy model says
                                (default), or 400 for every client error as the API reference shows
  --create-time-format epoch-seconds|iso
                                form of License.CreateTime (default epoch-seconds)
  --propagation-delay MS        how long a new license stays PENDING_AVAILABLE (default 0)
  --idempotency-window MS       how long a ClientToken replays its first answer (default 86400000)
  -h, --help                    show this help
  -v, --version                 show the version

Test controls live under /_emulator/ (clock, faults, state, reset); see the README.
It prints "listening on http://HOST:PORT" once ready (and, under --strict-auth without
--admin-token, a line "admin token: TOKEN"; with --console, a line "console: URL"), and
stops on SIGINT or SIGTERM.
`;

/** Every `--access-key`, read; the same key id twice is an error. */
function parseAccessKeys(specs: readonly string[]): AccessKey[] {
  const keys = specs.map(parseAccessKeySpec);
  const seen = new Set<string>();
  for (const key of keys) {
    if (seen.has(key.accessKeyId)) {
      throw new EmulatorError(
        'ERR_LG_EMU_BAD_OPTION',
        `--access-key ${key.accessKeyId} is given twice; give each key once, with all its actions after the second ":".`,
      );
    }
    seen.add(key.accessKeyId);
  }
  return keys;
}

function wholeNumber(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{1,15}$/.test(text))
    throw new EmulatorError('ERR_LG_EMU_BAD_OPTION', `${flag} takes a whole number; got '${text}'.`);
  return Number(text);
}

/**
 * Turns the command line into emulator options, or `'help'` / `'version'` when it asks for those.
 * @throws EmulatorError ERR_LG_EMU_BAD_OPTION for an unknown flag or a bad value
 */
export function optionsFromArgs(args: string[]): EmulatorOptions | 'help' | 'version' {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      strict: true,
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        licenses: { type: 'string' },
        'account-id': { type: 'string' },
        'strict-auth': { type: 'boolean' },
        'access-key': { type: 'string', multiple: true },
        'admin-token': { type: 'string' },
        console: { type: 'boolean' },
        'status-codes': { type: 'string' },
        'create-time-format': { type: 'string' },
        'propagation-delay': { type: 'string' },
        'idempotency-window': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    }).values;
  } catch (error) {
    throw new EmulatorError('ERR_LG_EMU_BAD_OPTION', `${(error as Error).message}. Run licensegate-emulator --help.`);
  }
  if (parsed.help) return 'help';
  if (parsed.version) return 'version';
  const options: EmulatorOptions = { port: wholeNumber('--port', parsed.port) ?? 4567 };
  if (parsed.host !== undefined) options.host = parsed.host;
  if (parsed.licenses !== undefined) options.licenses = parsed.licenses;
  if (parsed['account-id'] !== undefined) options.accountId = parsed['account-id'];
  if (parsed['strict-auth']) options.auth = 'strict';
  if (parsed['access-key'] !== undefined) options.accessKeys = parseAccessKeys(parsed['access-key']);
  if (parsed['admin-token'] !== undefined) options.adminToken = parsed['admin-token'];
  if (parsed.console) options.console = true;
  if (parsed['status-codes'] !== undefined)
    options.statusCodes = parsed['status-codes'] as EmulatorOptions['statusCodes'];
  if (parsed['create-time-format'] !== undefined)
    options.createTimeFormat = parsed['create-time-format'] as EmulatorOptions['createTimeFormat'];
  const delay = wholeNumber('--propagation-delay', parsed['propagation-delay']);
  if (delay !== undefined) options.propagationDelayMs = delay;
  const window = wholeNumber('--idempotency-window', parsed['idempotency-window']);
  if (window !== undefined) options.idempotencyWindowMs = window;
  return options;
}
