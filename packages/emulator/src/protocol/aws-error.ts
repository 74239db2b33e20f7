/**
 * The error every part of the emulator throws to answer a request with an AWS-shaped error.
 *
 * The server turns it into `{"__type": name, "Message": message, "message": message}` with the HTTP
 * status of the emulator's status table (see `status-table.ts`), unless `status` is set here.
 */
export class AwsError extends Error {
  /** Exception name sent as `__type`, e.g. `NoEntitlementsAllowedException`. */
  override readonly name: string;
  /** HTTP status that overrides the status table (used by injected faults and auth errors). */
  readonly status: number | undefined;
  /** Extra members sent in the error body (e.g. `Location` for RedirectException). */
  readonly extra: Readonly<Record<string, string>> | undefined;

  /**
   * @param name - exception name, as License Manager (or the AWS front end) names it
   * @param message - what went wrong and, where it helps, how to fix it
   * @param options - `status` overrides the status table; `extra` adds body members
   */
  constructor(name: string, message: string, options: { status?: number; extra?: Record<string, string> } = {}) {
    super(message);
    this.name = name;
    this.status = options.status;
    this.extra = options.extra;
  }
}

/** Shorthand for the ValidationException that most bad input gets. */
export function validationError(message: string): AwsError {
  return new AwsError('ValidationException', message);
}
