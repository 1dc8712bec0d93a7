/**
 * Ctrl-C (SIGINT) and SIGTERM while a stack operation runs: the engine is asked to stop once, after
 * the steps in flight, instead of the process dying mid-swap with a pending operation and a lock.
 *
 * The engine stops cleanly on its first SIGINT and terminates at once on a second one. A Ctrl-C at
 * the keyboard reaches every process of the terminal's foreground group, the engine included, so
 * on a terminal vm-rescue does not send its own (that would be the engine's second). A signal sent
 * to vm-rescue alone (CI, `kill`, a supervisor) is passed on by aborting the operation's
 * AbortSignal, which the Automation API turns into one SIGINT to the engine. Later signals are
 * never passed on; they print what is happening, and the process does not crash.
 */
import type { CliContext } from "./context";

/** Where the signals come from; tests pass their own emitter. */
export interface SignalSource {
  on(event: "SIGINT" | "SIGTERM", listener: (signal: NodeJS.Signals) => void): unknown;
  off(event: "SIGINT" | "SIGTERM", listener: (signal: NodeJS.Signals) => void): unknown;
}

/**
 * Runs `operation` with an AbortSignal that the first SIGINT/SIGTERM aborts (off a terminal),
 * printing one line per signal; the handlers are removed when it settles. `stopping` is aborted by
 * the first signal on a terminal too: an operation of many stacks starts no further one.
 */
export async function interruptible<T>(
  ctx: CliContext,
  what: string,
  operation: (signal: AbortSignal, stopping: AbortSignal) => Promise<T>,
  source: SignalSource = process,
): Promise<T> {
  const controller = new AbortController();
  const stopping = new AbortController();
  let received = 0;
  const onSignal = (name: NodeJS.Signals) => {
    received += 1;
    stopping.abort();
    if (received === 1) {
      ctx.io.err(
        `${name}: stopping ${what} after the steps in flight finish (the stack stays consistent and is kept); wait for it`,
      );
      if (!ctx.io.isTty) controller.abort();
    } else
      ctx.io.err(
        ctx.io.isTty
          ? `${name} again: pulumi stops at once; a step it cut short stays a pending operation of the stack (the lines below say how to clear it)`
          : `${name} again: still stopping ${what}; waiting for the steps in flight`,
      );
  };
  source.on("SIGINT", onSignal);
  source.on("SIGTERM", onSignal);
  try {
    return await operation(controller.signal, stopping.signal);
  } finally {
    source.off("SIGINT", onSignal);
    source.off("SIGTERM", onSignal);
  }
}
