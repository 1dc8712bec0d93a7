/**
 * What every command gets: where to write, how to report its exit code, and the one place that
 * turns a usage error into one line and exit 2. Commands import this, never main.ts.
 */
import { ExitCode, UsageError } from "../vocabulary/exitCodes";

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

export const processIo: Io = {
  out: (t) => {
    if (!stdoutClosed) process.stdout.write(t.endsWith("\n") ? t : t + "\n");
  },
  err: (t) => process.stderr.write(t.endsWith("\n") ? t : t + "\n"),
  isTty: Boolean(process.stdout.isTTY) && !process.env.CI,
};

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
      ctx.io.err(`vm-rescue: ${e.message}`);
      ctx.setExit(ExitCode.Usage);
      return;
    }
    throw e;
  }
}
