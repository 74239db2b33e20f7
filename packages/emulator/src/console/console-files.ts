import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { internalError } from '../emulator-error.js';

/** Where the console page lives: `/_emulator/console/`. */
export const CONSOLE_PATH = '/_emulator/console/';

/** The files the console serves, by name below {@link CONSOLE_PATH}: package path and content type. */
const FILES: ReadonlyMap<string, { file: string; type: string }> = new Map([
  ['', { file: 'console/static/index.html', type: 'text/html; charset=utf-8' }],
  ['console.css', { file: 'console/static/console.css', type: 'text/css; charset=utf-8' }],
  // The page's modules, compiled from console/src by `tsc -b`.
  ...['console.js', 'chart.js', 'dom.js'].map(
    (name) => [name, { file: `dist/console-page/${name}`, type: 'text/javascript; charset=utf-8' }] as const,
  ),
  ['uPlot.iife.min.js', { file: 'console/vendor/uplot/uPlot.iife.min.js', type: 'text/javascript; charset=utf-8' }],
  ['uPlot.min.css', { file: 'console/vendor/uplot/uPlot.min.css', type: 'text/css; charset=utf-8' }],
]);

/**
 * The page may load its own files and call its own origin, nothing else: no inline script, no
 * other site, no framing, no form posted anywhere.
 */
const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

let root: string | undefined;

/** The emulator package's folder: upwards from this file (dist/console/ or build-test/src/console/). */
function packageRoot(): string {
  if (root !== undefined) return root;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 5; up++, dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === '@licensegate/emulator') return (root = dir);
    } catch {
      // not at this level
    }
  }
  throw internalError('cannot find the package folder of @licensegate/emulator, where the console files are');
}

/**
 * Answers `GET /_emulator/console/NAME` with one of the console's static files, or 404. The files
 * hold no state and no secret; the admin path's Host check has run before (the token is not needed
 * to load them: the page reads it from its URL fragment and sends it with each call it makes).
 */
export async function serveConsoleFile(res: ServerResponse, name: string): Promise<void> {
  const entry = FILES.get(name);
  if (entry === undefined) {
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
    return void res.end(`No console file ${JSON.stringify(name)}.\n`);
  }
  let body: Buffer;
  try {
    body = await readFile(path.join(packageRoot(), entry.file));
  } catch {
    res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
    return void res.end(`The console file ${entry.file} is missing: build the emulator (npm run build).\n`);
  }
  res.writeHead(200, {
    'Content-Type': entry.type,
    'Content-Length': body.length,
    'Cache-Control': 'no-cache',
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
  });
  res.end(body);
}
