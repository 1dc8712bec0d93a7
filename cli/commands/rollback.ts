import type { Command } from "commander";
import type { CliContext } from "../main";

/** Registers `vm-rescue rollback` (not implemented yet). */
export function registerRollback(_program: Command, _ctx: CliContext): void {}
