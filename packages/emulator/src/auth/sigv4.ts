/**
 * AWS Signature Version 4 request authentication, built on `node:crypto` only.
 *
 * `signed` mode checks that a request carries a well-formed SigV4 `Authorization` header (what the
 * AWS front end rejects before it looks at a key); `strict` mode also checks that `host` and every
 * `x-amz-*` header are signed, then the access key, the session token, the clock skew and the
 * signature itself, then the key's allowed actions.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

import { AwsError } from '../protocol/aws-error.js';

/** An access key the emulator knows, with what it may do. */
export interface AccessKey {
  /** Access key id, e.g. `AKIAIOSFODNN7EXAMPLE`. */
  accessKeyId: string;
  /** Secret the request signature is checked with. */
  secretAccessKey: string;
  /** Session token the request must send as `x-amz-security-token`; none when undefined. */
  sessionToken?: string;
  /**
   * Actions the key may call: `CheckoutLicense`, `license-manager:GetLicense`,
   * `license-manager:Get*`, `license-manager:*` or `*` (case-insensitive, `*` and `?` as in IAM).
   * Undefined allows every action; an empty list allows none.
   */
  actions?: readonly string[];
}

/** How `authenticate` checks requests. */
export interface AuthOptions {
  /** `signed`: the header must be well formed; `strict`: the key and signature must verify too. */
  mode: 'signed' | 'strict';
  /** Known access keys by access key id (used in `strict` mode). */
  keys: ReadonlyMap<string, AccessKey>;
  /** Real wall-clock time in ms, never the emulator's virtual clock. */
  now: () => number;
  /** Account id in the ARN of AccessDeniedException messages; default `123456789012`. */
  accountId?: string;
}

/** The parts of an HTTP request that SigV4 signs. */
export interface SignedRequest {
  /** HTTP method, e.g. `POST`. */
  method: string;
  /** Raw request-target path, as sent (still percent-encoded), e.g. `/`. */
  path: string;
  /** Raw query string without `?`; empty when there is none. */
  query: string;
  /**
   * Request headers with lower-case names: node's `IncomingMessage.headers`, or better
   * `headersDistinct` (node joins repeated headers with `', '` where SigV4 wants `','`).
   */
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The complete request body. */
  body: Buffer;
}

/** Who made an authenticated request, from the credential scope. */
export interface Caller {
  /** Access key id of the credential. */
  accessKeyId: string;
  /** Region the request was signed for. */
  region: string;
  /** Service the request was signed for (always `license-manager`). */
  service: string;
}

/** The date, region and service of a SigV4 credential scope. */
export interface CredentialScope {
  /** Scope date, `yyyyMMdd`. */
  date: string;
  /** Region, e.g. `us-east-1`. */
  region: string;
  /** Service signing name, e.g. `license-manager`. */
  service: string;
}

/** What `computeSignature` needs besides the request. */
export interface SigningInput {
  /** Request time in ISO 8601 basic format, `yyyyMMdd'T'HHmmss'Z'`. */
  amzDate: string;
  /** Credential scope the request is signed for. */
  scope: CredentialScope;
  /** Lower-case names of the signed headers, in the order of the `SignedHeaders` parameter. */
  signedHeaders: readonly string[];
  /** Secret access key. */
  secretAccessKey: string;
  /** Hex SHA-256 of the body; computed from `request.body` when omitted. */
  payloadHash?: string;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';
const SERVICE = 'license-manager';
const TERMINATOR = 'aws4_request';
const MAX_SKEW_MS = 15 * 60 * 1000;
const DEFAULT_ACCOUNT_ID = '123456789012';
const SIGNING_KEY_CACHE_LIMIT = 1024;
const AMZ_DATE_PATTERN = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const SIGNED_HEADER_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;
/** Headers with this prefix must be signed in strict mode. */
const AMZ_HEADER_PREFIX = 'x-amz-';
const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. ' +
  'Check your AWS Secret Access Key and signing method. ' +
  'Consult the service documentation for details.';
const INVALID_TOKEN = 'The security token included in the request is invalid.';

/** The Authorization header, taken apart. */
interface ParsedAuthorization {
  /** The header as sent, echoed in error messages. */
  header: string;
  accessKeyId: string;
  scope: CredentialScope;
  signedHeaders: string[];
  signature: string;
}

/** The request time, as the string to sign uses it and in ms. */
interface RequestTime {
  amzDate: string;
  ms: number;
}

/**
 * Authenticates (and in `strict` mode authorises) one License Manager request.
 *
 * @param request - the request as received
 * @param action - the operation called, e.g. `CheckoutLicense` (from `X-Amz-Target`)
 * @param options - mode, known keys and the wall clock
 * @returns the caller named by the credential scope
 * @throws AwsError `MissingAuthenticationTokenException`, `IncompleteSignatureException`,
 *   `UnrecognizedClientException`, `InvalidSignatureException` (all HTTP 400) or
 *   `AccessDeniedException`
 */
export function authenticate(request: SignedRequest, action: string, options: AuthOptions): Caller {
  const auth = parseAuthorization(request.headers);
  const time = requestTime(request.headers, auth.header);
  requireSignedHeadersPresent(request.headers, auth);
  if (options.mode === 'strict') {
    requireSignedHeadersCover(request.headers, auth);
    const key = verify(request, auth, time, options);
    authorize(key, action, options.accountId ?? DEFAULT_ACCOUNT_ID);
  }
  return { accessKeyId: auth.accessKeyId, region: auth.scope.region, service: auth.scope.service };
}

/**
 * Computes the hex SigV4 signature of a request, as a client would have signed it.
 *
 * @param request - the request as received
 * @param input - request time, credential scope, signed headers and secret
 * @returns the lower-case hex signature
 */
export function computeSignature(request: SignedRequest, input: SigningInput): string {
  const payloadHash = input.payloadHash ?? sha256Hex(request.body);
  const canonical = canonicalRequest(request, input.signedHeaders, payloadHash);
  const scope = scopeString(input.scope);
  const stringToSign = `${ALGORITHM}\n${input.amzDate}\n${scope}\n${sha256Hex(canonical)}`;
  const { date, region, service } = input.scope;
  const key = deriveSigningKey(input.secretAccessKey, date, region, service);
  return createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');
}

const signingKeys = new Map<string, Buffer>();

/**
 * Derives (kDate, kRegion, kService, kSigning) the SigV4 signing key, cached per secret, date,
 * region and service.
 *
 * @param secretAccessKey - the secret access key
 * @param date - scope date, `yyyyMMdd`
 * @param region - scope region
 * @param service - scope service
 * @returns the 32-byte signing key
 */
export function deriveSigningKey(secretAccessKey: string, date: string, region: string, service: string): Buffer {
  const cacheKey = `${secretAccessKey}\n${date}\n${region}\n${service}`;
  const cached = signingKeys.get(cacheKey);
  if (cached !== undefined) return cached;
  const kDate = hmac(`AWS4${secretAccessKey}`, date);
  const kSigning = hmac(hmac(hmac(kDate, region), service), TERMINATOR);
  if (signingKeys.size >= SIGNING_KEY_CACHE_LIMIT) {
    const oldest = signingKeys.keys().next();
    if (oldest.done !== true) signingKeys.delete(oldest.value);
  }
  signingKeys.set(cacheKey, kSigning);
  return kSigning;
}

// ---------------------------------------------------------------- parsing the header

/** Reads, splits and checks the Authorization header. */
function parseAuthorization(headers: SignedRequest['headers']): ParsedAuthorization {
  const header = firstHeader(headers, 'authorization')?.trim();
  if (header === undefined || header === '') {
    throw new AwsError('MissingAuthenticationTokenException', 'Missing Authentication Token', {
      status: 400,
    });
  }
  const space = header.search(/\s/);
  const algorithm = space < 0 ? header : header.slice(0, space);
  if (algorithm !== ALGORITHM) {
    throw incomplete(
      `Unsupported AWS 'algorithm': '${algorithm}'; requests must be signed with ` +
        `'${ALGORITHM}'. Authorization=${header}`,
    );
  }
  const params = authorizationParameters(space < 0 ? '' : header.slice(space + 1), header);
  const credential = params.get('Credential');
  const signedHeaders = params.get('SignedHeaders');
  const signature = params.get('Signature');
  if (credential === undefined || signedHeaders === undefined || signature === undefined) {
    const missing = [
      credential === undefined ? 'Credential' : undefined,
      signature === undefined ? 'Signature' : undefined,
      signedHeaders === undefined ? 'SignedHeaders' : undefined,
    ].filter((name) => name !== undefined);
    const sentences = missing.map((name) => `Authorization header requires '${name}' parameter. `);
    throw incomplete(`${sentences.join('')}Authorization=${header}`);
  }
  const { accessKeyId, scope } = parseCredential(credential);
  return {
    header,
    accessKeyId,
    scope,
    signedHeaders: parseSignedHeaders(signedHeaders),
    signature,
  };
}

/** Splits `Credential=..., SignedHeaders=..., Signature=...` into a map without empty values. */
function authorizationParameters(text: string, header: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const rawPart of text.split(',')) {
    const part = rawPart.trim();
    if (part === '') continue;
    const equals = part.indexOf('=');
    if (equals < 0) {
      throw incomplete(
        `Invalid key=value pair (missing equal-sign) in Authorization header: '${part}'. ` + `Authorization=${header}`,
      );
    }
    const value = part.slice(equals + 1).trim();
    if (value !== '') params.set(part.slice(0, equals).trim(), value);
  }
  return params;
}

/** Checks `AKID/yyyymmdd/region/license-manager/aws4_request`. */
function parseCredential(credential: string): { accessKeyId: string; scope: CredentialScope } {
  const parts = credential.split('/');
  const [accessKeyId, date, region, service, terminator] = parts;
  if (
    parts.length !== 5 ||
    accessKeyId === undefined ||
    date === undefined ||
    region === undefined ||
    service === undefined ||
    terminator === undefined
  ) {
    throw incomplete(
      'Credential must have exactly 5 slash-delimited elements, ' +
        `e.g. keyid/date/region/service/term, got '${credential}'`,
    );
  }
  if (accessKeyId === '') {
    throw incomplete(`Credential must begin with an access key id, got '${credential}'`);
  }
  if (!/^\d{8}$/.test(date)) {
    throw incomplete(`Credential should be scoped to a valid date (yyyyMMdd), not '${date}'.`);
  }
  if (!/^[A-Za-z0-9-]+$/.test(region)) {
    throw incomplete(`Credential should be scoped to a valid region, not '${region}'.`);
  }
  if (service !== SERVICE) {
    throw incomplete(`Credential should be scoped to correct service: '${SERVICE}'.`);
  }
  if (terminator !== TERMINATOR) {
    throw incomplete(`Credential should be scoped with a valid terminator: '${TERMINATOR}', not '${terminator}'.`);
  }
  return { accessKeyId, scope: { date, region, service } };
}

/** Checks `a;b;c`: lower-case header names, none empty. */
function parseSignedHeaders(list: string): string[] {
  const names = list.split(';');
  if (!names.every((name) => SIGNED_HEADER_NAME.test(name))) {
    throw incomplete(`SignedHeaders must be a ';'-separated list of lower-case header names, got '${list}'.`);
  }
  return names;
}

/** Reads the request time from `x-amz-date`, else from `date`. */
function requestTime(headers: SignedRequest['headers'], header: string): RequestTime {
  const amzDate = firstHeader(headers, 'x-amz-date')?.trim();
  if (amzDate !== undefined) {
    const ms = parseAmzDate(amzDate);
    if (ms === undefined) {
      throw incomplete(`X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'", got '${amzDate}'.`);
    }
    return { amzDate, ms };
  }
  const date = firstHeader(headers, 'date')?.trim();
  if (date === undefined) {
    throw incomplete(
      "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. " +
        `Authorization=${header}`,
    );
  }
  const ms = parseAmzDate(date) ?? parseHttpDate(date);
  if (ms === undefined) {
    throw incomplete(`Date must be an RFC 1123 date or ISO8601 Long Format, got '${date}'.`);
  }
  return { amzDate: formatAmzDate(ms), ms };
}

/** Every signed header must be in the request (a client can only sign what it sends). */
function requireSignedHeadersPresent(headers: SignedRequest['headers'], auth: ParsedAuthorization): void {
  for (const name of auth.signedHeaders) {
    if (headerValue(headers, name) === undefined) {
      throw incomplete(
        `Authorization header requires signed header '${name}' to be present in the request. ` +
          `Authorization=${auth.header}`,
      );
    }
  }
}

// ---------------------------------------------------------------- strict checks

/**
 * What AWS requires to be under the signature ("Create a signed AWS API request", IAM User Guide):
 * the `host` header, and every `x-amz-*` header the request carries — here `x-amz-target` (the
 * JSON protocol's operation, so that a captured request cannot be aimed at another operation),
 * `x-amz-date`, `x-amz-security-token` and `x-amz-content-sha256` when sent. A `date` header used
 * instead of `x-amz-date` need not be signed: its time is in the string to sign anyway.
 */
function requireSignedHeadersCover(headers: SignedRequest['headers'], auth: ParsedAuthorization): void {
  const signed = new Set(auth.signedHeaders);
  if (!signed.has('host'))
    throw incomplete("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  for (const name of Object.keys(headers)) {
    const lower = name.toLowerCase();
    if (lower.startsWith(AMZ_HEADER_PREFIX) && headerValue(headers, name) !== undefined && !signed.has(lower)) {
      throw incomplete(`'${displayHeaderName(lower)}' must be a 'SignedHeader' in the AWS Authorization.`);
    }
  }
}

/** `x-amz-target` -> `X-Amz-Target`, as AWS writes header names in its messages. */
function displayHeaderName(name: string): string {
  return name
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('-');
}

/** Checks key, token, time, scope date, payload hash and signature; returns the key. */
function verify(request: SignedRequest, auth: ParsedAuthorization, time: RequestTime, options: AuthOptions): AccessKey {
  const key = options.keys.get(auth.accessKeyId);
  if (key === undefined) throw unrecognized();
  const token = firstHeader(request.headers, 'x-amz-security-token');
  if (token !== key.sessionToken) throw unrecognized();
  checkSkew(time, options.now());
  const httpDate = time.amzDate.slice(0, 8);
  if (auth.scope.date !== httpDate) {
    throw invalidSignature(
      'Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from ' +
        `HTTP: '${auth.scope.date}' != '${httpDate}', from '${time.amzDate}'.`,
    );
  }
  const payloadHash = checkedPayloadHash(request);
  const expected = computeSignature(request, {
    amzDate: time.amzDate,
    scope: auth.scope,
    signedHeaders: auth.signedHeaders,
    secretAccessKey: key.secretAccessKey,
    payloadHash,
  });
  if (!sameSignature(expected, auth.signature)) throw invalidSignature(SIGNATURE_MISMATCH);
  return key;
}

/** Rejects a request time more than 15 minutes away from now, with AWS's messages. */
function checkSkew(time: RequestTime, nowMs: number): void {
  const now = formatAmzDate(nowMs);
  if (time.ms < nowMs - MAX_SKEW_MS) {
    const earliest = formatAmzDate(nowMs - MAX_SKEW_MS);
    throw invalidSignature(`Signature expired: ${time.amzDate} is now earlier than ${earliest} (${now} - 15 min.)`);
  }
  if (time.ms > nowMs + MAX_SKEW_MS) {
    const latest = formatAmzDate(nowMs + MAX_SKEW_MS);
    throw invalidSignature(
      `Signature not yet current: ${time.amzDate} is still later than ${latest} (${now} + 15 min.)`,
    );
  }
}

/** Hashes the body; a sent `x-amz-content-sha256` must equal that hash. */
function checkedPayloadHash(request: SignedRequest): string {
  const computed = sha256Hex(request.body);
  const claimed = firstHeader(request.headers, 'x-amz-content-sha256');
  if (claimed !== undefined && claimed.trim() !== computed) {
    throw invalidSignature("The provided 'x-amz-content-sha256' header does not match what was computed.");
  }
  return computed;
}

/** Constant-time comparison of the expected and provided hex signatures. */
function sameSignature(expected: string, provided: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(provided, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Throws AccessDeniedException unless the key's actions allow the action. */
function authorize(key: AccessKey, action: string, accountId: string): void {
  if (key.actions === undefined) return;
  const qualified = action.includes(':') ? action : `${SERVICE}:${action}`;
  if (key.actions.some((pattern) => actionPattern(pattern).test(qualified))) return;
  throw new AwsError(
    'AccessDeniedException',
    `User: arn:aws:iam::${accountId}:user/${key.accessKeyId} is not authorized to perform: ` +
      `${qualified} because no identity-based policy allows the ${qualified} action`,
  );
}

const actionPatterns = new Map<string, RegExp>();

/** Compiles an IAM action pattern (`X`, `svc:X`, `svc:Get*`, `*`) to a case-insensitive RegExp. */
function actionPattern(pattern: string): RegExp {
  const cached = actionPatterns.get(pattern);
  if (cached !== undefined) return cached;
  const full = pattern === '*' || pattern.includes(':') ? pattern : `${SERVICE}:${pattern}`;
  const source = full
    .split('')
    .map((char) => (char === '*' ? '.*' : char === '?' ? '.' : escapeRegExp(char)))
    .join('');
  const compiled = new RegExp(`^${source}$`, 'i');
  actionPatterns.set(pattern, compiled);
  return compiled;
}

/** Escapes one character for use in a RegExp source. */
function escapeRegExp(char: string): string {
  return /[\\^$.|+()[\]{}/-]/.test(char) ? `\\${char}` : char;
}

// ---------------------------------------------------------------- canonical request

/** Builds the SigV4 canonical request. */
function canonicalRequest(request: SignedRequest, signedHeaders: readonly string[], payloadHash: string): string {
  const headerLines = signedHeaders.map(
    (name) => `${name}:${canonicalHeaderValue(headerValue(request.headers, name))}\n`,
  );
  return [
    request.method.toUpperCase(),
    canonicalUri(request.path),
    canonicalQuery(request.query),
    headerLines.join(''),
    signedHeaders.join(';'),
    payloadHash,
  ].join('\n');
}

/** Normalises the path (drops empty and `.` segments, resolves `..`) and encodes each segment. */
function canonicalUri(path: string): string {
  if (path === '/' || path === '') return '/';
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(uriEncode(segment));
  }
  const trailing = segments.length > 0 && path.endsWith('/') ? '/' : '';
  return `/${segments.join('/')}${trailing}`;
}

/** Decodes each `name=value` pair, re-encodes it strictly and sorts by name, then value. */
function canonicalQuery(query: string): string {
  if (query === '') return '';
  const pairs: Array<[string, string]> = [];
  for (const part of query.split('&')) {
    if (part === '') continue;
    const equals = part.indexOf('=');
    const name = equals < 0 ? part : part.slice(0, equals);
    const value = equals < 0 ? '' : part.slice(equals + 1);
    pairs.push([uriEncode(uriDecode(name)), uriEncode(uriDecode(value))]);
  }
  pairs.sort(([nameA, valueA], [nameB, valueB]) =>
    compareStrings(nameA, nameB) !== 0 ? compareStrings(nameA, nameB) : compareStrings(valueA, valueB),
  );
  return pairs.map(([name, value]) => `${name}=${value}`).join('&');
}

/** Trims each value, collapses inner runs of spaces and joins repeated values with `,`. */
function canonicalHeaderValue(value: string | readonly string[] | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return collapseSpaces(value);
  return value.map(collapseSpaces).join(',');
}

/** Collapses runs of spaces and tabs to one space and trims the ends. */
function collapseSpaces(value: string): string {
  return value.replace(/[ \t]+/g, ' ').trim();
}

/** SigV4 URI encoding: everything but `A-Za-z0-9-_.~` as `%XX` (upper-case hex, UTF-8). */
function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Percent-decodes a query component; keeps it as sent when it is not valid UTF-8. */
function uriDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Code-unit order, which is byte order for the ASCII of encoded strings. */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---------------------------------------------------------------- small helpers

/** `date/region/service/aws4_request`. */
function scopeString(scope: CredentialScope): string {
  return `${scope.date}/${scope.region}/${scope.service}/${TERMINATOR}`;
}

/**
 * A header as sent, or undefined. Own properties only: node's `IncomingMessage.headers` inherits from
 * `Object.prototype`, so `SignedHeaders=constructor` must not find a `constructor` header there.
 */
function headerValue(headers: SignedRequest['headers'], name: string): string | readonly string[] | undefined {
  return Object.hasOwn(headers, name) ? headers[name] : undefined;
}

/** First value of a header, whether node gave a string or an array. */
function firstHeader(headers: SignedRequest['headers'], name: string): string | undefined {
  const value = headerValue(headers, name);
  return typeof value === 'string' ? value : value?.[0];
}

/** The last date parsed: requests of the same second carry the same one. */
let lastAmzDate: { text: string; ms: number | undefined } = { text: '', ms: undefined };

/** Parses `yyyyMMdd'T'HHmmss'Z'` into ms, rejecting impossible dates such as month 13. */
function parseAmzDate(value: string): number | undefined {
  if (lastAmzDate.text === value) return lastAmzDate.ms;
  const ms = parseAmzDateUncached(value);
  lastAmzDate = { text: value, ms };
  return ms;
}

function parseAmzDateUncached(value: string): number | undefined {
  const match = AMZ_DATE_PATTERN.exec(value);
  if (match === null) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  return formatAmzDate(ms) === value ? ms : undefined;
}

/** Parses an HTTP (RFC 1123) date into ms. */
function parseHttpDate(value: string): number | undefined {
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Formats ms as `yyyyMMdd'T'HHmmss'Z'`. */
function formatAmzDate(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/** Hex SHA-256. */
function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** HMAC-SHA256 of a UTF-8 message. */
function hmac(key: string | Buffer, message: string): Buffer {
  return createHmac('sha256', key).update(message, 'utf8').digest();
}

/** IncompleteSignatureException, HTTP 400. */
function incomplete(message: string): AwsError {
  return new AwsError('IncompleteSignatureException', message, { status: 400 });
}

/** InvalidSignatureException, HTTP 400. */
function invalidSignature(message: string): AwsError {
  return new AwsError('InvalidSignatureException', message, { status: 400 });
}

/** UnrecognizedClientException, HTTP 400. */
function unrecognized(): AwsError {
  return new AwsError('UnrecognizedClientException', INVALID_TOKEN, { status: 400 });
}
