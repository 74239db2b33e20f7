/**
 * Stable codes of the emulator's own errors (bad options, seed files, admin calls, and
 * `ERR_LG_EMU_INTERNAL`: an invariant of the emulator broke, a bug to report).
 */
export type EmulatorErrorCode =
  | 'ERR_LG_EMU_BAD_OPTION'
  | 'ERR_LG_EMU_BAD_SEED'
  | 'ERR_LG_EMU_BAD_FAULT'
  | 'ERR_LG_EMU_BAD_CLOCK'
  | 'ERR_LG_EMU_BAD_ADMIN_REQUEST'
  | 'ERR_LG_EMU_ADMIN_HOST'
  | 'ERR_LG_EMU_ADMIN_ORIGIN'
  | 'ERR_LG_EMU_ADMIN_TOKEN'
  | 'ERR_LG_EMU_ADMIN_CONTENT_TYPE'
  | 'ERR_LG_EMU_INTERNAL';

/**
 * An error in how the emulator is used (not an AWS error answered on the wire), or — with
 * `ERR_LG_EMU_INTERNAL` — a bug of the emulator itself. `code` is stable; the message says what was
 * wrong and how to fix it. The emulator's README lists every code.
 */
export class EmulatorError extends Error {
  /** Stable, documented code. */
  readonly code: EmulatorErrorCode;

  constructor(code: EmulatorErrorCode, message: string) {
    super(`${message} [${code}]`);
    this.name = 'EmulatorError';
    this.code = code;
  }
}

/** An invariant of the emulator broke (`ERR_LG_EMU_INTERNAL`): a bug of the emulator, never of its caller. */
export function internalError(message: string): EmulatorError {
  return new EmulatorError('ERR_LG_EMU_INTERNAL', `${message}. This is a bug of the emulator: please report it`);
}
