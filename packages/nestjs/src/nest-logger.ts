import { Logger as NestLogger, type LoggerService } from '@nestjs/common';
import type { Logger, LicenseGateOptions } from '@licensegate/core';

import { DEFAULT_GATE_NAME } from './license-gate.constants.js';

/** Options of {@link nestLogger}. */
export interface NestLoggerOptions {
  /**
   * Whether licensegate's `debug` lines (each retried call, each 503 answered while License Manager
   * is away) go to the Nest logger's `debug`. Default `false`: they are dropped, as the default
   * `stderrLogger` drops them — Nest's own console logger prints `debug` unless its levels say not.
   */
  debug?: boolean;
}

/** A field's value as text: bare when it is one plain word, JSON otherwise. */
function renderValue(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Error) return JSON.stringify(value.message);
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (typeof value === 'bigint') return `${value}`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return JSON.stringify(String(value)); // a cycle
  }
}

/**
 * One line of text for a Nest logger: the message, then the fields as `key=value` (strings with
 * spaces and objects as JSON; undefined fields left out), e.g.
 * `The gate started: …; tier Premium | event=licensegate.gate.started productSku=prod-abc123 tier=Premium`.
 */
export function renderNestLine(fields: object, message: string): string {
  const pairs = Object.entries(fields)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${renderValue(value)}`);
  return pairs.length === 0 ? message : `${message} | ${pairs.join(' ')}`;
}

/**
 * A licensegate `Logger` that writes to a Nest `LoggerService` — Nest's `Logger` (which goes wherever
 * the app's logger goes: `app.useLogger()`, `NestFactory.create(..., { logger })`, its levels), a
 * `ConsoleLogger`, or any other. `info` goes to `log`, `warn` to `warn`, `error` to `error`, and
 * `debug` to `debug` only with `{ debug: true }`. Each line is the message followed by its fields,
 * rendered as `message | key=value key=value` (strings with spaces and objects as JSON).
 *
 * `LicenseGateModule` uses `nestLogger(new Logger('LicenseGate'))` for a gate it makes from options
 * without a `logger`. (A JSON logger such as pino fits the `logger` option as it is: give it directly.)
 *
 * @example
 * ```ts
 * LicenseGateModule.forRoot({ gate: { productSku: 'prod-abc123', tiers: ['Basic', 'Premium'], logger: nestLogger(new Logger('Licensing')) } });
 * ```
 */
export function nestLogger(logger: LoggerService, options: NestLoggerOptions = {}): Logger {
  const debug = options.debug === true && typeof logger.debug === 'function';
  return {
    debug: debug
      ? (fields, message) => logger.debug?.(renderNestLine(fields, message))
      : () => {
          /* dropped unless { debug: true } */
        },
    info: (fields, message) => logger.log(renderNestLine(fields, message)),
    warn: (fields, message) => logger.warn(renderNestLine(fields, message)),
    error: (fields, message) => logger.error(renderNestLine(fields, message)),
  };
}

/**
 * The gate options the module makes a gate from: as given, or — without a `logger` — with
 * `nestLogger(new Logger('LicenseGate'))` (`'LicenseGate:<name>'` for a named gate), so that the
 * gate's start and stop lines and its warnings appear among the app's own Nest logs.
 */
export function withNestLogger(options: LicenseGateOptions, name: string): LicenseGateOptions {
  if (options.logger !== undefined) return options;
  const context = name === DEFAULT_GATE_NAME ? 'LicenseGate' : `LicenseGate:${name}`;
  return { ...options, logger: nestLogger(new NestLogger(context)) };
}
