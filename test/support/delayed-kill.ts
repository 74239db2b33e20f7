/**
 * SIGKILL for a process at a moment that owes nothing to the test's own event loop: a worker thread
 * sleeps (Atomics.wait) and kills. A timer of the test's loop fires only between the test's own I/O
 * callbacks — just after it read a burst of answers and sent the next requests — in step with the
 * traffic it drives, so its moments are not random for the app.
 */
import { Worker } from 'node:worker_threads';

const KILLER = `
const { workerData, parentPort } = require('node:worker_threads');
const flags = new Int32Array(workerData.flags);
Atomics.wait(flags, 0, 0, workerData.delayMs);
try { process.kill(workerData.pid, 'SIGKILL'); } catch {}
Atomics.store(flags, 1, 1);
parentPort.postMessage('done');
`;

/** A kill on its way. */
export class DelayedKill {
  /** [0]: what the worker sleeps on (never set); [1]: fired (set right after the signal was sent). */
  readonly #flags = new Int32Array(new SharedArrayBuffer(8));
  /** Resolves once the kill was sent. */
  readonly done: Promise<void>;

  /** Sends SIGKILL to `pid` about `delayMs` from now (the worker's start adds a few ms). */
  constructor(pid: number, delayMs: number) {
    const worker = new Worker(KILLER, { eval: true, workerData: { flags: this.#flags.buffer, pid, delayMs } });
    this.done = new Promise((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
    });
  }

  /** Whether the signal was sent: readable at any moment, from any code, with no await. */
  get fired(): boolean {
    return Atomics.load(this.#flags, 1) === 1;
  }
}
