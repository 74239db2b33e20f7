/**
 * Where a namespace lives in Redis: ONE hash per namespace, named so that every namespace of one
 * gate hashes to the same Redis Cluster slot.
 *
 * The engine's namespaces are `<productSku>:<part>` (`sku:seats`, `sku:drawdown`, `sku:instances`,
 * `sku:tier`). The part before the first `:` becomes a hash tag: `<prefix>{<productSku>}:<part>`.
 * Redis Cluster hashes only what is between the first `{` and the next `}`, so the keys of one gate
 * share a slot, and each Lua script touches one key of one slot anyway. The mapping is one to one:
 * the head has no `:`, so whether a `:` follows the `}` tells a namespace with a part from one
 * without.
 *
 * @module
 */

/** How many namespace names are remembered (a gate uses about five); beyond it the memo starts again. */
const MEMO_LIMIT = 1_024;

/**
 * Builds the Redis key of a namespace's hash, remembering the few names a process uses so that
 * the hot path builds no string.
 */
export class HashKeys {
  /** The prefix every key of this store starts with. */
  readonly prefix: string;
  readonly #memo = new Map<string, string>();

  /** @param prefix - the store's key prefix (no `{` or `}`: see `RedisStoreOptions.prefix`) */
  constructor(prefix: string) {
    this.prefix = prefix;
  }

  /** The key of the hash that holds `namespace`: `<prefix>{<head>}<:rest>`. */
  of(namespace: string): string {
    let key = this.#memo.get(namespace);
    if (key === undefined) {
      key = hashKeyOf(this.prefix, namespace);
      if (this.#memo.size >= MEMO_LIMIT) this.#memo.clear();
      this.#memo.set(namespace, key);
    }
    return key;
  }
}

/**
 * The key of the hash that holds `namespace`: `<prefix>{<head>}<rest>`, where `head` is the
 * namespace up to its first `:` and `rest` is the remainder from that `:` on (empty when the
 * namespace has no `:`).
 *
 * @example
 * ```ts
 * hashKeyOf('lg:', 'prod-abc:seats'); // 'lg:{prod-abc}:seats'
 * hashKeyOf('lg:', 'prod-abc');       // 'lg:{prod-abc}'
 * ```
 */
export function hashKeyOf(prefix: string, namespace: string): string {
  const colon = namespace.indexOf(':');
  return colon < 0 ? `${prefix}{${namespace}}` : `${prefix}{${namespace.slice(0, colon)}}${namespace.slice(colon)}`;
}
