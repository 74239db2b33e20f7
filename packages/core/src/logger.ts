/**
 * A pino-shaped logger: each method takes an object of fields and a message. pino, bunyan-style
 * child loggers and `console`-backed adapters all fit.
 */
export interface Logger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** The default logger: warnings and errors to stderr as one JSON line each; nothing else. */
export const stderrLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: (fields, message) => process.stderr.write(`${JSON.stringify({ level: 'warn', ...fields, msg: message })}\n`),
  error: (fields, message) => process.stderr.write(`${JSON.stringify({ level: 'error', ...fields, msg: message })}\n`),
};

/** A logger that drops everything. */
export const silentLogger: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
