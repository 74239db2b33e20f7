/**
 * `npm run soak`: runs the soak from the command line, prints the table of figures, and exits 1
 * when one of the five is not 0 (2 for a bad command line). `--help` says how.
 */
import { parseSoakArgs, SoakOptionError, USAGE } from './options.js';
import { formatReport } from './report.js';
import { runSoak } from './run.js';

async function main(argv: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseSoakArgs(argv);
  } catch (error) {
    if (!(error instanceof SoakOptionError)) throw error;
    process.stderr.write(`${error.code}: ${error.message}\n`);
    return 2;
  }
  if (parsed.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const options = { ...parsed.options, progress: (line: string) => process.stderr.write(`${line}\n`) };
  process.stderr.write(`seed ${options.seed}\n`);
  const result = await runSoak(options);
  process.stdout.write(`${formatReport(result)}\n`);
  return result.passed ? 0 : 1;
}

process.exitCode = await main(process.argv.slice(2));
