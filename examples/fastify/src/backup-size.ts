import type { FastifyReply, FastifyRequest } from 'fastify';
import { PROBLEM_CONTENT_TYPE } from '@licensegate/fastify';

/** The largest backup the demo takes at once, in GB. */
export const MAX_BACKUP_GB = 10_000;

/** The request decorator that holds a backup's size once {@link checkBackupSize} accepted it. */
export const BACKUP_GB = 'backupGb';

/** `?gb=N`: a whole number from 1 to {@link MAX_BACKUP_GB}, else `undefined`. */
function gigabytesOf(request: FastifyRequest): number | undefined {
  const text = (request.query as Record<string, unknown>)['gb'];
  if (typeof text !== 'string' || !/^\d{1,5}$/.test(text)) return undefined;
  const gb = Number(text);
  return gb >= 1 && gb <= MAX_BACKUP_GB ? gb : undefined;
}

/**
 * The backup route's own `preHandler`, which runs before the drawdown charge (the plugin appends
 * its hook after the route's): a bad size is the client's mistake, answered 400 problem+json, and
 * nothing is charged for it. A good size is kept in the request's {@link BACKUP_GB} decorator.
 */
export async function checkBackupSize(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const gb = gigabytesOf(request);
  if (gb === undefined) {
    await reply
      .code(400)
      .type(PROBLEM_CONTENT_TYPE)
      .send({
        type: 'urn:licensegate-demo:bad-size',
        title: 'Bad backup size',
        status: 400,
        detail: `?gb must be a whole number of gigabytes from 1 to ${MAX_BACKUP_GB}.`,
      });
    return;
  }
  request.setDecorator(BACKUP_GB, gb);
}

/** The size {@link checkBackupSize} accepted, in GB. */
export function backupSize(request: FastifyRequest): number {
  return request.getDecorator<number>(BACKUP_GB);
}
