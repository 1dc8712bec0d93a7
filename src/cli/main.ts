import { Command, CommanderError } from "commander";
import { ExitCode } from "../vocabulary/exitCodes";
import { closeStdout, processIo, type Io } from "./context";

export { processIo, runAction, type CliContext, type CommandResult, type Io } from "./context";
import { registerPlan } from "./commands/plan";
import { registerTriage } from "./commands/triage";
import { registerCheckDrivers } from "./commands/checkDrivers";
import { registerPlanRepair } from "./commands/planRepair";
import { registerRescue } from "./commands/rescue";
import { registerRollback } from "./commands/rollback";
import { registerEvents } from "./commands/events";
import { registerDiagnose } from "./commands/diagnose";
import { registerHive } from "./commands/hive";

export function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command("vm-rescue")
    .description("Rescue a Windows VM stuck in a BSOD boot loop (Azure, AWS, Hyper-V).")
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .showHelpAfterError(false);
  const ctx = { io, setExit };
  registerPlan(program, ctx);
  registerTriage(program, ctx);
  registerCheckDrivers(program, ctx);
  registerPlanRepair(program, ctx);
  registerRescue(program, ctx);
  registerRollback(program, ctx);
  registerEvents(program, ctx);
  registerDiagnose(program, ctx);
  registerHive(program, ctx);
  return program;
}

/** Parses argv and runs; resolves to the exit code. Never throws for usage errors. */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  let code: number = ExitCode.Ok;
  const program = buildProgram(io, (c) => (code = c));
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version print and exit 0; everything else is a usage error
      return e.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    }
    const message = e instanceof Error ? e.message : String(e);
    io.err(`vm-rescue: ${message.split("\n")[0]}`);
    return ExitCode.Failed;
  }
  return code;
}

/** The first line of what was thrown, for one line on stderr. */
function firstLineOf(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split("\n")[0];
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
    err(`vm-rescue: ${firstLineOf(e)}`);
    process.exit(ExitCode.Failed);
  };
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
