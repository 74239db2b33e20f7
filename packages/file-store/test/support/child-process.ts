import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

/** A child process running one of the scripts in this folder, with its stdout read line by line. */
export class ScriptChild {
  readonly process: ChildProcess;
  /** Every line the child wrote on stdout so far. */
  readonly lines: string[] = [];
  #partial = '';
  #stderr = '';
  readonly #waiters: { test: (lines: string[]) => boolean; resolve: () => void }[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  /**
   * @param script - a compiled script of this folder, e.g. `durable-writer.js`
   * @param args - its arguments
   * @param fileSizeLimitBlocks - when given, the child runs under `ulimit -f` of this many blocks
   */
  constructor(script: string, args: string[], fileSizeLimitBlocks?: number) {
    const path = fileURLToPath(new URL(script, import.meta.url));
    this.process =
      fileSizeLimitBlocks === undefined
        ? spawn(process.execPath, [path, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
        : spawn(
            '/bin/sh',
            ['-c', `ulimit -f ${fileSizeLimitBlocks} && exec "$0" "$@"`, process.execPath, path, ...args],
            {
              stdio: ['ignore', 'pipe', 'pipe'],
            },
          );
    this.process.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      const parts = (this.#partial + chunk).split('\n');
      this.#partial = parts.pop() ?? '';
      this.lines.push(...parts);
      for (const waiter of [...this.#waiters]) {
        if (waiter.test(this.lines)) {
          this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
          waiter.resolve();
        }
      }
    });
    this.process.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.#stderr += chunk));
    this.exited = once(this.process, 'close').then(([code, signal]) => ({
      code: code as number | null,
      signal: signal as NodeJS.Signals | null,
    }));
  }

  /** What the child wrote on stderr so far. */
  get stderr(): string {
    return this.#stderr;
  }

  /** Resolves once the lines so far pass `test`; rejects if the child exits first, or after `timeoutMs`. */
  async until(test: (lines: string[]) => boolean, timeoutMs = 8_000): Promise<void> {
    if (test(this.lines)) return;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        new Promise<void>((resolve) => this.#waiters.push({ test, resolve })),
        this.exited.then(({ code, signal }) => {
          if (!test(this.lines)) {
            throw new Error(`the child exited (code ${code}, signal ${signal}) first; stderr: ${this.#stderr}`);
          }
        }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`the child did not get there in ${timeoutMs} ms; stderr: ${this.#stderr}`)),
            timeoutMs,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Kills the child with SIGKILL and waits until it is gone. */
  async kill(): Promise<void> {
    if (this.process.exitCode === null && this.process.signalCode === null) this.process.kill('SIGKILL');
    await this.exited;
  }
}
