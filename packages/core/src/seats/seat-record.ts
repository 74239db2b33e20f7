/**
 * A seat as the store keeps it (namespace `<productSku>:seats`, key = the seat key). JSON only.
 * The consumption token lives here and nowhere public: `held()` and events never show it.
 */
export interface SeatRecord {
  /** License Manager's consumption token; `null` while the checkout's answer is not known. */
  readonly token: string | null;
  /** The ClientToken of this acquisition: a retry of the same checkout reuses it. */
  readonly clientToken: string;
  /** Holders sharing the seat (e.g. session ids of one user); empty when the key is the only holder. */
  readonly holders: readonly string[];
  /** The engine that keeps this seat alive. */
  readonly owner: string;
  readonly acquiredAt: number;
  /** Last activity (`touch`), as far as the store knows. */
  readonly lastSeenAt: number;
  /** When the lease was last taken or extended (so its length is `leaseExpiresAt - leasedAt`). */
  readonly leasedAt: number;
  /** When License Manager returns the seat by itself unless extended. */
  readonly leaseExpiresAt: number;
  /** Check-in started (or failed and will be retried). */
  readonly releasing: boolean;
  /** The app's own details about the holder (small JSON), shown by `held()`. */
  readonly info?: unknown;
}

/** A held seat as the pool shows it: no token. */
export interface SeatView {
  readonly key: string;
  readonly holders: readonly string[];
  readonly acquiredAt: Date;
  readonly lastSeenAt: Date;
  readonly leaseExpiresAt: Date;
  readonly info?: unknown;
}

/** Why a seat went back. */
export type SeatReleaseReason = 'release' | 'idle' | 'stop' | 'orphan';

/** Events of the seat pool. */
export interface SeatEvents {
  seatAcquired: { key: string; holders: number };
  seatReleased: { key: string; reason: SeatReleaseReason };
  seatExtended: { key: string; leaseExpiresAt: Date };
  seatLost: { key: string; reason: string };
  seatDenied: { key: string; limit: number | undefined };
}

/** The public view of a record. */
export function viewOf(key: string, record: SeatRecord): SeatView {
  return {
    key,
    holders: record.holders,
    acquiredAt: new Date(record.acquiredAt),
    lastSeenAt: new Date(record.lastSeenAt),
    leaseExpiresAt: new Date(record.leaseExpiresAt),
    ...(record.info !== undefined ? { info: record.info } : {}),
  };
}
