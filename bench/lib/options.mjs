// The command-line options of a bench: whole numbers of 1 or more, each with its default.
import { parseArgs } from 'node:util';

const camel = (name) => name.replace(/-([a-z])/g, (_, c) => c.toUpperCase());

/**
 * Parses a bench's options. `defaults` maps each option's name (`round-ms`) to its default; the
 * answer maps its camel-case name (`roundMs`) to the number given. `--help` (`-h`) prints `usage` and
 * exits. Not strict: bench/run.mjs passes the same options to every bench, so options of other
 * benches are ignored, with a note.
 * @throws Error naming the option when a value is not a whole number of 1 or more
 */
export function wholeNumberOptions(usage, defaults) {
  const { values } = parseArgs({
    strict: false,
    options: {
      ...Object.fromEntries(
        Object.entries(defaults).map(([name, value]) => [name, { type: 'string', default: String(value) }]),
      ),
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(usage);
    process.exit(0);
  }
  const ignored = Object.keys(values).filter((name) => name !== 'help' && !(name in defaults));
  if (ignored.length > 0) console.log(`note: ignoring options this bench does not have: --${ignored.join(', --')}`);
  const parsed = {};
  for (const name of Object.keys(defaults)) {
    const text = values[name];
    const n = typeof text === 'string' ? Number(text) : NaN;
    if (!Number.isInteger(n) || n < 1) {
      throw new Error(
        `--${name} takes a whole number of 1 or more; got ${typeof text === 'string' ? `'${text}'` : 'no value'}.`,
      );
    }
    parsed[camel(name)] = n;
  }
  return parsed;
}
