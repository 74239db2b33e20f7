/**
 * A pino-shaped logger for tests: it records every call (level, fields, message) so that a test can
 * assert on what the engine logged, and how often.
 */
import type { Logger } from '../../src/index.js';

/** The four levels of a {@link Logger}. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** One recorded call. */
export interface LogEntry {
  readonly level: LogLevel;
  readonly fields: Readonly<Record<string, unknown>>;
  readonly message: string;
}

/** Records every call; `entries` holds them in order. */
export class CapturingLogger implements Logger {
  readonly entries: LogEntry[] = [];

  debug(fields: object, message: string): void {
    this.#record('debug', fields, message);
  }

  info(fields: object, message: string): void {
    this.#record('info', fields, message);
  }

  warn(fields: object, message: string): void {
    this.#record('warn', fields, message);
  }

  error(fields: object, message: string): void {
    this.#record('error', fields, message);
  }

  /** The entries of one level. */
  at(level: LogLevel): LogEntry[] {
    return this.entries.filter((entry) => entry.level === level);
  }

  /** The entries whose `fields.event` is `event` (e.g. `licensegate.degraded`), of one level or all. */
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
