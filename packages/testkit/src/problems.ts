/** Assertions on problem+json answers (RFC 9457) and on what an answer must never show. */
import assert from 'node:assert/strict';

import type { Response as TestResponse } from 'supertest';

/** What a problem answer must carry, besides the common members. */
export interface ExpectedProblem {
  status: number;
  /** The cause's suffix: `tier-required` for `urn:licensegate:tier-required`. */
  type: string;
  code?: string;
  /** Extension members, compared exactly. */
  fields?: Record<string, unknown>;
}

/**
 * Asserts an RFC 9457 answer: the status, `application/problem+json`, the stable `type`, the
 * common members, the extensions, and no stack trace or token anywhere in the body.
 */
export function assertProblem(res: TestResponse, expected: ExpectedProblem): Record<string, unknown> {
  assert.equal(res.status, expected.status, `status of ${res.text}`);
  assert.match(String(res.headers['content-type']), /^application\/problem\+json(;|$)/);
  const body = JSON.parse(res.text) as Record<string, unknown>;
  assert.equal(body['type'], `urn:licensegate:${expected.type}`);
  assert.equal(body['status'], expected.status);
  assert.equal(typeof body['title'], 'string');
  assert.equal(typeof body['detail'], 'string');
  assert.ok((body['detail'] as string).length > 10, 'the detail says what happened');
  if (expected.code !== undefined) assert.equal(body['code'], expected.code);
  for (const [name, value] of Object.entries(expected.fields ?? {})) assert.deepEqual(body[name], value, name);
  assertNoStack(res.text);
  return body;
}

/** No stack trace lines, no `stack` member, no file paths in an answer body. */
export function assertNoStack(text: string): void {
  assert.doesNotMatch(text, /\bat [^\s]+ \(/, 'no stack frame');
  assert.doesNotMatch(text, /(^|\\n|\n)\s*at /, 'no stack line');
  assert.doesNotMatch(text, /"stack"/, 'no stack member');
  assert.doesNotMatch(text, /\.(js|ts):\d+/, 'no source location');
}
