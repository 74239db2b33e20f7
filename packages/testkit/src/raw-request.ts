/** Raw `node:http` requests a test can abort before any answer comes. */
import { request as httpRequest, type ClientRequest } from 'node:http';

/** A raw request the test can abort: `abort()` destroys the socket before any answer comes. */
export function rawRequest(
  url: string,
  options: { method?: string; json?: unknown; cookie?: string } = {},
): { request: ClientRequest; abort: () => void } {
  const body = options.json === undefined ? '' : JSON.stringify(options.json);
  const request = httpRequest(url, {
    method: options.method ?? 'POST',
    agent: false,
    headers: {
      'content-length': String(Buffer.byteLength(body)),
      ...(options.json !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(options.cookie !== undefined ? { cookie: options.cookie } : {}),
    },
  });
  request.on('error', () => undefined); // the abort's ECONNRESET
  request.end(body);
  return { request, abort: () => request.destroy() };
}

/** A raw POST (with a JSON body, when given) the test can abort. */
export function rawPost(url: string, json?: unknown): { request: ClientRequest; abort: () => void } {
  return rawRequest(url, json === undefined ? {} : { json });
}
