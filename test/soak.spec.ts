/**
 * The soak's short version (`npm run soak` runs the full one): each phase of the fault matrix drives
 * the Express app against the emulator for a few hundred requests, and each of the five figures
 * must be 0. Then the smallest reproductions of known failures, and proof that the soak can fail:
 * an app wired wrong on purpose moves the figure it should.
 */
import assert from 'node:assert/strict';

import {
  MATRIX_PHASES,
  parseSoakArgs,
  SHORT_OPTIONS,
  SoakOptionError,
  type PhaseName,
  type Sabotage,
  type SoakOptions,
} from './soak/options.js';
import { formatReport } from './soak/report.js';
import { runPhase, type PhaseResult } from './soak/run.js';
import type { Figures } from './soak/tally.js';

const ZERO: Figures = { wrongGrants: 0, leakedSeats: 0, excessSeats: 0, lostUnits: 0, doubledUnits: 0 };

/** Runs one phase of the short version; the message of a failed assertion is the phase's report. */
async function phase(
  name: PhaseName,
  options: Partial<SoakOptions> = {},
): Promise<{ result: PhaseResult; report: string }> {
  const run: SoakOptions = { ...SHORT_OPTIONS, ...options, phases: [name] };
  const result = await runPhase(name, 0, run);
  const passed = result.tally.error === undefined && Object.values(result.figures).every((n) => n === 0);
  const soak = { options: run, phases: [result], totals: result.figures, passed };
  return { result, report: `\n${formatReport(soak)}` };
}

describe('soak, short version: every figure is 0 in each phase of the fault matrix', function () {
  this.timeout(60_000);
  for (const name of MATRIX_PHASES) {
    it(name, async () => {
      const { result, report } = await phase(name);
      assert.equal(result.tally.error, undefined, report);
      assert.ok(result.tally.requests >= SHORT_OPTIONS.requests / 2, `the phase drove its traffic${report}`);
      assert.deepEqual(result.figures, ZERO, report);
    });
  }
});

describe('soak: the smallest reproductions of known failures', function () {
  this.timeout(30_000);

  it('100 concurrent batch requests of 50 units against a 1,000-unit pool serve at most 1,000 + batchUnits', async () => {
    const { result, report } = await phase('repro-batch-burst');
    assert.ok(result.tally.units.batch.served > 0, report);
    // Fails today: batch admission counts no reservation in flight (about 5,000 units served).
    assert.deepEqual(result.figures, ZERO, report);
  });

  it('a login whose CheckoutLicense answer is lost on every try, then its logout, leaves no seat checked out', async () => {
    const { result, report } = await phase('repro-lost-login');
    assert.equal(result.tally.statuses.get(503), 1, `the login was answered 503${report}`);
    // Fails today: the logout deletes the uncertain record without checking the seat in.
    assert.deepEqual(result.figures, ZERO, report);
  });
});

describe('soak: it can fail — an app wired wrong on purpose moves its figure', function () {
  this.timeout(30_000);
  const cases: [Sabotage, keyof Figures, string][] = [
    ['tier', 'wrongGrants', 'the Premium route served ungated'],
    ['seat', 'wrongGrants', 'the seat route served ungated'],
    ['release', 'excessSeats', 'a logout that keeps the seat'],
    ['leak', 'leakedSeats', 'a seat checked out behind the gate'],
    ['charge', 'lostUnits', 'the batch route never charged'],
    ['double', 'doubledUnits', 'the batch route charged twice'],
  ];
  for (const [sabotage, figure, what] of cases) {
    it(`${what}: ${figure} > 0`, async () => {
      const { result, report } = await phase('baseline', { sabotage, requests: 120, waves: 2 });
      assert.equal(result.tally.error, undefined, report);
      assert.ok(result.figures[figure] > 0, `${figure} should count the sabotage '${sabotage}'${report}`);
    });
  }
});

describe('soak: the command line', () => {
  it('reads the options, and --short starts from the short version', () => {
    const parsed = parseSoakArgs(['--short', '--seed', '7', '--phases', 'baseline,outage', '--requests', '50']);
    assert.equal(parsed.help, false);
    if (parsed.help) return;
    assert.equal(parsed.options.seed, 7);
    assert.equal(parsed.options.requests, 50);
    assert.equal(parsed.options.users, SHORT_OPTIONS.users);
    assert.deepEqual(parsed.options.phases, ['baseline', 'outage']);
  });

  it('answers --help', () => {
    assert.deepEqual(parseSoakArgs(['--requests', '5', '--help']), { help: true });
  });

  for (const [argv, fix] of [
    [['--requests', '0'], /--requests takes a whole number from 1/],
    [['--seed', 'abc'], /--seed takes a whole number/],
    [['--phases', 'baseline,nope'], /Unknown phase "nope"; the phases are baseline/],
    [['--sabotage', 'all'], /--sabotage takes one of tier, seat/],
    [['--bogus'], /Unknown option "--bogus"; see npm run soak -- --help/],
    [['--requests', '2', '--waves', '3'], /must be at least --waves/],
  ] as const) {
    it(`refuses ${argv.join(' ')} with ERR_SOAK_OPTION and how to fix it`, () => {
      assert.throws(
        () => parseSoakArgs(argv),
        (error: unknown) =>
          error instanceof SoakOptionError && error.code === 'ERR_SOAK_OPTION' && fix.test(error.message),
      );
    });
  }
});
