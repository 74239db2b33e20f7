import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { SeatActivity } from './seat-activity.js';
import type { SeatCheckouts, SeatSchedule } from './seat-checkout.js';
import type { SeatRecords } from './seat-records.js';

/** Concurrent check-ins at stop(). */
const STOP_CONCURRENCY = 64;
/** stop() returns seats for at most this long; the rest stay recorded for adoption (and expire in License Manager). */
const STOP_DEADLINE_MS = 20_000;

/** What seats changing engine work with. */
export interface SeatHandoverDeps {
  readonly instanceId: string;
  readonly idleTimeoutMs: number;
  readonly records: SeatRecords;
  readonly activity: SeatActivity;
  readonly checkouts: SeatCheckouts;
  readonly schedule: SeatSchedule;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** How seats adopted from engines that are gone are treated. */
export type AdoptHow = 'keep' | 'checkIn';

/**
 * Takes over the seats of engines that are no longer alive. `keep` (a shared store: their sessions
 * live on, served by the other instances) keeps them alive until they are idle; `checkIn` (a store
 * of this process alone that outlived a crash: the sessions were in the dead process) checks them
 * in at once, with the reason `orphan`.
 */
export async function adoptSeats(
  deps: SeatHandoverDeps,
  liveInstances: ReadonlySet<string>,
  how: AdoptHow,
): Promise<void> {
  const { records, activity, checkouts, logger, instanceId: me } = deps;
  for (const record of await records.list()) {
    const owner = record.value.owner;
    if (owner === me) continue;
    if (liveInstances.has(owner)) continue;
    const version = await records.put(record.key, { ...record.value, owner: me }, record.version);
    if (version === undefined) continue; // another engine adopted it first
    logger.info(
      { event: 'licensegate.seat.adopted', key: record.key, from: owner, then: how },
      how === 'keep'
        ? 'Adopted a seat left by a stopped engine: kept alive while its session is used'
        : 'A seat left by an earlier run of this process is checked in: its session ended with it',
    );
    activity.adopted(record.key);
    if (how === 'checkIn') {
      await checkouts
        .checkIn(record.key, { value: { ...record.value, owner: me }, version, expiresAt: record.expiresAt }, 'orphan')
        .catch((error: unknown) =>
          logger.warn(
            { event: 'licensegate.seat.checkin_failed', key: record.key, error: (error as Error).message },
            'Seat check-in failed; retrying',
          ),
        );
    } else {
      deps.schedule.schedule(record.key, deps.clock.now());
    }
  }
}

/**
 * Returns the seats `keys` at stop — or, with `handOver`, leaves those in use for the other live
 * instances (see `SeatPool.stop`) — at most {@link STOP_CONCURRENCY} at a time and for at most
 * {@link STOP_DEADLINE_MS}.
 * @returns how many seats were returned (checked in), handed over, and left recorded (not returned in time)
 */
export async function returnSeatsAtStop(
  deps: SeatHandoverDeps,
  keys: readonly string[],
  handOver: boolean,
): Promise<{ returned: number; handedOver: number; left: number }> {
  const started = performance.now();
  let returned = 0;
  let handedOver = 0;
  let left = 0;
  for (let i = 0; i < keys.length; i += STOP_CONCURRENCY) {
    if (performance.now() - started > STOP_DEADLINE_MS) {
      left += keys.length - i;
      deps.logger.warn(
        { event: 'licensegate.seat.left_at_stop', seats: keys.length - i },
        'stop() ran out of time returning seats: the rest stay recorded for another engine to adopt, and License Manager returns them when their lease ends',
      );
      break;
    }
    const outcomes = await Promise.all(
      keys.slice(i, i + STOP_CONCURRENCY).map((key) => returnAtStop(deps, key, handOver)),
    );
    for (const outcome of outcomes) {
      if (outcome === 'handed-over') handedOver += 1;
      else if (outcome === 'left') left += 1;
      else if (outcome === 'returned') returned += 1;
    }
  }
  if (handedOver > 0) {
    deps.logger.info(
      { event: 'licensegate.seat.handed_over', seats: handedOver },
      'Seats in use are left to the other live instances, which keep them alive',
    );
  }
  return { returned, handedOver, left };
}

/** At stop: hands a seat over, or checks it in (resolving a lost checkout first); leaves it recorded when that fails. */
async function returnAtStop(
  deps: SeatHandoverDeps,
  key: string,
  handOver: boolean,
): Promise<'returned' | 'handed-over' | 'left' | 'gone'> {
  try {
    const record = await deps.records.get(key);
    if (record === undefined || record.value.owner !== deps.instanceId) return 'gone';
    const { value } = record;
    const lastSeenAt = Math.max(value.lastSeenAt, deps.activity.ofOwn(key)?.at ?? 0);
    const idle = deps.clock.now() - lastSeenAt >= deps.idleTimeoutMs;
    if (handOver && value.token !== null && !value.releasing && !idle) return 'handed-over';
    const outcome = await deps.checkouts.checkIn(
      key,
      record,
      value.token === null ? undefined : idle ? 'idle' : 'stop',
    );
    return outcome === 'done' ? 'returned' : 'left';
  } catch {
    return 'left'; // Left recorded: another engine (or the next start) adopts it.
  }
}
