import type { Logger } from '../logger.js';

/** The four levels of a {@link Logger}. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** One recorded logger call: its level, a copy of its fields, and its message. */
export interface LogEntry {
  readonly level: LogLevel;
  readonly fields: Readonly<Record<string, unknown>>;
  readonly message: string;
}

/**
 * A logger for tests: it records every call (level, fields, message) in order, so that a test can
 * assert on what licensegate logged, and how often. Give it as the gate's (or a store's) `logger`.
 *
 * @example
 * ```ts
 * const logger = new CapturingLogger();
 * const gate = createLicenseGate({ ..., logger });
 * // ...
 * assert.equal(logger.events('licensegate.gate.degraded', 'warn').length, 1);
 * ```
 */
export class CapturingLogger implements Logger {
  /** Every call so far, in order. */
  readonly entries: LogEntry[] = [];

  /** Records a debug line. */
  debug(fields: object, message: string): void {
    this.#record('debug', fields, message);
  }

  /** Records an info line. */
  info(fields: object, message: string): void {
    this.#record('info', fields, message);
  }

  /** Records a warning. */
  warn(fields: object, message: string): void {
    this.#record('warn', fields, message);
  }

  /** Records an error line. */
  error(fields: object, message: string): void {
    this.#record('error', fields, message);
  }

  /** The entries of one level. */
  at(level: LogLevel): LogEntry[] {
    return this.entries.filter((entry) => entry.level === level);
  }

  /** The entries whose `fields.event` is `event` (e.g. `licensegate.gate.degraded`), of one level or all. */
  events(event: string, level?: LogLevel): LogEntry[] {
    return this.entries.filter(
      (entry) => entry.fields['event'] === event && (level === undefined || entry.level === level),
    );
  }

  /** Forgets what was recorded. */
  clear(): void {
    this.entries.length = 0;
  }

  #record(level: LogLevel, fields: object, message: string): void {
    this.entries.push({ level, fields: { ...(fields as Record<string, unknown>) }, message });
  }
}
