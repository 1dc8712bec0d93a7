import type { Command } from "commander";
import type { CliContext } from "../main";

/** Registers `vm-rescue rescue` (not implemented yet). */
export function registerRescue(_program: Command, _ctx: CliContext): void {}
