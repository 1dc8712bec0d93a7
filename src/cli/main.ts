import { Command, CommanderError } from "commander";
import { ExitCode } from "../vocabulary/exitCodes";
import { isPlanError } from "../vocabulary/errors";
import { printable } from "../evidence/printable";
import { processIo, type Io } from "./context";

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
import { registerFleet } from "./commands/fleet";

export function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command("vm-rescue")
    .description("Rescue a Windows VM stuck in a BSOD boot loop (Azure, AWS, Hyper-V).")
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.out(s),
      writeErr: (s) => io.err(s),
      // Commander's own usage errors (unknown option or command, missing argument) are one line
      // like every other error; the subcommands inherit this when they are added.
      outputError: (s, write) => write(usageLine(s)),
    })
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
  registerFleet(program, ctx);
  return program;
}

/**
 * Commander's error text as one `vm-rescue:` line: "error: unknown option '--x'\n(Did you mean
 * --y?)" becomes "vm-rescue: unknown option '--x' (Did you mean --y?)".
 */
export function usageLine(text: string): string {
  const body = text
    .replace(/^error:\s*/i, "")
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .join(" ");
  return `vm-rescue: ${printable(body)}`;
}

/** PlanError codes that are the engine's own faults, not the input's. */
const INTERNAL_PLAN_ERRORS = ["duplicate-step", "latency-model-invalid", "unknown-op"];

/** Parses argv and runs; resolves to the exit code. Never throws for usage errors. */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  // Without a command Commander would print the whole help on stderr: one line says what to do.
  if (argv.length === 0) {
    io.err("vm-rescue: no command given; run `vm-rescue --help` for the commands");
    return ExitCode.Usage;
  }
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
    io.err(`vm-rescue: ${printable(message.split("\n")[0])}`);
    // A plan refused for what was asked or found (an invariant, a precondition, an option) is
    // bad input: exit 2. The engine's own faults stay failures.
    return isPlanError(e) && !INTERNAL_PLAN_ERRORS.includes(e.code)
      ? ExitCode.Usage
      : ExitCode.Failed;
  }
  return code;
}

export { guardProcess } from "./guard";
