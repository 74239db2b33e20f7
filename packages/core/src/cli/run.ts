/**
 * The process entry of the `licensegate` command: runs {@link main} on `process.argv` and sets the
 * exit status (the bin shim, packages/core/bin/licensegate.js, imports this file).
 *
 * @module
 */
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
});
