import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AwsError } from '../protocol/aws-error.js';
import { statusFor, type StatusMode } from '../protocol/status-table.js';

/** Content type of every AWS JSON 1.1 answer. */
export const AMZ_JSON = 'application/x-amz-json-1.1';

/** Largest request body the emulator reads (License Manager requests are small). */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Reads a request body, refusing one larger than {@link MAX_BODY_BYTES}. */
export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
      else chunks.length = 0; // keep reading (and dropping) the rest, so that an answer can be sent
    });
    req.on('end', () => {
      if (size > MAX_BODY_BYTES) {
        reject(
          new AwsError('SerializationException', `The request body is larger than ${MAX_BODY_BYTES} bytes.`, {
            status: 413,
          }),
        );
      } else resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}

/** Sends a 200 answer: the JSON body, or an empty body for operations with no output. */
export function sendResult(res: ServerResponse, body: object | undefined): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  // A flat header list: node writes it without building and checking a headers object.
  res.writeHead(200, [
    'Content-Type',
    AMZ_JSON,
    'Content-Length',
    String(Buffer.byteLength(text)),
    'x-amzn-RequestId',
    randomUUID(),
  ]);
  res.end(text);
}

/**
 * Sends an AWS error: `__type` in the body (what every SDK reads first), `Message` and `message`
 * (clients read either), and an `x-amzn-ErrorType` header that agrees with `__type`.
 */
export function sendAwsError(res: ServerResponse, error: AwsError, mode: StatusMode): void {
  const body: Record<string, string> = {
    __type: error.name,
    Message: error.message,
    message: error.message,
    ...error.extra,
  };
  const text = JSON.stringify(body);
  const headers: Record<string, string | number> = {
    'Content-Type': AMZ_JSON,
    'Content-Length': Buffer.byteLength(text),
    'x-amzn-RequestId': randomUUID(),
    'x-amzn-ErrorType': error.name,
  };
  if (error.extra?.['Location'] !== undefined) headers['Location'] = error.extra['Location'];
  res.writeHead(error.status ?? statusFor(error.name, mode), headers);
  res.end(text);
}

/** Sends a plain JSON answer (admin path). */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, null, 2);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
