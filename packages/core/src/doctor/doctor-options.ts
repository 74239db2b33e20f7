import { readFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { fail, isObject } from '../validation/option-checks.js';

/** What `licensegate doctor` was asked: the app's options (file and flags merged), and how to answer. */
export interface DoctorCommand {
  readonly options: Record<string, unknown>;
  readonly json: boolean;
  readonly help: boolean;
}

/** `licensegate doctor --help`. */
export const DOCTOR_USAGE = `Usage: licensegate doctor [--config FILE] [flags] [--json]

Checks, in order, what breaks licensegate in an account: credentials and their provider, the Region
and endpoint, the clock against License Manager's, each IAM action the options need (with calls that
change nothing), the license for the SKU and fingerprint, its entitlements against the options, and
the lease. Prints a checklist with the fix for each failure.

  --config FILE                  the app's options (LicenseGateOptions): a .json file, or a .js/.mjs
                                 module whose default export is the options object
  --product-sku SKU              productSku
  --fingerprint FINGERPRINT      keyFingerprint (default: AWS Marketplace's)
  --region REGION                client.region
  --endpoint URL                 client.endpoint (AWS_ENDPOINT_URL_LICENSE_MANAGER works too)
  --tier NAME                    a tier, lowest first; repeat it, or give a comma-separated list
  --seats ENTITLEMENT[:UNIT]     seats.entitlement (and seats.unit)
  --drawdown DIMENSION[:UNIT]    a drawdown dimension; repeat it for several
  --json                         the report as JSON on stdout
  -h, --help                     this text

Flags override the file. Exit status: 0 nothing failed (warnings allowed), 1 a check failed,
2 bad flags or options (the message has an ERR_LG_* code).
`;

function usage(message: string): never {
  fail('ERR_LG_CLI_USAGE', `${message} See \`licensegate doctor --help\`.`);
}

/** `Name` or `Name:Unit`. */
function nameAndUnit(flag: string, value: string): { name: string; unit?: string } {
  const [name, unit, extra] = value.split(':');
  if (name === undefined || name === '' || unit === '' || extra !== undefined)
    usage(`--${flag} takes NAME or NAME:UNIT; got ${JSON.stringify(value)}.`);
  return unit === undefined ? { name } : { name, unit };
}

/**
 * Reads the doctor's flags and its config file into the app's options; the options themselves are
 * checked later, by core's own checks, as `createLicenseGate()` checks them.
 * @throws LicenseGateConfigurationError `ERR_LG_CLI_USAGE` for a bad flag, `ERR_LG_CLI_CONFIG` for a file that cannot be read
 */
export async function readDoctorCommand(argv: readonly string[], cwd: string = process.cwd()): Promise<DoctorCommand> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: false,
      strict: true,
      options: {
        config: { type: 'string' },
        'product-sku': { type: 'string' },
        fingerprint: { type: 'string' },
        region: { type: 'string' },
        endpoint: { type: 'string' },
        tier: { type: 'string', multiple: true },
        seats: { type: 'string' },
        drawdown: { type: 'string', multiple: true },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    usage((error as Error).message);
  }
  const flags = parsed.values;
  if (flags.help === true) return { options: {}, json: false, help: true };
  const options: Record<string, unknown> =
    flags.config === undefined ? {} : await readConfig(resolve(cwd, flags.config));
  if (flags['product-sku'] !== undefined) options['productSku'] = flags['product-sku'];
  if (flags.fingerprint !== undefined) options['keyFingerprint'] = flags.fingerprint;
  if (flags.region !== undefined || flags.endpoint !== undefined) {
    const client = options['client'] ?? {};
    if (!isObject(client) || typeof client['send'] === 'function')
      usage('--region and --endpoint apply to a client config, and the config file gives a client instance.');
    options['client'] = {
      ...client,
      ...(flags.region !== undefined ? { region: flags.region } : {}),
      ...(flags.endpoint !== undefined ? { endpoint: flags.endpoint } : {}),
    };
  }
  if (flags.tier !== undefined) options['tiers'] = flags.tier.flatMap((t) => t.split(',')).map((t) => t.trim());
  if (flags.seats !== undefined) {
    const { name, unit } = nameAndUnit('seats', flags.seats);
    options['seats'] = {
      ...(isObject(options['seats']) ? options['seats'] : {}),
      entitlement: name,
      ...(unit ? { unit } : {}),
    };
  }
  if (flags.drawdown !== undefined) {
    const drawdown: Record<string, unknown> = isObject(options['drawdown']) ? { ...options['drawdown'] } : {};
    for (const value of flags.drawdown) {
      const { name, unit } = nameAndUnit('drawdown', value);
      drawdown[name] = { ...(isObject(drawdown[name]) ? drawdown[name] : {}), ...(unit ? { unit } : {}) };
    }
    options['drawdown'] = drawdown;
  }
  return { options, json: flags.json === true, help: false };
}

/** A `.json` file, or a JavaScript module whose default export is the options. */
async function readConfig(path: string): Promise<Record<string, unknown>> {
  const bad = (why: string): never => fail('ERR_LG_CLI_CONFIG', `--config ${path}: ${why}`);
  let config: unknown;
  if (extname(path) === '.json') {
    let text = '';
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      bad(`cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`);
    }
    try {
      config = JSON.parse(text);
    } catch (error) {
      bad(`is not JSON (${(error as Error).message}).`);
    }
  } else if (['.js', '.mjs', '.cjs'].includes(extname(path))) {
    let module: { default?: unknown };
    try {
      module = (await import(pathToFileURL(path).href)) as { default?: unknown };
    } catch (error) {
      return bad(`cannot be loaded (${(error as Error).message}).`);
    }
    config = module.default;
    if (config === undefined) bad('has no default export: export default { productSku, tiers, ... }.');
  } else {
    bad('must be a .json file or a .js/.mjs/.cjs module with the options as its default export.');
  }
  if (!isObject(config))
    bad(`must hold the options object ({ productSku, tiers, ... }); got ${JSON.stringify(config)}.`);
  return { ...(config as Record<string, unknown>) };
}
