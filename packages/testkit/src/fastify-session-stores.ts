/**
 * `@licensegate/testkit/fastify-session`: the session stores the drivers of adapters on
 * `@fastify/session` (Fastify, Nest on Fastify) give their seat app — `@fastify/session`'s own
 * MemoryStore, or a store that keeps its sessions (serialised) in an ES private field — and a
 * count of the sessions each holds. Kept apart from the testkit's root, which holds nothing of any
 * framework.
 */
import fastifySession from '@fastify/session';

type Callback = (error?: unknown) => void;

/**
 * A `@fastify/session` store kept in an ES private field, its sessions serialised to JSON (as a
 * Redis or SQL store keeps them): what hand-written and published stores look like.
 */
export class PrivateMapStore {
  readonly #sessions = new Map<string, string>();

  get(sessionId: string, callback: (error: unknown, session?: unknown) => void): void {
    const raw = this.#sessions.get(sessionId);
    setImmediate(() => callback(null, raw === undefined ? null : JSON.parse(raw)));
  }

  set(sessionId: string, session: unknown, callback: Callback): void {
    this.#sessions.set(sessionId, JSON.stringify(session));
    setImmediate(() => callback());
  }

  destroy(sessionId: string, callback: Callback): void {
    this.#sessions.delete(sessionId);
    setImmediate(() => callback());
  }

  /** Sessions kept. */
  get size(): number {
    return this.#sessions.size;
  }
}

/** A session store of one kind, and how many sessions it holds. */
export interface CountedFastifySessionStore {
  readonly store: fastifySession.SessionStore;
  sessions(): Promise<number>;
}

/** A new store of `kind`: `@fastify/session`'s MemoryStore, or a {@link PrivateMapStore}. */
export function fastifySessionStoreOf(kind: 'memory' | 'private-field' = 'memory'): CountedFastifySessionStore {
  if (kind === 'private-field') {
    const store = new PrivateMapStore();
    return { store: store as unknown as fastifySession.SessionStore, sessions: () => Promise.resolve(store.size) };
  }
  const map = new Map<string, unknown>();
  const store = new fastifySession.MemoryStore(map as never);
  return { store, sessions: () => Promise.resolve(map.size) };
}
