/**
 * Brands that tell licensegate's objects apart across copies of `@licensegate/core`.
 *
 * An app can end up with two copies of core in `node_modules` (an adapter resolved another
 * version, a bundler split it). `instanceof` then answers `false` for a gate or an error made by
 * the other copy. So a gate carries the registry-wide symbol `Symbol.for('licensegate.gate')`, and
 * licensegate's error classes `Symbol.for('licensegate.error')`; `isLicenseGate` (gate.ts) and the
 * errors' `instanceof` check these brands instead of the class identity.
 *
 * @module
 */

/** The brand of a {@link LicenseGate} of any copy of core: `Symbol.for('licensegate.gate')`. */
export const GATE_BRAND: unique symbol = Symbol.for('licensegate.gate') as never;

/** The brand of licensegate's error classes, of any copy of core: `Symbol.for('licensegate.error')`. */
export const ERROR_BRAND: unique symbol = Symbol.for('licensegate.error') as never;

/** Marks `ctor` as a branded licensegate error class (its `instanceof` then works across copies). */
export function brandErrorClass(ctor: abstract new (...args: never[]) => unknown): void {
  Object.defineProperty(ctor, ERROR_BRAND, { value: true });
}

/**
 * `value instanceof ctor`, or — for an error of another copy of core — whether a class along
 * `value`'s prototype chain has `ctor`'s name and belongs to a branded family (a licensegate error
 * class, or one that extends one).
 */
export function isBrandedInstance(ctor: abstract new (...args: never[]) => unknown, value: unknown): boolean {
  if (Function.prototype[Symbol.hasInstance].call(ctor, value)) return true;
  if (typeof value !== 'object' || value === null) return false;
  let named = false;
  let branded = false;
  for (let proto: unknown = Object.getPrototypeOf(value); proto !== null; proto = Object.getPrototypeOf(proto)) {
    const owner = (proto as { constructor?: unknown }).constructor;
    if (typeof owner !== 'function') continue;
    if (owner.name === ctor.name) named = true;
    if (Object.hasOwn(owner, ERROR_BRAND)) branded = true;
  }
  return named && branded;
}
