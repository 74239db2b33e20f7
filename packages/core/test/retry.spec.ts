import assert from 'node:assert/strict';

import { classifyFailure } from '../src/source/failure-kind.js';
import type { RetryPolicy } from '../src/source/retry-options.js';
import { withRetry } from '../src/source/retry.js';

const FAST: RetryPolicy = { attempts: 4, baseDelayMs: 1, maxDelayMs: 2, deadlineMs: 1_000 };

function failing(...errors: Error[]): { call: () => Promise<string>; attempts: () => number } {
  let attempts = 0;
  return {
    call: async () => {
      const error = errors[attempts++];
      if (error !== undefined) throw error;
      return 'ok';
    },
    attempts: () => attempts,
  };
}

const named = (name: string) => Object.assign(new Error(name), { name });

describe('withRetry', () => {
  it('retries transient failures until a call succeeds, telling each retry', async () => {
    const retries: [string, number][] = [];
    const source = failing(named('RateLimitExceededException'), named('ServerInternalException'));
    const answer = await withRetry(source.call, classifyFailure, FAST, (failure, attempt) =>
      retries.push([failure.name, attempt]),
    );
    assert.equal(answer, 'ok');
    assert.equal(source.attempts(), 3);
    assert.deepEqual(retries, [
      ['RateLimitExceededException', 1],
      ['ServerInternalException', 2],
    ]);
  });

  it('stops after `attempts` and throws the last failure', async () => {
    const last = named('ThrottlingException');
    const source = failing(
      named('ThrottlingException'),
      named('ThrottlingException'),
      named('ThrottlingException'),
      last,
      named('x'),
    );
    await assert.rejects(withRetry(source.call, classifyFailure, FAST), (error) => error === last);
    assert.equal(source.attempts(), 4);
  });

  it('never retries a definitive or a configuration failure', async () => {
    for (const name of ['NoEntitlementsAllowedException', 'AccessDeniedException']) {
      const source = failing(named(name));
      await assert.rejects(withRetry(source.call, classifyFailure, FAST), { name });
      assert.equal(source.attempts(), 1, name);
    }
  });

  it('starts no attempt that the deadline would not allow', async () => {
    const source = failing(named('ServerInternalException'), named('ServerInternalException'));
    await assert.rejects(
      withRetry(source.call, classifyFailure, { attempts: 5, baseDelayMs: 50, maxDelayMs: 50, deadlineMs: 0 }),
      {
        name: 'ServerInternalException',
      },
    );
    assert.equal(source.attempts(), 1);
  });
});
