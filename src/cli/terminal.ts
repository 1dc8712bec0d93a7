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
import { LiveProgress } from "../report/liveProgress";
import { progressLine } from "../report/progress";

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

/** How the phases of a live rescue are shown on stderr (`--progress`), and for which VM. */
export interface LiveProgressOptions {
  format: "text" | "json" | "none";
  /** The VM the lines are for (a fleet runs many at once). */
  label?: string;
  /** A heartbeat for each running step this often (default 30 s; 0: none). */
  heartbeatSeconds?: number;
}

export const DEFAULT_HEARTBEAT_SECONDS = 30;

/**
 * Streams the progress of a stack operation on stderr as the engine reports it: a line when a
 * phase starts and ends and a heartbeat for each running step (plain lines, or NDJSON events with
 * `json`), one line per finished resource step (plain mode), and a spinner line when `write` is
 * given (a terminal).
 */
export function progress(
  ctx: CliContext,
  recorder: TimelineRecorder,
  write: ((s: string) => void) | null,
  live: LiveProgressOptions = { format: "text" },
): StreamOptions & { stop(): void } {
  let shown = false;
  const clear = () => {
    if (write && shown) write("\r\x1b[2K");
    shown = false;
  };
  const prefix = live.label ? `[${live.label}] ` : "";
  const phases = new LiveProgress((e) => {
    clear();
    if (live.format === "json")
      ctx.io.err(JSON.stringify(live.label ? { ...e, vm: live.label } : e));
    else if (live.format === "text") ctx.io.err(prefix + progressLine(e));
  });
  const every = (live.heartbeatSeconds ?? DEFAULT_HEARTBEAT_SECONDS) * 1000;
  const timer =
    live.format !== "none" && every > 0 ? setInterval(() => phases.tick(Date.now()), every) : null;
  timer?.unref();
  let last: number | null = null;
  const frames = "|/-\\";
  let frame = 0;
  return {
    onEvent(e) {
      const u = recorder.push(e);
      if (u.started) phases.started(u.started.urn, u.started, u.started.at);
      if (u.ended) phases.finished(u.ended.urn, u.ended.at, u.ended.failed);
      last = u.started?.at ?? u.ended?.at ?? last;
      if (u.line && live.format !== "json") {
        clear();
        ctx.io.err(prefix + u.line);
      }
      if (write && u.running.length > 0) {
        clear();
        write(
          `${frames[frame++ % frames.length]} ${u.running.length} running: ${u.running[u.running.length - 1]}`,
        );
        shown = true;
      }
    },
    stop() {
      if (timer) clearInterval(timer);
      if (last !== null) phases.close(last);
      clear();
    },
  };
}

/**
 * How a stack operation reports on this terminal: lines on stderr (NDJSON with `--progress json`),
 * a spinner on stderr when it is a terminal; stdout carries the report alone.
 */
export function terminalUi(
  ctx: CliContext,
  live: LiveProgressOptions = { format: "text" },
): RescueUi {
  const prefix = live.label ? `[${live.label}] ` : "";
  return {
    log: (line) =>
      ctx.io.err(
        live.format === "json"
          ? JSON.stringify({
              event: "log",
              message: line,
              ...(live.label ? { vm: live.label } : {}),
            })
          : prefix + line,
      ),
    progress: (recorder) =>
      progress(
        ctx,
        recorder,
        ctx.io.isTty && process.stderr.isTTY && live.format !== "json" && !live.label
          ? (s) => process.stderr.write(s)
          : null,
        live,
      ),
  };
}
