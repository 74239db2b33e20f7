import { AwsError } from '../protocol/aws-error.js';

/** A list filter as the wire carries it. */
export interface Filter {
  Name?: string;
  Values?: string[];
}

/** The filters an operation takes: filter name -> how to read that field off an item. */
export type SupportedFilters<T> = ReadonlyMap<string, (item: T) => string | undefined>;

/**
 * Turns `Filters` into a predicate over named fields. Names and values are case-sensitive and each
 * filter takes one value, as the model's documentation says; anything else is
 * InvalidParameterValueException. Names are looked up in a Map, so that a client's `__proto__` or
 * `toString` is an unknown name like any other.
 *
 * @param supported - the filter names this operation accepts, each with how to read it off an item
 */
export function filterPredicate<T>(
  filters: readonly Filter[] | undefined,
  supported: SupportedFilters<T>,
): (item: T) => boolean {
  if (filters === undefined || filters.length === 0) return () => true;
  const checks = filters.map((filter) => {
    const read = typeof filter.Name === 'string' ? supported.get(filter.Name) : undefined;
    if (read === undefined) {
      throw new AwsError(
        'InvalidParameterValueException',
        `Filter name '${filter.Name ?? ''}' is not supported here; use one of: ${[...supported.keys()].join(', ')}.`,
      );
    }
    if (filter.Values === undefined || filter.Values.length !== 1) {
      throw new AwsError(
        'InvalidParameterValueException',
        `Filter '${filter.Name}' takes exactly one value; got ${filter.Values?.length ?? 0}.`,
      );
    }
    const wanted = filter.Values[0];
    return (item: T) => read(item) === wanted;
  });
  return (item) => checks.every((check) => check(item));
}
