/**
 * The `licensegate` command: `licensegate doctor` (packages/core/bin/licensegate.js runs it).
 *
 * @module
 */
import { LicenseGateError } from '../errors.js';
import { DOCTOR_USAGE, readDoctorCommand } from '../doctor/doctor-options.js';
import { renderReport } from '../doctor/render-report.js';
import { runDoctor } from '../doctor/run-doctor.js';

/** Where the command writes, and what it reads (the process's own, unless a test gives others). */
export interface CommandIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

const USAGE = `Usage: licensegate <command>

Commands:
  doctor     check credentials, Region, clock, IAM permissions and the license (licensegate doctor --help)
`;

/**
 * Runs `licensegate ARGS`.
 * @returns the exit status: 0 nothing failed, 1 a check failed, 2 bad usage or options
 */
export async function main(argv: readonly string[], io: CommandIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    io.stdout.write(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command !== 'doctor') {
    io.stderr.write(`licensegate: ERR_LG_CLI_USAGE: unknown command ${JSON.stringify(command)}.\n${USAGE}`);
    return 2;
  }
  try {
    const doctor = await readDoctorCommand(rest, io.cwd);
    if (doctor.help) {
      io.stdout.write(DOCTOR_USAGE);
      return 0;
    }
    const report = await runDoctor({ options: doctor.options, env: io.env });
    io.stdout.write(doctor.json ? `${JSON.stringify(report, null, 2)}\n` : renderReport(report));
    return report.ok ? 0 : 1;
  } catch (error) {
    if (error instanceof LicenseGateError) {
      io.stderr.write(`licensegate doctor: ${error.code}: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}
