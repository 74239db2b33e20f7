/**
 * Who a process is, beyond its pid, and whether the process a lock names still runs. A pid alone
 * does not say: after a reboot or a container restart, pids are handed out again (the app is often
 * pid 1 in each life of its container). On Linux a process is also told by the boot it runs in
 * (`/proc/sys/kernel/random/boot_id`) and the time it started (field 22 of `/proc/<pid>/stat`);
 * elsewhere by a random nonce of this process.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/** What a lock file says of the process that holds it. */
export interface ProcessIdentity {
  readonly pid: number;
  /** The Linux boot it runs in, or `null` off Linux. */
  readonly bootId: string | null;
  /** When it started, in clock ticks since boot, or `null` off Linux. */
  readonly startTime: string | null;
  /** Random, one per process (shared by every copy of this package the process loads). */
  readonly nonce: string;
  /** For people reading the lock file; never used to decide. */
  readonly hostname: string;
}

/** What a lock's holder is, seen from this process. */
export type HolderState = 'this-process' | 'running' | 'gone';

const NONCE = Symbol.for('@licensegate/file-store/process-nonce');

/** This process. */
export function currentProcess(): ProcessIdentity {
  const global = globalThis as { [NONCE]?: string };
  global[NONCE] ??= randomUUID();
  return {
    pid: process.pid,
    bootId: bootId(),
    startTime: statOf(process.pid)?.startTime ?? null,
    nonce: global[NONCE],
    hostname: hostname(),
  };
}

/** Whether the process `holder` names is this one, another one that runs, or gone. */
export function holderState(holder: ProcessIdentity, self: ProcessIdentity): HolderState {
  const sameBoot = holder.bootId !== null && holder.bootId === self.bootId;
  if (holder.bootId !== null && self.bootId !== null && !sameBoot) return 'gone';
  if (holder.pid === self.pid) {
    // Our own pid: this process (another FileStore object, or another thread), or a previous life of it.
    if (sameBoot && holder.startTime !== null && self.startTime !== null) {
      return holder.startTime === self.startTime ? 'this-process' : 'gone';
    }
    return holder.nonce === self.nonce ? 'this-process' : 'gone';
  }
  if (!signalable(holder.pid)) return 'gone';
  const stat = statOf(holder.pid);
  // A zombie: dead, waiting for its parent to reap it.
  if (stat?.state === 'Z' || stat?.state === 'X') return 'gone';
  // Another process got the pid since.
  if (sameBoot && holder.startTime !== null && stat !== null && stat.startTime !== holder.startTime) return 'gone';
  return 'running';
}

/** Reads a lock file's text; `undefined` when it is not one. */
export function parseIdentity(text: string): ProcessIdentity | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const candidate = value as Partial<Record<keyof ProcessIdentity, unknown>> | null;
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    !Number.isSafeInteger(candidate.pid) ||
    (candidate.pid as number) < 1 ||
    !(candidate.bootId === null || typeof candidate.bootId === 'string') ||
    !(candidate.startTime === null || typeof candidate.startTime === 'string') ||
    typeof candidate.nonce !== 'string'
  ) {
    return undefined;
  }
  return {
    pid: candidate.pid as number,
    bootId: candidate.bootId,
    startTime: candidate.startTime,
    nonce: candidate.nonce,
    hostname: typeof candidate.hostname === 'string' ? candidate.hostname : '',
  };
}

/** Whether a process with this pid exists (EPERM: it does, and belongs to another user). */
function signalable(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function bootId(): string | null {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || null;
  } catch {
    return null;
  }
}

/**
 * Fields 3 (state: `Z` for a zombie) and 22 (start time, in ticks since boot) of `/proc/<pid>/stat`,
 * or `null` where there is no such file.
 */
function statOf(pid: number): { state: string; startTime: string } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count from after it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const [state, startTime] = [fields[0], fields[19]];
    return state === undefined || startTime === undefined ? null : { state, startTime };
  } catch {
    return null;
  }
}
