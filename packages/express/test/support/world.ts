/**
 * The world of the Express adapter's own suites (the shared scenarios run in
 * adapter-table.spec.ts): `@licensegate/testkit`'s world — emulator, ManualClock, gates over the
 * real AWS SDK, capturing logger, seed licenses, assertions. Its tests hand their Express apps to
 * supertest directly.
 */
import type { SeedLicense } from '@licensegate/emulator';
import { AdapterWorld, useWorldOf } from '@licensegate/testkit';

export * from '@licensegate/testkit';

/** Mocha hooks: a new emulator and world per test, closed after it. Read `world()` inside a test. */
export function useWorld(licenses: () => SeedLicense[] = () => []): () => AdapterWorld {
  return useWorldOf((lm) => new AdapterWorld(lm), licenses);
}
