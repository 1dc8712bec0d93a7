/**
 * What the commands that change a VM share on the terminal: the confirmation before anything runs
 * and the progress of a stack operation (one line per finished step, a spinner on a terminal).
 */
import * as readline from "node:readline";
import type { CliContext } from "./context";
import { UsageError } from "../vocabulary/exitCodes";
import { Automation, PulumiCliMissing, StreamOptions } from "../engine/automation";
import type { RescueUi } from "../engine/liveRescue";
import { TimelineRecorder } from "../engine/timeline";

/** Asks a yes/no question on the terminal. */
export function askOnTerminal(question: string): Promise<boolean> {
  return new Promise((resolve) => {
    const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
    rl.question(`${question} [y/N] `, (answer) => {
      rl.close();
      resolve(/^y(es)?$/i.test(answer.trim()));
    });
  });
}

/**
 * Refuses without --yes off a terminal, then checks for the Pulumi CLI, then asks on a terminal.
 * Throws UsageError (exit 2) for each; nothing has run yet.
 */
export async function confirmOrRefuse(
  ctx: CliContext,
  deps: { confirm(question: string): Promise<boolean> },
  yes: boolean | undefined,
  what: string,
  automation: Automation,
): Promise<void> {
  if (!yes && !ctx.io.isTty)
    throw new UsageError(`refusing to ${what} without --yes when not on a terminal`);
  await requireCli(automation);
  if (!yes && !(await deps.confirm(`This will ${what}. Continue?`)))
    throw new UsageError("not confirmed; nothing was done");
}

/** Finds the CLI before anything runs; a missing CLI is one line and exit 2. */
export async function requireCli(automation: Automation): Promise<void> {
  try {
    await automation.findCli();
  } catch (e) {
    if (e instanceof PulumiCliMissing) throw new UsageError(e.message);
    throw e;
  }
}

/** Streams one line per finished resource step; a spinner line on a terminal. */
export function progress(
  ctx: CliContext,
  recorder: TimelineRecorder,
  write: ((s: string) => void) | null,
): StreamOptions & { stop(): void } {
  let shown = false;
  const clear = () => {
    if (write && shown) write("\r\x1b[2K");
    shown = false;
  };
  const frames = "|/-\\";
  let frame = 0;
  return {
    onEvent(e) {
      const u = recorder.push(e);
      if (u.line) {
        clear();
        ctx.io.err(u.line);
      }
      if (write && u.running.length > 0) {
        clear();
        write(
          `${frames[frame++ % frames.length]} ${u.running.length} running: ${u.running[u.running.length - 1]}`,
        );
        shown = true;
      }
    },
    stop: clear,
  };
}

/** How a stack operation reports on this terminal: lines on stderr, a spinner on a TTY. */
export function terminalUi(ctx: CliContext): RescueUi {
  return {
    log: (line) => ctx.io.err(line),
    progress: (recorder) =>
      progress(ctx, recorder, ctx.io.isTty ? (s) => process.stdout.write(s) : null),
  };
}
