import { Command, CommanderError } from "commander";
import { ExitCode, UsageError } from "../vocabulary/exitCodes";
import { registerPlan } from "./commands/plan";
import { registerTriage } from "./commands/triage";
import { registerCheckDrivers } from "./commands/checkDrivers";
import { registerPlanRepair } from "./commands/planRepair";
import { registerRescue } from "./commands/rescue";
import { registerRollback } from "./commands/rollback";
import { registerEvents } from "./commands/events";
import { registerDiagnose } from "./commands/diagnose";
import { registerHive } from "./commands/hive";

/** Where a command writes; tests pass their own. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** True when stdout is an interactive terminal (progress spinners, colours). */
  isTty: boolean;
}

export const processIo: Io = {
  out: (t) => process.stdout.write(t.endsWith("\n") ? t : t + "\n"),
  err: (t) => process.stderr.write(t.endsWith("\n") ? t : t + "\n"),
  isTty: Boolean(process.stdout.isTTY) && !process.env.CI,
};

/** A subcommand's action resolves to the exit code. */
export type CommandResult = Promise<number>;

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
