import { EmulatorError } from './emulator-error.js';

/** What an injected fault does. */
export type FaultKind = 'error' | 'latency' | 'drop';

/**
 * A fault to inject into matching calls.
 *
 * - `error`: answer with an AWS error (`error`, default `ServerInternalException`), at the status
 *   of the status table or `status` (e.g. RateLimitExceededException at 400 or 429).
 * - `latency`: wait `latencyMs` before answering.
 * - `drop`: close the connection without an answer.
 *
 * With `phase: 'after'` the fault strikes after the operation has done its work (the state has
 * changed, but the caller never learns it: a "timeout after commit"); by default it strikes before.
 * `times` limits it to the next N matching calls; `rate` makes it strike with that probability
 * (from a seeded generator, so a run can be repeated); with neither it strikes every matching call
 * until cleared.
 */
export interface FaultSpec {
  /** Operation name, or `*` (the default) for every operation. */
  operation?: string;
  kind: FaultKind;
  error?: string;
  status?: number;
  message?: string;
  latencyMs?: number;
  phase?: 'before' | 'after';
  times?: number;
  rate?: number;
}

/** An active fault, as listed by the admin path. */
export interface Fault extends Required<Pick<FaultSpec, 'operation' | 'kind' | 'phase'>> {
  readonly id: number;
  readonly spec: FaultSpec;
  /** Strikes left, or `null` for unlimited. */
  remaining: number | null;
  /** How many times it has struck. */
  struck: number;
}

const KINDS: readonly FaultKind[] = ['error', 'latency', 'drop'];

function badFault(message: string): EmulatorError {
  return new EmulatorError('ERR_LG_EMU_BAD_FAULT', message);
}

/** The fields of a fault spec, in the order the README lists them. */
const FIELDS = ['operation', 'kind', 'error', 'status', 'message', 'latencyMs', 'phase', 'times', 'rate'] as const;

/**
 * Checks a fault spec and copies its known fields (own members only: nothing is read from a
 * prototype, and a member named `__proto__` is an unknown field like any other).
 * @throws EmulatorError ERR_LG_EMU_BAD_FAULT naming the field and what to write
 */
export function checkFaultSpec(spec: unknown, knownOperations: ReadonlySet<string>): FaultSpec {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec))
    throw badFault(
      'A fault must be a JSON object such as {"kind":"error","error":"RateLimitExceededException","times":1}.',
    );
  const s = spec as Record<string, unknown>;
  const unknown = Object.keys(s).filter((key) => !(FIELDS as readonly string[]).includes(key));
  if (unknown.length > 0)
    throw badFault(`A fault has no field ${JSON.stringify(unknown[0])}; its fields are ${FIELDS.join(', ')}.`);
  const field = (name: (typeof FIELDS)[number]): unknown => (Object.hasOwn(s, name) ? s[name] : undefined);
  const kind = field('kind');
  if (typeof kind !== 'string' || !KINDS.includes(kind as FaultKind))
    throw badFault(`Fault kind must be one of ${KINDS.join(', ')}; got ${JSON.stringify(kind)}.`);
  const operation = field('operation') ?? '*';
  if (typeof operation !== 'string' || (operation !== '*' && !knownOperations.has(operation))) {
    throw badFault(
      `Fault operation must be '*' or an emulated operation (${[...knownOperations].join(', ')}); got ${JSON.stringify(operation)}.`,
    );
  }
  const error = field('error');
  if (error !== undefined && (typeof error !== 'string' || !/^[A-Za-z][A-Za-z0-9]{0,99}$/.test(error))) {
    throw badFault(
      `Fault error must be an exception name such as "ServerInternalException"; got ${JSON.stringify(error)}.`,
    );
  }
  const status = field('status');
  if (status !== undefined && !(Number.isInteger(status) && (status as number) >= 300 && (status as number) <= 599)) {
    throw badFault(`Fault status must be an HTTP status from 300 to 599; got ${JSON.stringify(status)}.`);
  }
  const message = field('message');
  if (message !== undefined && typeof message !== 'string') throw badFault('Fault message must be a string.');
  const latencyMs = field('latencyMs');
  if (
    kind === 'latency' &&
    !(Number.isInteger(latencyMs) && (latencyMs as number) >= 0 && (latencyMs as number) <= 600_000)
  ) {
    throw badFault(
      `A latency fault needs latencyMs, a whole number of ms from 0 to 600000; got ${JSON.stringify(latencyMs)}.`,
    );
  }
  const phase = field('phase');
  if (phase !== undefined && phase !== 'before' && phase !== 'after')
    throw badFault(`Fault phase must be 'before' or 'after'; got ${JSON.stringify(phase)}.`);
  const times = field('times');
  if (times !== undefined && !(Number.isInteger(times) && (times as number) >= 1))
    throw badFault(`Fault times must be a whole number of 1 or more; got ${JSON.stringify(times)}.`);
  const rate = field('rate');
  if (rate !== undefined && !(typeof rate === 'number' && rate > 0 && rate <= 1))
    throw badFault(`Fault rate must be a probability above 0 and at most 1; got ${JSON.stringify(rate)}.`);
  const checked: FaultSpec = { operation, kind: kind as FaultKind };
  if (error !== undefined) checked.error = error as string;
  if (status !== undefined) checked.status = status as number;
  if (message !== undefined) checked.message = message;
  if (latencyMs !== undefined) checked.latencyMs = latencyMs as number;
  if (phase !== undefined) checked.phase = phase;
  if (times !== undefined) checked.times = times as number;
  if (rate !== undefined) checked.rate = rate;
  return checked;
}

/** The active faults and the seeded generator behind `rate`. */
export class FaultRegistry {
  readonly #faults: Fault[] = [];
  #nextId = 1;
  #seed: number;
  readonly #initialSeed: number;

  /** @param seed - seed of the generator that decides `rate` faults */
  constructor(seed = 1) {
    this.#seed = seed >>> 0;
    this.#initialSeed = this.#seed;
  }

  /** Adds a checked fault. */
  add(spec: FaultSpec): Fault {
    const fault: Fault = {
      id: this.#nextId++,
      spec,
      operation: spec.operation ?? '*',
      kind: spec.kind,
      phase: spec.phase ?? 'before',
      remaining: spec.times ?? null,
      struck: 0,
    };
    this.#faults.push(fault);
    return fault;
  }

  /** Removes one fault by id, or all. */
  clear(id?: number): void {
    if (id === undefined) {
      this.#faults.length = 0;
      this.#seed = this.#initialSeed;
      return;
    }
    const at = this.#faults.findIndex((f) => f.id === id);
    if (at >= 0) this.#faults.splice(at, 1);
  }

  /** The active faults. */
  list(): readonly Fault[] {
    return this.#faults;
  }

  /** The faults that strike this call of `operation` in `phase` (used up as they strike). */
  strike(operation: string, phase: 'before' | 'after'): Fault[] {
    if (this.#faults.length === 0) return [];
    const hits: Fault[] = [];
    for (const fault of [...this.#faults]) {
      if (fault.phase !== phase || (fault.operation !== '*' && fault.operation !== operation)) continue;
      if (fault.spec.rate !== undefined && this.#random() >= fault.spec.rate) continue;
      fault.struck++;
      if (fault.remaining !== null && --fault.remaining === 0) this.clear(fault.id);
      hits.push(fault);
    }
    return hits;
  }

  /** mulberry32: small, fast, seeded. */
  #random(): number {
    this.#seed = (this.#seed + 0x6d2b79f5) >>> 0;
    let t = this.#seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}
