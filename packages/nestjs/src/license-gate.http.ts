/**
 * What the module's public types say of a request and a response, on either Nest platform, without
 * naming a platform's own types: a Nest app on Fastify compiles without `express` or its types.
 */

/**
 * A request as a callback of the module sees it (`@Drawdown` units, `seatKey`, `seatInfo`,
 * `chargeWhen`) unless its parameter names a type of its own: the members Express's `Request` and
 * Fastify's `FastifyRequest` both have. Annotate the parameter with your platform's type to see
 * the rest — `(req: FastifyRequest) => ...`, `(req: Request) => ...` — and the callback takes it.
 */
export interface LicenseGateRequest {
  /** The request method, e.g. `'GET'`. */
  readonly method: string;
  /** The path and the query string, as received. */
  readonly url: string;
  /** The request headers, by lower-case name. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The parsed query string (`?gb=5`: `{ gb: '5' }`). */
  readonly query: Readonly<Record<string, unknown>>;
}

/**
 * A response as a callback of the module sees it (`(req, res) => units`, `chargeWhen`) unless its
 * parameter names a type of its own: the members Express's `Response` and Fastify's `FastifyReply`
 * both have.
 */
export interface LicenseGateResponse {
  /** The status code answered (or to be answered). */
  readonly statusCode: number;
  /** A response header, e.g. one the handler set to say what it used. */
  getHeader(name: string): number | string | string[] | undefined;
}
