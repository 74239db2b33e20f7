/**
 * `nestLogger()`: licensegate's lines through Nest's own logging. Real Nest apps (the module makes
 * the gate against the emulator) whose logger is captured: the module's default (Nest's `Logger`
 * with the `LicenseGate` context) carries the gate's start, stop and warning lines, printed by
 * Nest's `ConsoleLogger` as any other Nest log line; an own `logger` option or a gate made by the
 * app is left alone; and the adapter's level mapping and field rendering.
 */
import assert from 'node:assert/strict';

import { createLicenseGate, type LicenseGateOptions } from '@licensegate/core';
import { ConsoleLogger, Logger, Module, type LoggerService, type ModuleMetadata } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';

import { LicenseGateModule, nestLogger } from '../src/index.js';
import { countedLicense, tieredLicense, useWorld, type World } from './support/world.js';

const TIERED = 'lg-nest-logger-tiered';
const COUNTED = 'lg-nest-logger-counted';

/** A Nest `LoggerService` that records each call: its level, message, and context (the last string argument). */
class RecordingLogger implements LoggerService {
  readonly lines: { level: string; message: string; context: string | undefined }[] = [];
  log(message: unknown, ...params: unknown[]): void {
    this.#record('log', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.#record('warn', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.#record('error', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.#record('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.#record('verbose', message, params);
  }
  /** Lines of the `LicenseGate` contexts (the app's own Nest lines left out). */
  ofLicenseGate(): { level: string; message: string; context: string | undefined }[] {
    return this.lines.filter((line) => line.context?.startsWith('LicenseGate') === true);
  }
  #record(level: string, message: unknown, params: unknown[]): void {
    const last = params.at(-1);
    this.lines.push({ level, message: String(message), context: typeof last === 'string' ? last : undefined });
  }
}

/** Gate options against the emulator without a `logger` (so that the module picks one). */
function withoutLogger(w: World, options: Partial<LicenseGateOptions> & { productSku: string }): LicenseGateOptions {
  const { logger: _dropped, ...rest } = w.options(options);
  return rest;
}

describe('nestLogger: licensegate lines through Nest logging (real Nest apps, emulator)', () => {
  const world = useWorld(() => [tieredLicense(TIERED, 'Premium'), countedLicense(COUNTED, { seats: 3 })]);
  let w: World;
  const apps: NestExpressApplication[] = [];
  beforeEach(() => {
    w = world();
  });
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close().catch(() => undefined);
    Logger.overrideLogger(new ConsoleLogger()); // Nest's default, for the suites that follow
  });

  /** A Nest app of `imports` whose logger is `logger`, initialised (the gate starts). */
  async function boot(imports: ModuleMetadata['imports'], logger: LoggerService): Promise<NestExpressApplication> {
    @Module({ imports })
    class AppModule {}
    const testing = await Test.createTestingModule({ imports: [AppModule] }).compile();
    const app = testing.createNestApplication<NestExpressApplication>({ logger });
    apps.push(app);
    await app.init();
    return app;
  }

  it("the module's default: the gate's start and stop lines are Nest log lines of the LicenseGate context", async () => {
    const logger = new RecordingLogger();
    const app = await boot(
      [LicenseGateModule.forRoot({ gate: withoutLogger(w, { productSku: TIERED, tiers: ['Basic', 'Premium'] }) })],
      logger,
    );

    const [started, ...rest] = logger.ofLicenseGate();
    assert.equal(rest.length, 0, JSON.stringify(rest));
    assert.equal(started?.level, 'log');
    assert.equal(started?.context, 'LicenseGate');
    assert.match(
      started?.message ?? '',
      new RegExp(
        `^The gate started: license arn:aws:license-manager::\\d+:license:l-\\w+ AVAILABLE, valid until [^;]+; tier Premium \\| event=licensegate\\.gate\\.started productSku=${TIERED} `,
      ),
    );
    assert.match(started?.message ?? '', / tier=Premium tiers=\["Basic","Premium"\] /);
    assert.match(started?.message ?? '', / license=\{"arn":"arn:aws:license-manager:/);

    await app.close();
    const stopped = logger.ofLicenseGate().at(-1);
    assert.equal(stopped?.level, 'log');
    assert.match(stopped?.message ?? '', /^The gate stopped \| event=licensegate\.gate\.stopped productSku=/);
  });

  it("Nest's ConsoleLogger prints the started line as any Nest line: LOG [LicenseGate] …", async () => {
    const written: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    // Held back from the terminal while the app boots: what Nest's ConsoleLogger prints.
    process.stdout.write = ((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    try {
      const app = await boot(
        [LicenseGateModule.forRoot({ gate: withoutLogger(w, { productSku: TIERED, tiers: ['Basic', 'Premium'] }) })],
        new ConsoleLogger({ colors: false, logLevels: ['log', 'warn', 'error'] }),
      );
      await app.close();
    } finally {
      process.stdout.write = write;
    }
    const lines = written.filter((chunk) => chunk.includes('[LicenseGate]'));
    assert.equal(lines.length, 2, `not two LicenseGate lines in:\n${written.join('')}`);
    assert.match(
      lines[0] ?? '',
      /^\[Nest\] \d+ +- .+ +LOG \[LicenseGate\] The gate started: license arn:.* \| event=licensegate\.gate\.started /,
    );
    assert.match(lines[1] ?? '', /LOG \[LicenseGate\] The gate stopped \| event=licensegate\.gate\.stopped /);
  });

  it('a warning of the gate is a Nest warn (here: a seat entitlement the license lacks)', async () => {
    const logger = new RecordingLogger();
    await boot(
      [
        LicenseGateModule.forRoot({
          gate: withoutLogger(w, { productSku: COUNTED, seats: { entitlement: 'ConcurrentUser' } }),
        }),
      ],
      logger,
    );

    const warnings = logger.ofLicenseGate().filter((line) => line.level === 'warn');
    assert.equal(warnings.length, 1, JSON.stringify(logger.ofLicenseGate()));
    assert.match(
      warnings[0]?.message ?? '',
      /^The license has no entitlement 'ConcurrentUser' \(seats\.entitlement\).* did you mean 'ConcurrentUsers'\? \| event=licensegate\.license\.entitlement_not_found /,
    );
  });

  it('a named gate logs under LicenseGate:<name>', async () => {
    const logger = new RecordingLogger();
    await boot(
      [
        LicenseGateModule.forRoot({
          name: 'reports',
          gate: withoutLogger(w, { productSku: TIERED, tiers: ['Basic', 'Premium'] }),
        }),
      ],
      logger,
    );

    assert.deepEqual(
      logger.ofLicenseGate().map((line) => [line.level, line.context]),
      [['log', 'LicenseGate:reports']],
    );
  });

  it("an own logger option, or a gate the app made, is left alone: nothing of licensegate's in Nest's log", async () => {
    const logger = new RecordingLogger();
    const made = createLicenseGate(w.options({ productSku: COUNTED, seats: { entitlement: 'ConcurrentUsers' } }));
    w.track(made);
    await boot(
      [
        LicenseGateModule.forRoot({ gate: w.options({ productSku: TIERED, tiers: ['Basic', 'Premium'] }) }),
        LicenseGateModule.forRoot({ name: 'seats', gate: made }),
      ],
      logger,
    );

    assert.deepEqual(logger.ofLicenseGate(), []);
    assert.equal(w.logger.events('licensegate.gate.started', 'info').length, 2, 'both went to the given logger');
  });

  it('maps info to log, warn to warn, error to error, and debug only with { debug: true }; renders fields', () => {
    const logger = new RecordingLogger();
    const cycle: Record<string, unknown> = {};
    cycle['self'] = cycle;
    const quiet = nestLogger(logger);
    quiet.debug({ event: 'licensegate.call.retry' }, 'dropped');
    quiet.info(
      {
        event: 'licensegate.gate.started',
        tier: 'Premium',
        reason: null,
        note: 'two words',
        at: new Date(Date.UTC(2027, 0, 2)),
        count: 3,
        nested: { a: [1, 'x'] },
        gone: undefined,
        cycle,
      },
      'Started',
    );
    quiet.warn({}, 'Just a message');
    quiet.error({ error: new Error('boom') }, 'Failed');
    nestLogger(logger, { debug: true }).debug({ event: 'licensegate.call.retry', attempt: 1 }, 'Retrying');

    assert.deepEqual(
      logger.lines.map((line) => [line.level, line.message]),
      [
        [
          'log',
          'Started | event=licensegate.gate.started tier=Premium reason=null note="two words" at=2027-01-02T00:00:00.000Z count=3 nested={"a":[1,"x"]} cycle="[object Object]"',
        ],
        ['warn', 'Just a message'],
        ['error', 'Failed | error="boom"'],
        ['debug', 'Retrying | event=licensegate.call.retry attempt=1'],
      ],
    );
  });
});
