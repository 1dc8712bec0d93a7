/** Exit codes of the `vm-rescue` command line, shared by every subcommand. */
export const ExitCode = {
  /** Done: rescued / every file parsed / nothing blocks. */
  Ok: 0,
  /** The rescue failed (see the report). */
  Failed: 1,
  /** Bad usage or bad input: nothing was done. */
  Usage: 2,
  /** triage: some files could not be parsed. */
  SomeUnparsed: 3,
  /** The guest-driver check blocks the disk swap. */
  Blocked: 4,
  /** Interrupted (Ctrl-C, SIGTERM) while no stack operation was running: 128 + SIGINT. */
  Interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * An error the user caused (missing file, invalid JSON, a VM we cannot rescue...). The CLI prints
 * its message as one line on stderr and exits with {@link ExitCode.Usage}; no stack trace.
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}
