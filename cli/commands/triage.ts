import type { Command } from "commander";
import type { CliContext } from "../main";

/** Registers `vm-rescue triage` (not implemented yet). */
export function registerTriage(_program: Command, _ctx: CliContext): void {}
