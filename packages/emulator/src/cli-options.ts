import { parseArgs } from 'node:util';
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
  --strict-auth                 verify SigV4 signatures against the --access-key keys
  --access-key AKID:SECRET[:ACTIONS]
                                a key for --strict-auth (repeatable); ACTIONS limits it to a
                                comma-separated list such as CheckoutLicense,GetLicense
  --status-codes smithy|apiref  HTTP status of errors: per exception as the Smithy model says
                                (default), or 400 for every client error as the API reference shows
  --create-time-format epoch-seconds|iso
                                form of License.CreateTime (default epoch-seconds)
  --propagation-delay MS        how long a new license stays PENDING_AVAILABLE (default 0)
  --idempotency-window MS       how long a ClientToken replays its first answer (default 86400000)
  -h, --help                    show this help
  -v, --version                 show the version

Test controls live under /_emulator/ (clock, faults, state, reset); see the README.
It prints "listening on http://HOST:PORT" once ready, and stops on SIGINT or SIGTERM.
`;

function parseAccessKey(text: string): AccessKey {
  const [accessKeyId, secretAccessKey, actions] = text.split(':');
  if (!accessKeyId || !secretAccessKey) {
    throw new EmulatorError(
      'ERR_LG_EMU_BAD_OPTION',
      `--access-key takes AKID:SECRET or AKID:SECRET:Action1,Action2; got '${text}'.`,
    );
  }
  return { accessKeyId, secretAccessKey, ...(actions ? { actions: actions.split(',') } : {}) };
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
  if (parsed['access-key'] !== undefined) options.accessKeys = parsed['access-key'].map(parseAccessKey);
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
