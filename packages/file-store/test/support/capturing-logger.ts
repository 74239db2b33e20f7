import type { Logger } from '@licensegate/core';

/** One line a {@link CapturingLogger} was told. */
export interface CapturedLine {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly fields: Record<string, unknown>;
  readonly message: string;
}

/** A logger that keeps every line, for assertions. */
export class CapturingLogger implements Logger {
  readonly lines: CapturedLine[] = [];

  debug(fields: object, message: string): void {
    this.#keep('debug', fields, message);
  }

  info(fields: object, message: string): void {
    this.#keep('info', fields, message);
  }

  warn(fields: object, message: string): void {
    this.#keep('warn', fields, message);
  }

  error(fields: object, message: string): void {
    this.#keep('error', fields, message);
  }

  /** The lines whose `event` field is `event`. */
  events(event: string): CapturedLine[] {
    return this.lines.filter((line) => line.fields['event'] === event);
  }

  #keep(level: CapturedLine['level'], fields: object, message: string): void {
    this.lines.push({ level, fields: fields as Record<string, unknown>, message });
  }
}
