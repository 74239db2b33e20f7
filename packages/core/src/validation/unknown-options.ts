/**
 * One check for unknown option names, everywhere options are read: it finds EVERY name that is not
 * known (a typo is rarely alone), and gives each the nearest known name by edit distance as a
 * "did you mean" hint. Each caller throws its own error (its code, its error class) with the
 * message made here.
 *
 * @module
 */

/** An option name that is not known, and the known name nearest to it (`undefined` when none is near). */
export interface UnknownName {
  readonly name: string;
  readonly suggestion: string | undefined;
}

/** How an unknown-options message names its options. */
export interface UnknownOptionsContext {
  /** Where the options are, e.g. `retry` or `drawdown.DataConsumption`; none for the top level. */
  readonly where?: string;
  /** The known names, listed at the end (`<where> takes a, b, c.`); not listed when omitted. */
  readonly known?: readonly string[];
}

/** The names of `options` that are not in `known`, in order, each with its nearest known name. */
export function unknownNames(options: object, known: readonly string[]): UnknownName[] {
  const unknown: UnknownName[] = [];
  for (const name of Object.keys(options)) {
    if (!known.includes(name)) unknown.push({ name, suggestion: closest(name, known) });
  }
  return unknown;
}

/**
 * The message naming every unknown option: `Unknown option "tier"; did you mean "tiers"?` for one,
 * `Unknown options "tier" (did you mean "tiers"?) and "colour".` for several, followed by what the
 * options take when the context lists it.
 */
export function unknownOptionsMessage(unknown: readonly UnknownName[], context: UnknownOptionsContext = {}): string {
  const where = context.where === undefined ? '' : ` in ${context.where}`;
  const takes = context.known === undefined ? '' : ` ${context.where ?? 'It'} takes ${context.known.join(', ')}.`;
  const [first] = unknown;
  if (unknown.length === 1 && first !== undefined) {
    const hint = first.suggestion === undefined ? '.' : `; did you mean ${JSON.stringify(first.suggestion)}?`;
    return `Unknown option ${JSON.stringify(first.name)}${where}${hint}${takes}`;
  }
  const names = unknown.map(
    (u) =>
      `${JSON.stringify(u.name)}${u.suggestion === undefined ? '' : ` (did you mean ${JSON.stringify(u.suggestion)}?)`}`,
  );
  const listed = `${names.slice(0, -1).join(', ')} and ${names[names.length - 1] ?? ''}`;
  return `Unknown options ${listed}${where}.${takes}`;
}

/**
 * Throws, through `fail`, one error naming every option of `options` that is not in `known`.
 * @param fail - throws the caller's error with the message
 */
export function assertKnownOptions(
  options: object,
  known: readonly string[],
  fail: (message: string) => never,
  context: UnknownOptionsContext = {},
): void {
  const unknown = unknownNames(options, known);
  if (unknown.length > 0) fail(unknownOptionsMessage(unknown, context));
}

/** The known name nearest to `name`, within a few edits (case ignored), for "did you mean" hints. */
export function closest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(name.length / 3)) + 1;
  for (const candidate of known) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Levenshtein distance: the fewest insertions, deletions and substitutions from `a` to `b`. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length] as number;
}
