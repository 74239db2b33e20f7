// CPU time of the whole machine and of one process, from /proc: the benches report how busy the
// machine was during a run, since a 2-core machine shared with other work gives noisy rates.
import { readFileSync } from 'node:fs';

const CLOCK_TICKS_PER_S = 100;

/** CPU time the whole machine has spent busy, in ms (undefined where /proc is missing). */
export function machineBusyMs() {
  try {
    const [user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8')
      .split('\n', 1)[0]
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    return ((user + nice + system + irq + softirq + (steal ?? 0)) * 1000) / CLOCK_TICKS_PER_S;
  } catch {
    return undefined;
  }
}

/** CPU time one process has used, in ms (undefined where /proc is missing). */
export function processBusyMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_S;
  } catch {
    return undefined;
  }
}
