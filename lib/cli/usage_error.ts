/**
 * The error CLIs turn into one line on stderr and exit code 2.
 *
 * @module
 */

/** A user's mistake in flags or arguments. */
export class UsageError extends Error {
  /** Creates a usage error with a one-line message. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "UsageError";
  }
}
