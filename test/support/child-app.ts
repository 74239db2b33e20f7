/**
 * A child process running one of the test apps (a compiled `.js` file under build-test/): spawned
 * with the parent's environment plus its own, read line by line from its standard output, and
 * killed with SIGKILL — after which every line it wrote before dying has been read.
 *
 * Standard output is a pipe, which Node writes synchronously on Linux: a line a child wrote before
 * the SIGKILL reaches the parent. Standard error is inherited (a crash shows in the test output).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

/** How long {@link ChildApp.until} waits by default. */
const UNTIL_MS = 10_000;

/** A running child app and the lines it said. */
export class ChildApp {
  readonly process: ChildProcess;
  /** Lines not taken by the `onLine` hook, in order. */
  readonly lines: string[] = [];
  readonly #closed: Promise<void>;
  readonly #exited: Promise<void>;
  #waiters: (() => void)[] = [];

  /**
   * @param script - the compiled app to run with this Node
   * @param env - added to the parent's environment
   * @param onLine - sees every line first; a line it answers `true` for is not kept in {@link lines}
   */
  constructor(script: string, env: Record<string, string>, onLine?: (line: string) => boolean) {
    this.process = spawn(process.execPath, [script], {
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const stdout = this.process.stdout;
    assert.ok(stdout);
    createInterface({ input: stdout }).on('line', (line) => {
      if (onLine?.(line) !== true) this.lines.push(line);
      const waiters = this.#waiters;
      this.#waiters = [];
      for (const wake of waiters) wake();
    });
    this.#closed = once(stdout, 'close').then(() => undefined);
    this.#exited = once(this.process, 'exit').then(() => undefined);
  }

  /** Whether the process is still running. */
  get alive(): boolean {
    return this.process.exitCode === null && this.process.signalCode === null;
  }

  /**
   * Resolves with the first kept line matching `test` (one that came earlier counts); fails when
   * the child exits first or after `timeoutMs`.
   */
  async until(test: (line: string) => boolean, timeoutMs = UNTIL_MS): Promise<string> {
    let found: string | undefined;
    await this.waitFor(() => (found = this.lines.find(test)) !== undefined, timeoutMs);
    return found as string;
  }

  /**
   * Resolves once `condition` holds, asking it now and after each line the child says (it may look
   * at what an `onLine` hook keeps); fails when the child exits first or after `timeoutMs`.
   */
  async waitFor(condition: () => boolean, timeoutMs = UNTIL_MS): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (!condition()) {
      if (!this.alive) assert.fail(`the child app exited (${this.process.exitCode ?? this.process.signalCode})`);
      if (performance.now() > deadline) assert.fail('the child app did not say it in time');
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        setTimeout(resolve, 100).unref();
      });
    }
  }

  /** Writes one line to the child's standard input. */
  send(line: string): void {
    this.process.stdin?.write(`${line}\n`);
  }

  /** SIGKILL; resolves once the process is gone and every line it wrote has been read. */
  async kill(): Promise<void> {
    if (this.alive) this.process.kill('SIGKILL');
    await Promise.all([this.#closed, this.#exited]);
  }
}
