/**
 * What every command gets: where to write, how to report its exit code, and the one place that
 * turns a usage error into one line and exit 2. Commands import this, never main.ts.
 */
import { ExitCode, UsageError } from "../vocabulary/exitCodes";
import { printable } from "../evidence/printable";

/** Where a command writes; tests pass their own. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** True when stdout is an interactive terminal (progress spinners, colours). */
  isTty: boolean;
}

/** Set when the reader of stdout went away (EPIPE, e.g. `| head -c 10`): what is left is dropped. */
let stdoutClosed = false;

/** Marks stdout closed; later output is dropped instead of raising EPIPE again. */
export function closeStdout(): void {
  stdoutClosed = true;
}

/** Set once an error line (`vm-rescue: …`) went to stderr: a later fatal error adds no second. */
let errorWritten = false;

/** True when an error line was already written to stderr. */
export function wroteError(): boolean {
  return errorWritten;
}

export const processIo: Io = {
  out: (t) => {
    if (!stdoutClosed) process.stdout.write(t.endsWith("\n") ? t : t + "\n");
  },
  err: (t) => {
    if (t.startsWith("vm-rescue: ")) errorWritten = true;
    process.stderr.write(t.endsWith("\n") ? t : t + "\n");
  },
  isTty: Boolean(process.stdout.isTTY) && !process.env.CI,
};

/**
 * Lets a pending Ctrl-C or SIGTERM through. Node runs signal handlers from the event loop, which a
 * command's chain of promises does not return to until it is done, so a command with long work
 * (loading the engine, planning under the mocks) awaits this between its stages: a signal received
 * meanwhile reaches the guard (guard.ts), which prints one line and exits 130.
 */
export function yieldToSignals(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A subcommand's action resolves to the exit code. */
export type CommandResult = Promise<number>;

/** Context every `registerX` gets: where to write and how to report the exit code. */
export interface CliContext {
  io: Io;
  setExit(code: number): void;
}

/** Runs a command action and maps errors to exit codes (UsageError -> 2 with one line). */
export async function runAction(ctx: CliContext, action: () => CommandResult): Promise<void> {
  try {
    ctx.setExit(await action());
  } catch (e) {
    if (e instanceof UsageError) {
      // The message may quote what the user gave: shown with control characters escaped.
      ctx.io.err(`vm-rescue: ${printable(e.message)}`);
      ctx.setExit(ExitCode.Usage);
      return;
    }
    throw e;
  }
}
