import type { Command } from "commander";
import type { CliContext } from "../main";

/** Registers `vm-rescue plan` (not implemented yet). */
export function registerPlan(_program: Command, _ctx: CliContext): void {}
