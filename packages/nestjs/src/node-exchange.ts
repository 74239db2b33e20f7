/**
 * Node's request and response under the platform's, found by their shape, not by platform: on
 * Express, what `ExecutionContext` gives are Node's own `IncomingMessage` and `ServerResponse`; on
 * Fastify, a `FastifyRequest` and a `FastifyReply` that wrap them (`.raw`). The package depends on
 * neither platform.
 */
import type { ServerResponse } from 'node:http';

/** A platform object that wraps Node's (Fastify's request and reply). */
interface Wrapper<N> {
  readonly raw: N;
}

/**
 * Whether the platform's response is Node's own (Express) rather than a wrapper around it: Node's
 * is an event emitter, Fastify's reply is not.
 */
export function isNodeResponse(res: unknown): boolean {
  return typeof (res as { once?: unknown } | null | undefined)?.once === 'function';
}

/** Node's response under the platform's: itself on Express, `reply.raw` on Fastify. */
export function nodeResponse(res: object): ServerResponse {
  return isNodeResponse(res) ? (res as ServerResponse) : (res as Wrapper<ServerResponse>).raw;
}

/**
 * The request's path, without the query string, for the log line of a denial: Express's `req.path`
 * (relative to a mounted router, as Express sees it), else the path of `req.url` (Fastify).
 */
export function requestPath(req: unknown): string | undefined {
  const { path, url } = (req ?? {}) as { path?: unknown; url?: unknown };
  if (typeof path === 'string') return path;
  return typeof url === 'string' ? url.split('?', 1)[0] : undefined;
}
