/**
 * What the kill suite makes of one kill and of a run: the bounds, one line per kill, and the run's
 * figures.
 */
import type { HttpLoad, LoadTally } from './http-load.js';
import type { JournalView, Usage } from './kill-world.js';

/** One drawdown dimension's figures of a kill. */
export interface Side extends LoadTally {
  /** What License Manager counted (reserve: less what is left in the block). */
  readonly consumed: number;
  /** Units the upper bound allows on top of in flight (reserve: block checkouts of unknown credit). */
  readonly unsure: number;
  /** Batch: right after the kill, what License Manager had counted and the journal held. */
  readonly atKill?: { readonly counted: number; readonly unsent: number; readonly sending: number };
}

/** What one kill showed. */
export interface KillResult {
  readonly kill: number;
  readonly batch: Side;
  readonly reserve: Side;
  /**
   * How long the victim's heartbeat had left at the kill; `undefined` when it had lapsed already;
   * `null` where no other instance waits for it (one process on a file store).
   */
  readonly heartbeatLeftMs: number | undefined | null;
  /** From the kill until License Manager's live seats were back to the active user's; `undefined` when never. */
  readonly seatsBackMs: number | undefined;
  readonly problems: string[];
}

/** Units of answered requests that License Manager did not count. */
export const lostOf = (side: Side): number => Math.max(0, side.served - side.consumed);
/** Units counted beyond every request that could have been charged. */
export const overOf = (side: Side): number => Math.max(0, side.consumed - side.served - side.inflight - side.unsure);

/** `served ≤ consumed ≤ served + in flight (+ unsure)`, as a problem when it does not hold. */
export function boundProblem(name: string, side: Side): string | undefined {
  if (lostOf(side) > 0) {
    const at = side.atKill;
    const held =
      at === undefined
        ? ''
        : `; right after the kill License Manager had counted ${at.counted}, and the journal held ${at.unsent} not sent and ${at.sending} in a report under way`;
    return `${name}: ${lostOf(side)} units of answered requests lost (served ${side.served}, consumed ${side.consumed}${held})`;
  }
  if (overOf(side) > 0)
    return `${name}: consumed ${side.consumed} > served ${side.served} + in flight ${side.inflight}${side.unsure > 0 ? ` + unsure ${side.unsure}` : ''}`;
  return undefined;
}

/** The line printed for each kill. */
export function describeResult(result: KillResult, seatBoundMs: number): string {
  const side = (s: Side): string => {
    const verdict = lostOf(s) > 0 ? `LOST ${lostOf(s)}` : overOf(s) > 0 ? `OVER ${overOf(s)}` : 'ok';
    const unsure = s.unsure > 0 ? ` + unsure ${s.unsure}` : '';
    return `served ${s.served} + in flight ${s.inflight}${unsure} (${s.inflightRequests} req), consumed ${s.consumed}: ${verdict}`;
  };
  const seats =
    result.seatsBackMs === undefined
      ? 'seats NOT back'
      : `seats back in ${(result.seatsBackMs / 1000).toFixed(2)} s (bound ${(seatBoundMs / 1000).toFixed(2)} s)`;
  const lapsed = result.heartbeatLeftMs === undefined ? ' | its heartbeat had lapsed before the kill' : '';
  return `kill ${result.kill}: batch ${side(result.batch)} | reserve ${side(result.reserve)} | ${seats}${lapsed}`;
}

/** The run's figures, for the end of the suite. */
export function summary(kind: string, results: KillResult[], seatBoundMs: number): string {
  const total = (pick: (r: KillResult) => number): number => results.reduce((sum, r) => sum + pick(r), 0);
  const lost = results.map((r) => lostOf(r.batch)).filter((units) => units > 0);
  const seats = results.map((r) => r.seatsBackMs ?? Infinity);
  const kills = (n: number): string => `${n} of ${results.length} kills`;
  return [
    `    kill -9, ${kind} store: ${results.length} kills; ${total((r) => r.batch.servedRequests + r.reserve.servedRequests)} drawdown requests answered, ${total((r) => r.batch.inflightRequests + r.reserve.inflightRequests)} in flight at the kills`,
    `      batch:   answered units lost in ${kills(lost.length)} (${lost.join(', ') || 'none'}: ${total((r) => lostOf(r.batch))} of ${total((r) => r.batch.served)} served); over the bound in ${kills(results.filter((r) => overOf(r.batch) > 0).length)}`,
    `      reserve: answered units lost in ${kills(results.filter((r) => lostOf(r.reserve) > 0).length)}; over the bound in ${kills(results.filter((r) => overOf(r.reserve) > 0).length)}`,
    ...(results.every((r) => r.heartbeatLeftMs === null)
      ? []
      : [
          `      the victim's heartbeat had lapsed before the kill in ${kills(results.filter((r) => r.heartbeatLeftMs === undefined).length)}; least left otherwise: ${Math.min(...results.map((r) => r.heartbeatLeftMs ?? Infinity)).toFixed(0)} ms`,
        ]),
    `      seats:   back within ${(Math.max(...seats) / 1000).toFixed(2)} s of the kill at worst (bound ${(seatBoundMs / 1000).toFixed(2)} s); late in ${kills(seats.filter((ms) => ms > seatBoundMs).length)}`,
  ].join('\n');
}

/** What License Manager and the store showed around one kill, in units (see {@link sidesOf}). */
export interface KillCounts {
  readonly before: Usage;
  readonly atKill: Usage;
  readonly after: Usage;
  /** The journal right after the kill. */
  readonly journal: JournalView;
  /** Units in the reserve dimension's shared block before the traffic, and once the journal was reported. */
  readonly blockBefore: number;
  readonly blockAfter: number;
}

/** Each drawdown dimension's figures of a kill: what the client saw (the load) against what was counted. */
export function sidesOf(load: HttpLoad, counts: KillCounts): { batch: Side; reserve: Side } {
  const { before, atKill, after, journal, blockBefore, blockAfter } = counts;
  return {
    batch: {
      ...load.tally('batch'),
      consumed: after.batch - before.batch,
      unsure: 0,
      atKill: { counted: atKill.batch - before.batch, unsent: journal.batchUnsent, sending: journal.batchSending },
    },
    reserve: {
      ...load.tally('reserve'),
      consumed: after.reserve - before.reserve - (blockAfter - blockBefore),
      unsure: journal.unsure,
    },
  };
}

/** The problems of a kill's sides: answers that were not the expected success, and each bound. */
export function sideProblems(sides: Readonly<Record<string, Side | LoadTally>>): string[] {
  const problems: string[] = [];
  for (const [name, side] of Object.entries(sides)) {
    for (const failed of side.failed.slice(0, 3))
      problems.push(
        `${name}: ${failed.request.method} ${failed.request.path} answered ${failed.status} ${failed.body}`,
      );
    if ('consumed' in side) {
      const problem = boundProblem(name, side);
      if (problem !== undefined) problems.push(problem);
    }
  }
  return problems;
}
