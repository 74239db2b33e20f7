/**
 * The Quick start works as printed, on a fresh clone: the shell commands of the root README's
 * _Quick start_ section and of the emulator README's opening block, parsed from the READMEs (not
 * copied here), run in a clone of this repository's HEAD (committed work only) outside the
 * repository.
 *
 * The fresh-clone layout: `git clone` of HEAD into the system's temp folder, and in place of the
 * clone's own `npm ci` (a minute and the registry), a `node_modules` laid out as `npm ci` lays it:
 * the third-party packages linked from this repository's install (the same lockfile), the
 * workspaces linked to the clone's own packages, and the workspaces' commands linked into `.bin`
 * from the clone's `package.json` files only where their file exists before any build, as npm
 * links them. Nothing is built: `npm start` builds the clone as a user's would.
 *
 * Long-running commands (`npm start`, the emulator) run in the background and are probed over HTTP;
 * each curl's status is checked against the status its comment names. The ports the READMEs print
 * (3000, 4567) are swapped for free ones through the ways the READMEs give (`PORT`, `--port`), so
 * that the test does not depend on them being free. `npm test` is not run: it is this suite.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { LicenseManagerClient, ListReceivedLicensesCommand } from '@aws-sdk/client-license-manager';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The full path on purpose (see aws-cli.spec.ts): a pip-installed CLI v1 may come first on PATH. */
const AWS_CLI = '/usr/bin/aws';

/** A shell command of a README: its text without the comment, the comment, and the README's line. */
export interface ReadmeCommand {
  readonly command: string;
  readonly comment: string;
  readonly line: number;
}

/**
 * The commands of the ```sh blocks of a Markdown text, or of one of its `## ` sections: a line
 * ending in `\` goes on to the next; a `#` after a space starts a comment; a line that is only a
 * comment (an output, e.g. `# listening on …`) is no command.
 */
export function shellCommands(markdown: string, section?: string): ReadmeCommand[] {
  const lines = markdown.split('\n');
  let from = 0;
  let to = lines.length;
  if (section !== undefined) {
    from = lines.findIndex((line) => line.trim() === `## ${section}`);
    assert.ok(from >= 0, `no section "## ${section}"`);
    const next = lines.findIndex((line, i) => i > from && line.startsWith('## '));
    to = next < 0 ? lines.length : next;
  }
  const commands: ReadmeCommand[] = [];
  let inSh = false;
  let pending: { text: string; line: number } | undefined;
  for (let i = from; i < to; i++) {
    const line = lines[i] ?? '';
    if (!inSh) {
      inSh = /^```sh\s*$/.test(line);
      continue;
    }
    if (/^```\s*$/.test(line)) {
      inSh = false;
      continue;
    }
    if (pending === undefined && /^\s*(#|$)/.test(line)) continue;
    const text = (pending === undefined ? '' : pending.text + ' ') + line.trim();
    const start = pending?.line ?? i + 1;
    if (text.endsWith('\\')) {
      pending = { text: text.slice(0, -1).trimEnd(), line: start };
      continue;
    }
    pending = undefined;
    const hash = text.search(/\s#\s/);
    commands.push({
      command: (hash < 0 ? text : text.slice(0, hash)).trim(),
      comment: hash < 0 ? '' : text.slice(hash).replace(/^\s*#\s*/, ''),
      line: start,
    });
  }
  return commands;
}

/** A port free now, on 127.0.0.1. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  assert.ok(address !== null && typeof address === 'object');
  return address.port;
}

/**
 * Makes `clone/node_modules` as `npm ci` would from this repository's lockfile: see the file's
 * comment. A workspace's bin is linked only if its file is there now, before any build.
 */
function layNodeModules(clone: string): void {
  const source = join(ROOT, 'node_modules');
  const target = join(clone, 'node_modules');
  mkdirSync(join(target, '.bin'), { recursive: true });
  mkdirSync(join(target, '@licensegate'), { recursive: true });
  for (const entry of readdirSync(source)) {
    if (entry === '.bin' || entry === '@licensegate') continue;
    symlinkSync(join(source, entry), join(target, entry));
  }
  const workspaces = new Set<string>();
  for (const entry of readdirSync(join(source, '@licensegate'))) {
    // The same relative link as npm's (../../packages/core), so that it lands in the clone.
    symlinkSync(readlinkSync(join(source, '@licensegate', entry)), join(target, '@licensegate', entry));
    workspaces.add(entry);
  }
  for (const entry of readdirSync(join(source, '.bin'))) {
    const link = readlinkSync(join(source, '.bin', entry));
    if (link.startsWith('../@licensegate/')) continue; // from the clone's package.json files, below
    symlinkSync(link, join(target, '.bin', entry));
  }
  for (const workspace of workspaces) {
    const dir = join(target, '@licensegate', workspace);
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { bin?: Record<string, string> };
    for (const [name, file] of Object.entries(pkg.bin ?? {})) {
      if (existsSync(join(dir, file)))
        symlinkSync(join('..', '@licensegate', workspace, file), join(target, '.bin', name));
    }
  }
}

/** A command run to its end: exit code and output. */
interface Ran {
  readonly code: number | null;
  readonly out: string;
}

/** Runs a command line with `sh -c` in `cwd`; answers when it has exited (or throws after `timeoutMs`). */
async function run(command: string, cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Ran> {
  const child = spawn('sh', ['-c', command], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  return { code, out };
}

/** A long-running command started in the background (its own process group), with its output so far. */
class Background {
  readonly child: ChildProcess;
  out = '';
  /** Its exit: a code, or the signal that ended it. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  /** `command` is split at spaces (the READMEs' background commands have no quotes): no shell between. */
  constructor(command: string, cwd: string, env: NodeJS.ProcessEnv) {
    const [file = '', ...args] = command.split(/\s+/);
    this.child = spawn(file, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    this.child.stdout?.on('data', (chunk: Buffer) => (this.out += chunk.toString()));
    this.child.stderr?.on('data', (chunk: Buffer) => (this.out += chunk.toString()));
    this.exited = new Promise((resolve) => this.child.on('close', (code, signal) => resolve({ code, signal })));
  }

  /** The first match of `pattern` in the output; throws if the command exits first or after `timeoutMs`. */
  async waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    void this.exited.then(() => (exited = true));
    for (;;) {
      const match = pattern.exec(this.out);
      if (match !== null) return match;
      assert.ok(!exited, `it exited before printing ${pattern}:\n${this.out}`);
      assert.ok(Date.now() < deadline, `no ${pattern} within ${timeoutMs} ms:\n${this.out}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /**
   * SIGINT to its process group (npm and node), as Ctrl-C in a terminal; answers whether it ended by
   * itself within 10 s: exit code 0, or the SIGINT that npm raises on itself once its script has ended.
   */
  async stop(): Promise<boolean> {
    if (this.child.exitCode === null && this.child.pid !== undefined) {
      try {
        process.kill(-this.child.pid, 'SIGINT');
      } catch {
        // gone already
      }
    }
    const timer = setTimeout(() => {
      if (this.child.pid !== undefined) process.kill(-this.child.pid, 'SIGKILL');
    }, 10_000);
    const { code, signal } = await this.exited;
    clearTimeout(timer);
    return code === 0 || signal === 'SIGINT';
  }
}

/** The status a curl's comment names first (`# 200: …`, `# 403 application/problem+json`), if any. */
function statusOf(comment: string): number | undefined {
  const match = /^(\d{3})\b/.exec(comment);
  return match === null ? undefined : Number(match[1]);
}

describe("Quick start: the READMEs' commands as printed, on a fresh clone", function () {
  this.timeout(120_000);
  let clone: string;
  let env: NodeJS.ProcessEnv;
  const running: Background[] = [];

  before(() => {
    const head = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(head.status, 0, head.stderr);
    clone = join(mkdtempSync(join(tmpdir(), 'licensegate-quick-start-')), 'licensegate');
    for (const args of [
      ['clone', '--quiet', '--shared', '--no-checkout', ROOT, clone],
      ['-C', clone, 'checkout', '--quiet', head.stdout.trim()],
    ]) {
      const git = spawnSync('git', args, { encoding: 'utf8' });
      assert.equal(git.status, 0, `git ${args.join(' ')}: ${git.stderr}`);
    }
    layNodeModules(clone);
    // The user's shell: no npm or test-run variables of this run, and no registry within reach,
    // so that a command that would ask one fails here rather than fetch.
    env = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !/^(npm_|NODE_OPTIONS$|INIT_CWD$|MOCHA)/i.test(name)),
    );
    // Nor the node_modules/.bin folders npm puts on PATH for `npm test` (this repository's).
    env['PATH'] = (env['PATH'] ?? '')
      .split(':')
      .filter((dir) => !dir.endsWith('/node_modules/.bin'))
      .join(':');
    env['npm_config_registry'] = 'http://127.0.0.1:9/';
    env['npm_config_fetch_retries'] = '0';
    env['npm_config_update_notifier'] = 'false';
    env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';
  });

  afterEach(async () => {
    for (const background of running.splice(0)) await background.stop();
  });

  after(() => {
    if (clone !== undefined) rmSync(dirname(clone), { recursive: true, force: true });
  });

  /**
   * Runs README commands in the clone's root, in order; answers what each printed. Knows the commands
   * the Quick starts hold, and fails on any other, so that a new one is taught here.
   */
  async function runCommands(readme: string, commands: readonly ReadmeCommand[]): Promise<void> {
    let demoUrl: string | undefined;
    let emulatorUrl: string | undefined;
    for (const { command: printed, comment, line } of commands) {
      const where = `${readme}:${line}: ${printed}`;
      for (const part of printed.split(/\s*&&\s*/)) {
        let command = part;
        if (demoUrl !== undefined) command = command.replaceAll('http://127.0.0.1:3000', demoUrl);
        if (emulatorUrl !== undefined) command = command.replaceAll('http://127.0.0.1:4567', emulatorUrl);
        if (command === 'npm ci') {
          // The layout stands for it (see the file's comment).
        } else if (command === 'npm test') {
          // This suite: not run from inside itself.
        } else if (command === 'npm start') {
          const port = await freePort();
          const demo = new Background(command, clone, { ...env, PORT: String(port) });
          running.push(demo);
          const [, url] = await demo.waitFor(/licensegate demo listening on (http:\/\/\S+)/, 90_000);
          demoUrl = url;
          assert.equal(url, `http://127.0.0.1:${port}`, where);
        } else if (/^npx .*licensegate-emulator /.test(command)) {
          const emulator = new Background(`${command} --port 0`, clone, env);
          running.push(emulator);
          emulatorUrl = (await emulator.waitFor(/^listening on (http:\/\/\S+)$/m, 20_000))[1];
          // It answers License Manager's protocol, with the licenses of the file it was given.
          const client = new LicenseManagerClient({
            endpoint: emulatorUrl,
            region: 'us-east-1',
            credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
          });
          const { Licenses } = await client.send(new ListReceivedLicensesCommand({}));
          client.destroy();
          assert.ok((Licenses?.length ?? 0) > 0, `${where}: no license received`);
        } else if (command.startsWith('curl ')) {
          const ran = await run(`${command} -sS -w '\\n%{http_code}'`, clone, env, 10_000);
          assert.equal(ran.code, 0, `${where}\n${ran.out}`);
          const status = Number(ran.out.trim().split('\n').at(-1));
          const expected = statusOf(comment);
          if (expected === undefined) assert.ok(status >= 200 && status < 300, `${where}: ${status}\n${ran.out}`);
          else assert.equal(status, expected, `${where}\n${ran.out}`);
        } else if (/^(\w+=\S+ )*aws /.test(command)) {
          if (!existsSync(AWS_CLI)) {
            console.log(`  quick-start.spec: ${readme}:${line} skipped, ${AWS_CLI} (Debian awscli) is missing`);
            continue;
          }
          const ran = await run(command, clone, { ...env, PATH: `/usr/bin:${env['PATH'] ?? ''}` }, 30_000);
          assert.equal(ran.code, 0, `${where}\n${ran.out}`);
          assert.match(ran.out, /"LicenseArn"/, where);
        } else {
          assert.fail(`${where}: the quick-start test does not know how to run and check this command`);
        }
      }
    }
  }

  it("the root README's Quick start: npm ci && npm start, the curls, the emulator on its own", async () => {
    const commands = shellCommands(readFileSync(join(clone, 'README.md'), 'utf8'), 'Quick start');
    assert.ok(
      commands.some(({ command }) => command.includes('npm start')),
      'no `npm start` in the Quick start',
    );
    assert.ok(
      commands.some(({ command }) => command.includes('licensegate-emulator')),
      'no emulator command',
    );
    await runCommands('README.md', commands);
    // Stopped as the README says (Ctrl-C): the gates stop and each exits 0.
    const stopped = running.splice(0);
    const clean = await Promise.all(stopped.map((background) => background.stop()));
    stopped.forEach((background, i) => assert.ok(clean[i], `it did not stop on Ctrl-C:\n${background.out}`));
  });

  it("the emulator README's opening commands", async () => {
    const readme = readFileSync(join(clone, 'packages/emulator/README.md'), 'utf8');
    // The first ```sh block: the emulator's own quick start.
    const first = readme.indexOf('```sh');
    const block = readme.slice(first, readme.indexOf('\n```', first + 5) + 4);
    const commands = shellCommands(block);
    assert.ok(commands.length >= 1 && commands[0]?.command.includes('licensegate-emulator'), block);
    const offset = readme.slice(0, first).split('\n').length - 1;
    await runCommands(
      'packages/emulator/README.md',
      commands.map((command) => ({ ...command, line: command.line + offset })),
    );
  });

  it("reads a README's commands: sections, continuation lines, comments", () => {
    const markdown = [
      '## Quick start',
      '```sh',
      'npm ci && npm start   # install',
      '# an output line',
      'A=1 aws x \\',
      '  --y z',
      '```',
      '## Next',
      '```sh',
      'ls',
      '```',
    ].join('\n');
    assert.deepEqual(shellCommands(markdown, 'Quick start'), [
      { command: 'npm ci && npm start', comment: 'install', line: 3 },
      { command: 'A=1 aws x --y z', comment: '', line: 5 },
    ]);
    assert.equal(shellCommands(markdown).length, 3);
  });
});
