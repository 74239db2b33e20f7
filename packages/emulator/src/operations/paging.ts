import { createHash } from 'node:crypto';
import { AwsError } from '../protocol/aws-error.js';

/** Page size when the caller sets no MaxResults. */
export const DEFAULT_PAGE_SIZE = 100;

/**
 * One page of a list. `NextToken` is opaque to callers: it carries the offset and a digest of the
 * query, so a token is refused (InvalidParameterValueException) when it is forged or reused with
 * other filters.
 */
export function page<T>(
  items: readonly T[],
  query: unknown,
  nextToken: string | undefined,
  maxResults: number | undefined,
): { items: T[]; nextToken: string | undefined } {
  const digest = createHash('sha256').update(JSON.stringify(query)).digest('base64url').slice(0, 16);
  let offset = 0;
  if (nextToken !== undefined) {
    const match = /^(\d{1,9})\.([\w-]{16})$/.exec(Buffer.from(nextToken, 'base64url').toString());
    if (match === null || match[2] !== digest) {
      throw new AwsError(
        'InvalidParameterValueException',
        'NextToken is not valid for this request: pass the NextToken of the previous answer with the same filters.',
      );
    }
    offset = Number(match[1]);
  }
  const end = offset + (maxResults ?? DEFAULT_PAGE_SIZE);
  return {
    items: items.slice(offset, end),
    nextToken: end < items.length ? Buffer.from(`${end}.${digest}`).toString('base64url') : undefined,
  };
}
