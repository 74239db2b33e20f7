/**
 * Server-side input validation against the service model, answering the way AWS's Coral-based JSON
 * services do:
 *
 * - a value of the wrong JSON type is a `SerializationException` (the request cannot even be
 *   deserialized), reported before any constraint violation;
 * - constraint violations (`required`, `enum`, `min`/`max`, `pattern`) are collected and reported
 *   together in ONE `ValidationException`:
 *   `2 validation errors detected: Value null at 'productSKU' failed to satisfy constraint: Member
 *   must not be null; Value 'BOGUS' at 'checkoutType' failed to satisfy constraint: ...`.
 *
 * Unknown members are ignored, not rejected: AWS JSON services accept members they do not know, so
 * that a client built from a newer model keeps working against the service (forward
 * compatibility). Rejecting them would refuse requests that the real service accepts.
 *
 * A validator is compiled once per shape into closures when this module loads, for the input shape
 * of every emulated operation; validating a valid request builds no strings and allocates nothing.
 */
import { internalError } from '../emulator-error.js';
import { AwsError } from '../protocol/aws-error.js';
import { EMULATED_OPERATIONS, inputShapeOf, shapeOf } from './service-model.js';
import type { Shape } from './service-model.js';

/** Checks one present (not undefined, not null) value; the member path is in `path`. */
type Check = (value: unknown) => void;

/** A structure member, precompiled. */
interface MemberCheck {
  /** Member name as on the wire (`ProductSKU`). */
  readonly key: string;
  /** Member name as in error paths: first letter lower-cased (`productSKU`). */
  readonly segment: string;
  readonly required: boolean;
  readonly check: Check;
}

// ---------------------------------------------------------------------------------------------
// Per-request state. Validation is synchronous, so one module-level path stack and violation list
// serve every request; validateInput() resets them before each run.

/**
 * Path of the value being checked: member segments, list indexes (1-based) and `member`. Only the
 * first `depth` entries count; the array is never shrunk, so that pushing allocates nothing (V8
 * frees the backing store when `length` is set to 0).
 */
const path: (string | number)[] = ['', 0];
/** Number of meaningful entries in `path`. */
let depth = 0;
/** Constraint violations found so far; allocated only when there is one. */
let violations: string[] | undefined;

/** Returns the violations found so far and starts a new list. */
function takeViolations(): string[] | undefined {
  const found = violations;
  violations = undefined;
  return found;
}

/** Where the value being checked sits, e.g. `entitlements.1.member.name`. */
function currentPath(): string {
  let text = '';
  for (let i = 0; i < depth; i += 1) text += i === 0 ? `${path[i]}` : `.${path[i]}`;
  return text;
}

// ---------------------------------------------------------------------------------------------
// Messages

/** Strings longer than this are elided in messages. */
const ELIDE_OVER = 200;
/** How many characters of an elided string are kept. */
const ELIDED_PREFIX = 20;

/** Java `toString()`-like rendering, as Coral prints values: `[a, b]`, `{K=v}`. */
function javaString(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(javaString).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).map(([k, v]) => `${k}=${javaString(v)}`);
    return `{${entries.join(', ')}}`;
  }
  return String(value);
}

/** `null`, or the value in single quotes, elided when long: `'abc'`, `'<20 chars>...'`. */
function renderValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  const text = javaString(value);
  return `'${text.length > ELIDE_OVER ? `${text.slice(0, ELIDED_PREFIX)}...` : text}'`;
}

/** Records a constraint violation of `value` at the current path. */
function violation(value: unknown, constraint: string): void {
  const message = `Value ${renderValue(value)} at '${currentPath()}' failed to satisfy constraint: ${constraint}`;
  (violations ??= []).push(message);
}

/** Records a violation at `segment` below the current path (e.g. a missing required member). */
function violationAt(segment: string | number, value: unknown, constraint: string): void {
  path[depth++] = segment;
  violation(value, constraint);
  depth -= 1;
}

/** The JSON type of a value, for SerializationException messages. */
function jsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'object') return 'object';
  if (typeof value === 'number') return `number ${value}`;
  return typeof value;
}

/** The SerializationException for a value of the wrong JSON type at the current path. */
function typeError(expected: string, value: unknown): AwsError {
  return new AwsError(
    'SerializationException',
    `Value at '${currentPath()}' must be ${expected}, got ${jsonTypeOf(value)}`,
  );
}

// ---------------------------------------------------------------------------------------------
// Java regular expressions

/** Java's `\s`: `[ \t\n\x0B\f\r]` (JavaScript's `\s` also matches Unicode spaces). */
const JAVA_SPACE = ' \\t\\n\\x0B\\f\\r';
/** Everything but Java's `\s`, as ranges for use inside a class (`u` flag: code points). */
const JAVA_NON_SPACE = '\\x00-\\x08\\x0E-\\x1F\\x21-\\uFFFF';
const JAVA_NON_SPACE_U = '\\x00-\\x08\\x0E-\\x1F\\x21-\\u{10FFFF}';
/** Java's `.` excludes these line terminators (JavaScript's does not exclude U+0085). */
const JAVA_DOT = '[^\\n\\r\\u0085\\u2028\\u2029]';

/** Java's POSIX classes (`\p{Alpha}`...), which are ASCII-only; JavaScript has no equivalent. */
const JAVA_POSIX: Readonly<Record<string, string>> = {
  Lower: 'a-z',
  Upper: 'A-Z',
  ASCII: '\\x00-\\x7F',
  Alpha: 'a-zA-Z',
  Digit: '0-9',
  Alnum: 'a-zA-Z0-9',
  Punct: '!-\\/:-@\\[-`{-~',
  Graph: '\\x21-\\x7E',
  Print: '\\x20-\\x7E',
  Blank: ' \\t',
  Cntrl: '\\x00-\\x1F\\x7F',
  XDigit: '0-9a-fA-F',
  Space: JAVA_SPACE,
};

/** Own-property lookup in a constant table (never hits `Object.prototype`). */
function lookup<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

/** JavaScript text for a piece of a Java pattern, and where the rest of the pattern starts. */
interface Translated {
  readonly text: string;
  readonly next: number;
}

/** Translates the Java escape at `pattern[i]` (a backslash). */
function translateEscape(pattern: string, i: number, inClass: boolean, unicode: boolean): Translated {
  const c = pattern[i + 1] ?? '';
  if (c === 's') return { text: inClass ? JAVA_SPACE : `[${JAVA_SPACE}]`, next: i + 2 };
  if (c === 'S') {
    const ranges = unicode ? JAVA_NON_SPACE_U : JAVA_NON_SPACE;
    return { text: inClass ? ranges : `[^${JAVA_SPACE}]`, next: i + 2 };
  }
  if (c === 'Q') throw internalError(`Unsupported Java regex construct \\Q in ${pattern}`);
  if ((c === 'p' || c === 'P') && pattern[i + 2] === '{') {
    const end = pattern.indexOf('}', i + 3);
    const posix = end < 0 ? undefined : lookup(JAVA_POSIX, pattern.slice(i + 3, end));
    if (posix !== undefined) {
      if (c === 'p') return { text: inClass ? posix : `[${posix}]`, next: end + 1 };
      if (!inClass) return { text: `[^${posix}]`, next: end + 1 };
    }
  }
  // Anything else means the same in both dialects (Unicode `\p{L}` needs the `u` flag).
  return { text: pattern.slice(i, i + 2), next: i + 2 };
}

/**
 * Compiles a Java regular expression (the service model's dialect) into a JavaScript RegExp that
 * must match the WHOLE value, as Java's `Matcher.matches()` does.
 *
 * Translated: `\s`/`\S` (Java whitespace is ASCII only), `.` (Java also stops at U+0085) and the
 * POSIX classes `\p{Alpha}` and friends; other `\p{...}` get the `u` flag.
 *
 * @throws EmulatorError `ERR_LG_EMU_INTERNAL` for constructs with no JavaScript equivalent (`\Q...\E`, nested classes).
 */
export function javaPatternToRegExp(pattern: string): RegExp {
  const unicode = /\\[pP]\{/.test(pattern);
  let out = '';
  let inClass = false;
  for (let i = 0; i < pattern.length;) {
    const c = pattern[i];
    if (c === '\\') {
      const { text, next } = translateEscape(pattern, i, inClass, unicode);
      out += text;
      i = next;
      continue;
    }
    if (c === '[' && inClass) throw internalError(`Unsupported nested character class in ${pattern}`);
    if (c === '[') inClass = true;
    else if (c === ']') inClass = false;
    out += c === '.' && !inClass ? JAVA_DOT : c;
    i += 1;
  }
  return new RegExp(`^(?:${out})$`, unicode ? 'u' : '');
}

// ---------------------------------------------------------------------------------------------
// ISO8601DateTime: the model's regex is broken (see the note on PATTERN_OVERRIDES).

/** Shape of an ISO-8601 date-time: optional fraction, optional `Z` or `±HH:MM` zone. */
const ISO_DATE_TIME =
  /^-?(?:[1-9][0-9]*)?[0-9]{4}-(?:1[0-2]|0[1-9])-(?:3[01]|0[1-9]|[12][0-9])T(?:2[0-3]|[01][0-9]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]+)?(?:Z|[+-](?:2[0-3]|[01][0-9]):[0-5][0-9])?$/;

/** Days in each month of a common year. */
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Reads the two decimal digits at `at`. */
function twoDigits(value: string, at: number): number {
  return (value.charCodeAt(at) - 48) * 10 + (value.charCodeAt(at + 1) - 48);
}

/** Whether the year written before `end` (digits, maybe a leading `-`) is a leap year. */
function isLeapYear(value: string, end: number): boolean {
  let mod400 = 0;
  for (let i = value.charCodeAt(0) === 45 ? 1 : 0; i < end; i += 1) {
    mod400 = (mod400 * 10 + value.charCodeAt(i) - 48) % 400;
  }
  return mod400 % 4 === 0 && (mod400 % 100 !== 0 || mod400 === 0);
}

/**
 * Whether `value` is an ISO-8601 date-time as License Manager's `ISO8601DateTime` means it:
 * `YYYY-MM-DDTHH:MM:SS`, an optional fraction (`.000`) and an optional zone (`Z`, `+02:00`), with a
 * real calendar date (no February 30th). Examples: `2026-01-01T00:00:00`,
 * `2021-04-12T00:00:00+00:00`, `2026-11-27T21:00:00.000Z`.
 */
export function isIso8601DateTime(value: string): boolean {
  if (!ISO_DATE_TIME.test(value)) return false;
  const t = value.indexOf('T');
  const month = twoDigits(value, t - 5);
  const day = twoDigits(value, t - 2);
  const days = month === 2 && isLeapYear(value, t - 6) ? 29 : (MONTH_DAYS[month - 1] ?? 0);
  return day <= days;
}

/**
 * Matchers that replace a shape's model pattern; the message still quotes the model's pattern, as
 * AWS would.
 *
 * `ISO8601DateTime`'s pattern has a stray space in `2[ 0-3]` (so `+ 3:00` would pass as a zone) and
 * ends with `)+$` on the zone group (so `ZZ` or `+01:00+02:00` would pass); it also allows
 * February 30th. {@link isIso8601DateTime} is the intended check.
 */
const PATTERN_OVERRIDES: Readonly<Record<string, (value: string) => boolean>> = {
  ISO8601DateTime: isIso8601DateTime,
};

// ---------------------------------------------------------------------------------------------
// Compilation of shapes into checks

/** Number of Unicode code points (Smithy measures string length in scalar values). */
function codePointLength(value: string): number {
  let n = 0;
  for (let i = 0; i < value.length; i += 1) {
    const c = value.charCodeAt(i);
    if (c < 0xd800 || c > 0xdbff || i + 1 >= value.length) n += 1;
    else {
      const d = value.charCodeAt(i + 1);
      n += 1;
      if (d >= 0xdc00 && d <= 0xdfff) i += 1;
    }
  }
  return n;
}

/** The length check of a string, list or map shape, or undefined when it has no bounds. */
function lengthCheck(shape: Shape): ((value: unknown, length: number) => void) | undefined {
  const { min, max } = shape;
  if (min === undefined && max === undefined) return undefined;
  const low = min ?? 0;
  const high = max ?? Infinity;
  return (value, length) => {
    if (length < low) violation(value, `Member must have length greater than or equal to ${low}`);
    if (length > high) violation(value, `Member must have length less than or equal to ${high}`);
  };
}

/** Check of a `string` shape: type, length, pattern, enum. */
function compileString(name: string, shape: Shape): Check {
  const checkLength = lengthCheck(shape);
  const low = shape.min ?? 0;
  const high = shape.max ?? Infinity;
  const pattern = shape.pattern;
  let matches: ((value: string) => boolean) | undefined;
  if (pattern !== undefined) {
    matches = lookup(PATTERN_OVERRIDES, name);
    if (matches === undefined) {
      const regex = javaPatternToRegExp(pattern);
      matches = (value) => regex.test(value);
    }
  }
  const patternMessage = `Member must satisfy regular expression pattern: ${pattern}`;
  const allowed = shape.enum === undefined ? undefined : new Set(shape.enum);
  const enumMessage = `Member must satisfy enum value set: [${shape.enum?.join(', ')}]`;
  return (value) => {
    if (typeof value !== 'string') throw typeError('a string', value);
    if (checkLength !== undefined) {
      // UTF-16 length bounds the code point count: count only when it could matter.
      const units = value.length;
      const exact = units > high || units < 2 * low;
      checkLength(value, exact ? codePointLength(value) : units);
    }
    if (matches !== undefined && !matches(value)) violation(value, patternMessage);
    if (allowed !== undefined && !allowed.has(value)) violation(value, enumMessage);
  };
}

/** Whether `value` is a JSON number that fits the shape type. */
type NumberTest = (value: number) => boolean;

const INT32_MAX = 2 ** 31 - 1;
/** 2^63 - 1 is not a double: JSON.parse rounds it to 2^63, which is therefore accepted. */
const INT64_MAX = 2 ** 63;

/** Type names and number tests of the numeric shape types. */
const NUMBER_TYPES: Readonly<Record<string, readonly [string, NumberTest]>> = {
  integer: ['an integer', (v) => Number.isInteger(v) && v >= -INT32_MAX - 1 && v <= INT32_MAX],
  long: ['an integer (long)', (v) => Number.isInteger(v) && v >= -INT64_MAX && v <= INT64_MAX],
  float: ['a number', Number.isFinite],
  double: ['a number', Number.isFinite],
  timestamp: ['a timestamp (epoch seconds as a JSON number)', Number.isFinite],
};

/** Check of a numeric shape (integer, long, float, double, timestamp): type and range. */
function compileNumber(shape: Shape): Check {
  const [expected, fits] = lookup(NUMBER_TYPES, shape.type) ?? ['a number', Number.isFinite];
  const low = shape.min ?? -Infinity;
  const high = shape.max ?? Infinity;
  return (value) => {
    if (typeof value !== 'number' || !fits(value)) throw typeError(expected, value);
    if (value < low) violation(value, `Member must have value greater than or equal to ${low}`);
    if (value > high) violation(value, `Member must have value less than or equal to ${high}`);
  };
}

/** Check of a `boolean` shape. */
function checkBoolean(value: unknown): void {
  if (typeof value !== 'boolean') throw typeError('a boolean', value);
}

/** Check of a `blob` shape (base64 text in JSON). */
function checkBlob(value: unknown): void {
  if (typeof value !== 'string') throw typeError('a base64-encoded string', value);
}

/** Whether `value` is a JSON object (not an array, not null). */
function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Check of a `structure` shape: type, then each modelled member in model order. */
function compileStructure(shape: Shape, compile: (name: string) => Check): Check {
  const required = new Set(shape.required ?? []);
  const members: MemberCheck[] = Object.entries(shape.members ?? {}).map(([key, ref]) => ({
    key,
    segment: key.charAt(0).toLowerCase() + key.slice(1),
    required: required.has(key),
    check: compile(ref.shape),
  }));
  return (value) => {
    if (!isJsonObject(value)) throw typeError('a structure (JSON object)', value);
    for (let i = 0; i < members.length; i += 1) {
      const member = members[i] as MemberCheck;
      // Own members only: the value is read, never inherited (a request object made in code may
      // have a prototype; a JSON `__proto__` member is an own member like any other).
      const memberValue = Object.hasOwn(value, member.key) ? value[member.key] : undefined;
      if (memberValue === undefined || memberValue === null) {
        // JSON null is treated as absent, as AWS JSON services do.
        if (member.required) violationAt(member.segment, null, 'Member must not be null');
        continue;
      }
      path[depth++] = member.segment;
      member.check(memberValue);
      depth -= 1;
    }
  };
}

/** Check of a `list` shape: type, length, then each element (`name.1.member`). */
function compileList(shape: Shape, compile: (name: string) => Check): Check {
  const checkLength = lengthCheck(shape);
  const element = compile(requireRef(shape.member, 'list member').shape);
  return (value) => {
    if (!Array.isArray(value)) throw typeError('a list (JSON array)', value);
    if (checkLength !== undefined) checkLength(value, value.length);
    for (let i = 0; i < value.length; i += 1) {
      const item: unknown = value[i];
      path[depth++] = i + 1;
      path[depth++] = 'member';
      if (item === undefined || item === null) violation(null, 'Member must not be null');
      else element(item);
      depth -= 2;
    }
  };
}

/** Check of a `map` shape: type, size, then each key (`name.KEY.key`) and value (`name.KEY.member`). */
function compileMap(shape: Shape, compile: (name: string) => Check): Check {
  const checkLength = lengthCheck(shape);
  const checkKey = compile(requireRef(shape.key, 'map key').shape);
  const checkValue = compile(requireRef(shape.value, 'map value').shape);
  return (value) => {
    if (!isJsonObject(value)) throw typeError('a map (JSON object)', value);
    const keys = Object.keys(value);
    if (checkLength !== undefined) checkLength(value, keys.length);
    for (const key of keys) {
      const entry = value[key];
      path[depth++] = key;
      path[depth++] = 'key';
      checkKey(key);
      path[depth - 1] = 'member';
      if (entry === undefined || entry === null) violation(null, 'Member must not be null');
      else checkValue(entry);
      depth -= 2;
    }
  };
}

/** Returns `ref`, or throws when the model lacks it. */
function requireRef<T>(ref: T | undefined, what: string): T {
  if (ref === undefined) throw internalError(`Service model shape has no ${what}`);
  return ref;
}

/** Compiles shapes into checks, once each; recursive shapes go through a trampoline. */
class Compiler {
  private readonly done = new Map<string, Check>();
  private readonly pending = new Set<string>();

  /** The check of shape `name`. */
  readonly compile = (name: string): Check => {
    const cached = this.done.get(name);
    if (cached !== undefined) return cached;
    if (this.pending.has(name)) return (value) => (this.done.get(name) as Check)(value);
    this.pending.add(name);
    const check = this.build(name, shapeOf(name));
    this.pending.delete(name);
    this.done.set(name, check);
    return check;
  };

  private build(name: string, shape: Shape): Check {
    switch (shape.type) {
      case 'structure':
        return compileStructure(shape, this.compile);
      case 'list':
        return compileList(shape, this.compile);
      case 'map':
        return compileMap(shape, this.compile);
      case 'string':
        return compileString(name, shape);
      case 'boolean':
        return checkBoolean;
      case 'blob':
        return checkBlob;
      default:
        return compileNumber(shape);
    }
  }
}

/** The input check of every emulated operation, compiled at load. */
const INPUT_CHECKS: ReadonlyMap<string, Check> = (() => {
  const compiler = new Compiler();
  const checks = new Map<string, Check>();
  for (const op of EMULATED_OPERATIONS) {
    const input = inputShapeOf(op);
    if (input !== undefined) checks.set(op, compiler.compile(input));
  }
  return checks;
})();

/**
 * Validates a parsed JSON request body against the input shape of `operation`.
 *
 * @param operation - an emulated operation name (the server checks that first)
 * @param input - the parsed JSON body
 * @throws AwsError `SerializationException` when the body is not a JSON object or a member has
 *   the wrong JSON type, e.g. `Value at 'maxResults' must be an integer, got string`
 * @throws AwsError `ValidationException` listing every constraint violation, Coral style:
 *   `1 validation error detected: Value null at 'productSKU' failed to satisfy constraint: Member
 *   must not be null`
 * @throws EmulatorError `ERR_LG_EMU_INTERNAL` when `operation` is not emulated (a server bug, not a client error)
 */
export function validateInput(operation: string, input: unknown): void {
  const check = INPUT_CHECKS.get(operation);
  if (check === undefined) {
    throw internalError(`validateInput: ${operation} is not an emulated operation with an input`);
  }
  if (!isJsonObject(input)) {
    throw new AwsError(
      'SerializationException',
      `Expected a JSON object as the request body, got ${jsonTypeOf(input)}`,
    );
  }
  depth = 0;
  takeViolations();
  check(input);
  const found = takeViolations();
  if (found === undefined) return;
  const count = `${found.length} validation error${found.length === 1 ? '' : 's'} detected`;
  throw new AwsError('ValidationException', `${count}: ${found.join('; ')}`);
}
