#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { optionsFromArgs, USAGE } from './cli-options.js';
import { EmulatorError } from './emulator-error.js';
import { startEmulator } from './server.js';

/** The version in the package's package.json, found upwards from this file (dist/ or build-test/src/). */
function packageVersion(): string {
  for (const up of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === '@licensegate/emulator' && pkg.version !== undefined) return pkg.version;
    } catch {
      // not at this level
    }
  }
  return 'unknown';
}

async function main(): Promise<void> {
  const options = optionsFromArgs(process.argv.slice(2));
  if (options === 'help') return void process.stdout.write(USAGE);
  if (options === 'version') {
    return void process.stdout.write(`${packageVersion()}\n`);
  }
  const running = await startEmulator(options);
  // A token made at start is printed with the listening line, so that whoever reads the line has it.
  const made = running.adminToken !== undefined && options.adminToken === undefined;
  process.stdout.write(
    `listening on ${running.url}\n` +
      (made ? `admin token: ${running.adminToken}\n` : '') +
      (running.consoleUrl !== undefined ? `console: ${running.consoleUrl}\n` : ''),
  );
  const stop = (): void => {
    running.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  // 2: the emulator was started wrongly (a usage error); 1: anything else, its own bugs included.
  const code = error instanceof EmulatorError && error.code !== 'ERR_LG_EMU_INTERNAL' ? 2 : 1;
  process.stderr.write(`licensegate-emulator: ${(error as Error).message}\n`);
  process.exit(code);
});
