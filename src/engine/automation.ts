/**
 * The Automation API behind a small interface, so the rescue and rollback flows can be tested with
 * a fake: {@link Automation} finds the Pulumi CLI and opens a stack; {@link RescueStack} sets config,
 * runs `up` and `destroy` and streams the engine events. The real implementation runs the project's
 * program inline (`rescueProgram`), one update per process.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { rescueProgram } from "./program";
import { PROJECT } from "./settings";

export type { EngineEvent };

export interface StreamOptions {
  onEvent(event: EngineEvent): void;
  onOutput?(text: string): void;
}

export interface RescueStack {
  readonly name: string;
  setConfig(settings: Record<string, string>): Promise<void>;
  /** Runs `pulumi up`; resolves to the stack outputs (plain values). */
  up(opts: StreamOptions): Promise<Record<string, unknown>>;
  /** Runs `pulumi destroy`: removes the helper; resources with retainOnDelete stay. */
  destroy(opts: StreamOptions): Promise<void>;
}

export interface Automation {
  /** Throws {@link PulumiCliMissing} when no Pulumi CLI can be run. */
  findCli(): Promise<void>;
  /** Creates the stack or selects it; `mustExist` only selects. */
  openStack(stackName: string, mustExist: boolean): Promise<RescueStack>;
}

export const INSTALL_HINT =
  "install it with `curl -fsSL https://get.pulumi.com | sh` (or point PULUMI_HOME at an installation with bin/pulumi), then run again; `vm-rescue rescue --simulate` needs no CLI";

/** There is no Pulumi CLI: the Automation API cannot run without one. */
export class PulumiCliMissing extends Error {
  constructor(detail: string) {
    super(`the Pulumi CLI was not found (${detail}): ${INSTALL_HINT}`);
    this.name = "PulumiCliMissing";
  }
}

/** Where to look for the CLI: `$PULUMI_HOME/bin/pulumi` when it exists, else PATH. */
export function cliRoot(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const home = env.PULUMI_HOME;
  return home && fs.existsSync(path.join(home, "bin", "pulumi")) ? home : undefined;
}

/** The first non-empty line of an error's message (no stack traces on the terminal). */
export function firstLine(e: unknown): string {
  return (
    (e instanceof Error ? e.message : String(e))
      .split("\n")
      .find((l) => l.trim() !== "")
      ?.trim() ?? "unknown error"
  );
}

/** The real Automation API (loaded lazily: the simulated paths never need it). */
export function localAutomation(): Automation {
  const auto = require("@pulumi/pulumi/automation") as typeof import("@pulumi/pulumi/automation");
  let command: import("@pulumi/pulumi/automation").PulumiCommand | undefined;
  return {
    async findCli() {
      const root = cliRoot();
      try {
        command = await auto.PulumiCommand.get(root ? { root } : undefined);
      } catch (e) {
        const msg = firstLine(e);
        throw new PulumiCliMissing(
          /ENOENT|code: -2\b/.test(msg)
            ? `no \`pulumi\` on PATH${process.env.PULUMI_HOME ? ` nor in ${process.env.PULUMI_HOME}/bin` : ""}`
            : msg,
        );
      }
    },
    async openStack(stackName, mustExist) {
      const args = { stackName, projectName: PROJECT, program: async () => rescueProgram() };
      const opts = {
        pulumiCommand: command,
        projectSettings: { name: PROJECT, runtime: "nodejs" as const },
      };
      const stack = mustExist
        ? await auto.LocalWorkspace.selectStack(args, opts)
        : await auto.LocalWorkspace.createOrSelectStack(args, opts);
      return {
        name: stackName,
        async setConfig(settings) {
          await stack.setAllConfig(
            Object.fromEntries(
              Object.entries(settings).map(([k, v]) => [`${PROJECT}:${k}`, { value: v }]),
            ),
          );
        },
        async up(o) {
          const result = await stack.up({
            onEvent: o.onEvent,
            onOutput: o.onOutput ?? (() => undefined),
          });
          return Object.fromEntries(
            Object.entries(result.outputs).map(([k, v]) => [k, v.secret ? "[secret]" : v.value]),
          );
        },
        async destroy(o) {
          await stack.destroy({ onEvent: o.onEvent, onOutput: o.onOutput ?? (() => undefined) });
        },
      };
    },
  };
}
