import assert from 'node:assert/strict';

import {
  assertKnownOptions,
  closest,
  editDistance,
  unknownNames,
  unknownOptionsMessage,
} from '../src/validation/unknown-options.js';

describe('unknown options: every unknown name in one error, each with a did-you-mean hint', () => {
  const KNOWN = ['attempts', 'baseDelayMs', 'maxDelayMs', 'deadlineMs'];

  it('measures edit distance and finds the nearest known name within a few edits (case ignored)', () => {
    assert.equal(editDistance('kitten', 'sitting'), 3);
    assert.equal(editDistance('', 'abc'), 3);
    assert.equal(closest('atempts', KNOWN), 'attempts');
    assert.equal(closest('MAXDELAYMS', KNOWN), 'maxDelayMs');
    assert.equal(closest('colour', KNOWN), undefined);
  });

  it('finds every unknown name, in order', () => {
    assert.deepEqual(unknownNames({ attempts: 1, atempts: 2, colour: 3, deadline: 4 }, KNOWN), [
      { name: 'atempts', suggestion: 'attempts' },
      { name: 'colour', suggestion: undefined },
      { name: 'deadline', suggestion: 'deadlineMs' },
    ]);
    assert.deepEqual(unknownNames({ attempts: 1 }, KNOWN), []);
  });

  it('words one unknown name as before, and several in one sentence', () => {
    assert.equal(
      unknownOptionsMessage([{ name: 'tier', suggestion: 'tiers' }]),
      'Unknown option "tier"; did you mean "tiers"?',
    );
    assert.equal(unknownOptionsMessage([{ name: 'colour', suggestion: undefined }]), 'Unknown option "colour".');
    assert.equal(
      unknownOptionsMessage(
        [
          { name: 'atempts', suggestion: 'attempts' },
          { name: 'colour', suggestion: undefined },
          { name: 'deadline', suggestion: 'deadlineMs' },
        ],
        { where: 'retry', known: KNOWN },
      ),
      'Unknown options "atempts" (did you mean "attempts"?), "colour" and "deadline" (did you mean "deadlineMs"?) in retry. retry takes attempts, baseDelayMs, maxDelayMs, deadlineMs.',
    );
  });

  it('throws through the caller’s own error, and not at all when every name is known', () => {
    const fail = (message: string): never => {
      throw new RangeError(message);
    };
    assert.throws(() => assertKnownOptions({ atempts: 1 }, KNOWN, fail), {
      name: 'RangeError',
      message: 'Unknown option "atempts"; did you mean "attempts"?',
    });
    assert.doesNotThrow(() => assertKnownOptions({ attempts: 1, deadlineMs: 2 }, KNOWN, fail));
  });
});
