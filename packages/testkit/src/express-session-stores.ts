/**
 * `@licensegate/testkit/express-session`: the session stores the drivers of adapters on
 * express-session (Express, Nest on Express) give their seat app — express-session's own
 * MemoryStore, or a store that keeps its sessions in an ES private field — and a count of the
 * sessions each holds. Kept apart from the testkit's root, which holds nothing of any framework.
 */
import session from 'express-session';

/**
 * A session store kept in an ES private field (a `Map` behind `get`/`set`/`destroy`/`touch`): what
 * many hand-written and published stores look like. A wrapper that calls its methods on anything
 * but the store itself cannot reach the field.
 */
export class PrivateMapStore extends session.Store {
  readonly #sessions = new Map<string, string>();

  override get(sid: string, callback: (error: unknown, session?: session.SessionData | null) => void): void {
    const raw = this.#sessions.get(sid);
    setImmediate(() => callback(null, raw === undefined ? null : (JSON.parse(raw) as session.SessionData)));
  }

  override set(sid: string, data: session.SessionData, callback?: (error?: unknown) => void): void {
    this.#sessions.set(sid, JSON.stringify(data));
    setImmediate(() => callback?.());
  }

  override destroy(sid: string, callback?: (error?: unknown) => void): void {
    this.#sessions.delete(sid);
    setImmediate(() => callback?.());
  }

  override touch(_sid: string, _data: session.SessionData, callback?: () => void): void {
    setImmediate(() => callback?.());
  }

  /** Sessions kept. */
  get size(): number {
    return this.#sessions.size;
  }
}

/** A session store of one kind, and how many sessions it holds. */
export interface CountedSessionStore {
  readonly store: session.Store;
  sessions(): Promise<number>;
}

/** A new store of `kind`: express-session's MemoryStore, or a {@link PrivateMapStore}. */
export function sessionStoreOf(kind: 'memory' | 'private-field' = 'memory'): CountedSessionStore {
  if (kind === 'private-field') {
    const store = new PrivateMapStore();
    return { store, sessions: () => Promise.resolve(store.size) };
  }
  const store = new session.MemoryStore();
  return {
    store,
    sessions: () =>
      new Promise((resolve, reject) =>
        store.length((error: unknown, length?: number) => (error ? reject(error as Error) : resolve(length ?? 0))),
      ),
  };
}
