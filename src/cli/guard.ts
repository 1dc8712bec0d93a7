/**
 * The process-wide half of "one line, never a stack trace", installed by bin/vm-rescue.js before
 * anything else loads (so a Ctrl-C during start-up is handled too).
 */
import { ExitCode } from "../vocabulary/exitCodes";
import { repeatsReportedRefusal } from "../vocabulary/errors";
import { printable } from "../evidence/printable";
import { closeStdout, processIo, wroteError } from "./context";

/** The first line of what was thrown, for one line on stderr. */
function firstLineOf(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return printable(text.split("\n")[0]);
}

/**
 * The process-wide half of "one line, never a stack trace" (bin/vm-rescue.js installs it):
 * - the reader of stdout going away (EPIPE: `vm-rescue plan --json | head -c 10`) stops the output
 *   silently; the command's exit code stands;
 * - an error nothing caught (a rejected promise inside a library) is one line and exit 1;
 * - SIGINT/SIGTERM while no stack operation handles them (those stop the engine cleanly, see
 *   signals.ts) is one line and exit 130.
 */
export function guardProcess(err: (line: string) => void = (l) => processIo.err(l)): void {
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") return closeStdout();
    err(`vm-rescue: cannot write the output: ${e.code ?? e.message}`);
    process.exit(ExitCode.Failed);
  });
  process.stderr.on("error", () => undefined);
  const fatal = (e: unknown) => {
    // Pulumi's own rejection of a registration a refused plan stopped: already said, exit stands.
    if (repeatsReportedRefusal(e)) return;
    // One line in all: a command that already said what failed is not followed by a second.
    if (!wroteError()) err(`vm-rescue: ${firstLineOf(e)}`);
    process.exit(ExitCode.Failed);
  };
  // Node prints a warning when a rejection is handled late (Pulumi's registration promises after
  // a refused plan): not the operator's concern; other warnings stay one line each.
  process.removeAllListeners("warning");
  process.on("warning", (w) => {
    if (w.name !== "PromiseRejectionHandledWarning") err(`vm-rescue: warning: ${firstLineOf(w)}`);
  });
  process.on("uncaughtException", fatal);
  process.on("unhandledRejection", fatal);
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      // A running stack operation has its own handler (signals.ts): it stops the engine cleanly.
      if (process.listenerCount(signal) > 1) return;
      err(`vm-rescue: interrupted (${signal}); nothing further was done`);
      process.exit(ExitCode.Interrupted);
    });
  }
}
