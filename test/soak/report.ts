/**
 * Prints a soak run: the five figures per phase and in total, then, for information, each phase's
 * answers by status, seats taken and returned, units per mode, and what the gate logged.
 */
import type { PhaseResult, SoakResult } from './run.js';
import { MODES } from './scenario.js';
import { FIGURE_NAMES, type Figures } from './tally.js';

const HEADINGS: Readonly<Record<keyof Figures, string>> = {
  wrongGrants: 'wrong grants',
  leakedSeats: 'leaked seats',
  excessSeats: 'excess seats',
  lostUnits: 'lost units',
  doubledUnits: 'doubled units',
};

/** Gate log events worth showing (the rest are the expected noise of injected faults). */
const NOTABLE = /units_lost|unbillable|exhausted|seat_lost|block_undo|block_return|taken_over|flush_failed|seats_left/;

/** The command line that replays a run. */
export function replayLine(result: SoakResult): string {
  const o = result.options;
  return (
    `npm run soak -- --seed ${o.seed} --requests ${o.requests} --users ${o.users} --burst ${o.burst} ` +
    `--seats ${o.seats} --waves ${o.waves} --phases ${o.phases.join(',')}` +
    (o.sabotage !== undefined ? ` --sabotage ${o.sabotage}` : '')
  );
}

/** The run as text: the table of figures first, the details after. */
export function formatReport(result: SoakResult): string {
  const o = result.options;
  const lines: string[] = [];
  lines.push(
    `licensegate soak: seed ${o.seed}, ${o.requests} requests per phase in ${o.waves} waves, ` +
      `${o.users} users with up to ${o.burst} requests in flight each, ${o.seats} seats` +
      (o.sabotage !== undefined ? `, sabotage '${o.sabotage}'` : ''),
  );
  lines.push(`replay: ${replayLine(result)}`, '');
  const header = ['phase', 'requests', ...FIGURE_NAMES.map((f) => HEADINGS[f])];
  const rows = result.phases.map((p) => [
    p.name + (p.tally.error !== undefined ? ' (FAILED TO FINISH)' : ''),
    String(p.tally.requests),
    ...FIGURE_NAMES.map((f) => String(p.figures[f])),
  ]);
  rows.push([
    'total',
    String(result.phases.reduce((n, p) => n + p.tally.requests, 0)),
    ...FIGURE_NAMES.map((f) => String(result.totals[f])),
  ]);
  lines.push(...table([header, ...rows]), '');
  const unfinished = result.phases.filter((p) => p.tally.error !== undefined).map((p) => p.name);
  lines.push(
    result.passed
      ? 'every figure is 0'
      : unfinished.length > 0
        ? `FAILED: ${unfinished.join(', ')} could not finish (see below)`
        : 'NOT every figure is 0',
    '',
  );
  for (const phase of result.phases) lines.push(...details(phase), '');
  return lines.join('\n');
}

/** One phase's details. */
function details(phase: PhaseResult): string[] {
  const t = phase.tally;
  const statuses = [...t.statuses.entries()]
    .sort(([a], [b]) => a - b)
    .map(([status, n]) => `${status === 0 ? 'no answer' : status} x${n}`)
    .join(', ');
  const lines = [
    `${phase.name} (${phase.title}): ${(t.elapsedMs / 1000).toFixed(1)} s real, ${(t.virtualMs / 60_000).toFixed(0)} min virtual`,
    `  answers: ${statuses}`,
    `  tier routes served: ${Object.entries(t.tierServed)
      .map(([tier, n]) => `${tier} ${n}`)
      .join(', ')}`,
    `  seats: taken ${t.seats.acquired}, returned ${t.seats.released}, lost ${t.seats.lost}, refused ${t.seats.denied}; ` +
      `most unaccounted at one moment ${t.seats.peakExcess}, left after stop ${t.seats.leakedAtEnd}`,
  ];
  if (t.seats.peakExcess > 0) lines.push(`  unaccounted seats seen: ${t.seats.peakSeen}`);
  for (const mode of MODES) {
    const u = t.units[mode];
    lines.push(
      `  units ${mode}: served ${u.served}, consumed ${u.consumed}, unbillable ${u.unbillable}` +
        (mode === 'reserve' ? `, left in block ${u.leftover}` : u.leftover > 0 ? `, credit ${u.leftover}` : '') +
        `, past the bound ${u.pastBound}, refused (402) ${t.refusals[mode]}` +
        `, lost ${t.lost(mode)}, doubled ${t.doubled(mode)}`,
    );
  }
  if (t.wrong.size > 0)
    lines.push(`  wrong grants: ${[...t.wrong.entries()].map(([kind, n]) => `${kind} x${n}`).join(', ')}`);
  if (t.journalLeft.length > 0) lines.push(`  journal records left after stop: ${t.journalLeft.join(', ')}`);
  lines.push(`  License Manager calls: ${t.lmCalls.calls} (${t.lmCalls.errors} failed)`);
  const notable = [...phase.logged.entries()].filter(([event]) => NOTABLE.test(event));
  if (notable.length > 0) lines.push(`  gate logged: ${notable.map(([event, n]) => `${event} x${n}`).join(', ')}`);
  if (t.error !== undefined) lines.push(`  the phase failed: ${t.error}`);
  return lines;
}

/** Aligns columns: the first to the left, the others to the right. */
function table(rows: string[][]): string[] {
  const widths = (rows[0] as string[]).map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((row) =>
    row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('  '),
  );
}
