#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { optionsFromArgs, USAGE } from './cli-options.js';
import { EmulatorError } from './emulator-error.js';
import { startEmulator } from './server.js';

async function main(): Promise<void> {
  const options = optionsFromArgs(process.argv.slice(2));
  if (options === 'help') return void process.stdout.write(USAGE);
  if (options === 'version') {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    return void process.stdout.write(`${pkg.version}\n`);
  }
  const running = await startEmulator(options);
  process.stdout.write(`listening on ${running.url}\n`);
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
  const code = error instanceof EmulatorError ? 2 : 1;
  process.stderr.write(`licensegate-emulator: ${(error as Error).message}\n`);
  process.exit(code);
});
