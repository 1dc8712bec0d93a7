import type { Command } from "commander";
import type { CliContext } from "../main";

/** Registers `vm-rescue checkDrivers` (not implemented yet). */
export function registerCheckDrivers(_program: Command, _ctx: CliContext): void {}
