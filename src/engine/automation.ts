/**
 * The Automation API behind a small interface, so the rescue and rollback flows can be tested with
 * a fake: {@link Automation} finds the Pulumi CLI and opens a stack; {@link RescueStack} reads and
 * sets its config, installs plugins, runs `up`, `destroy`, `refresh` and `cancel` and streams the
 * engine events. The real implementation ({@link localAutomation}) runs the package's own project
 * (Pulumi.yaml and its compiled program in the package root, where `@pulumi/pulumi` and the
 * `vm-rescue` provider plugin resolve): one workspace per stack, whose `Pulumi.<stack>.yaml` keeps
 * the rescue's VM, options and rescue id for every later command on that stack.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { packageRoot } from "../vocabulary/packageRoot";
import { PROJECT } from "./settings";
import { EngineError, engineMessage, errorDiagnostic, firstLine } from "./engineErrors";

export type { EngineEvent };
export type { EngineFailure } from "./engineErrors";
export { EngineError, engineMessage, firstLine };

export interface StreamOptions {
  onEvent(event: EngineEvent): void;
  onOutput?(text: string): void;
}

/** How a stack operation runs: its event stream and the signal that cancels it (Ctrl-C). */
export interface RunOptions extends StreamOptions {
  signal?: AbortSignal;
}

/** A resource plugin the program needs, at the version the package depends on. */
export interface PluginSpec {
  name: string;
  version: string;
}

export interface RescueStack {
  readonly name: string;
  /** The stack's config in the project namespace, keys without `vm-rescue:`. */
  config(): Promise<Record<string, string>>;
  /**
   * Sets settings: a bare key goes in the project namespace (`vm-rescue:<key>`); a key that names
   * its namespace (`azure-native:subscriptionId`, `aws:region`) is written as it is, and one with a
   * path (`aws:allowedAccountIds[0]`) as a path into a structured value (`config set --path`).
   */
  setConfig(settings: Record<string, string>): Promise<void>;
  /** Removes settings (bare keys in the project namespace, as {@link setConfig}) from the config. */
  removeConfig(keys: string[]): Promise<void>;
  /** True when the stack's state holds resources: an earlier rescue kept after a failed up. */
  hasResources(): Promise<boolean>;
  /** `pulumi plugin install resource <name> v<version>` for each; throws {@link EngineError}. */
  installPlugins(plugins: PluginSpec[]): Promise<void>;
  /** Runs `pulumi up`; resolves to the stack outputs (plain values); throws {@link EngineError}. */
  up(opts: RunOptions): Promise<Record<string, unknown>>;
  /** Runs `pulumi destroy`: removes the helper; resources with retainOnDelete stay. */
  destroy(opts: RunOptions): Promise<void>;
  refresh(opts: RunOptions): Promise<void>;
  /** `pulumi cancel`: ends an update still running on the backend and releases its lock. */
  cancel(): Promise<void>;
}

export interface Automation {
  /** Where the project (Pulumi.yaml) is, shown in the recovery commands it prints. */
  readonly workDir: string;
  /** Throws {@link PulumiCliMissing} when no Pulumi CLI can be run. */
  findCli(): Promise<void>;
  /** Creates the stack or selects it; `mustExist` only selects. Throws {@link EngineError}. */
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

/**
 * The provider plugins a rescue on each cloud loads besides `vm-rescue` (which Pulumi.yaml names
 * by path): installed before `up` so a machine without download access fails at once, naming the
 * plugin, instead of in the middle of the first update. Per cloud, so an AWS rescue never needs
 * the Azure plugin (and the reverse).
 */
export const PLUGINS_BY_CLOUD: Record<"azure" | "aws", string[]> = {
  azure: ["azure-native", "random"],
  aws: ["aws"],
};

/** The plugins of a cloud at the versions of `@pulumi/<name>` in the package's package.json. */
export function requiredPlugins(
  cloud: "azure" | "aws",
  root: string = packageRoot(),
): PluginSpec[] {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as {
    dependencies?: Record<string, string>;
  };
  return PLUGINS_BY_CLOUD[cloud].map((name) => {
    const version = pkg.dependencies?.[`@pulumi/${name}`]?.replace(/^[~^=v]+/, "");
    if (!version) throw new Error(`package.json does not depend on @pulumi/${name}`);
    return { name, version };
  });
}

/**
 * The full config key of a setting: a bare key (`resourceGroup`) in the project namespace, a key
 * that already names its namespace (`azure-native:subscriptionId`, `aws:allowedAccountIds[0]`) as
 * it is — the cloud providers' own settings, which the program and the default providers read.
 */
export function configKey(k: string): string {
  return k.includes(":") ? k : `${PROJECT}:${k}`;
}

/** A key with a path into a structured value (`aws:allowedAccountIds[0]`). */
export function isPathKey(k: string): boolean {
  return /[[.]/.test(k.slice(k.indexOf(":") + 1));
}

/** Runs an engine call; any failure becomes an {@link EngineError} with the engine's own line. */
async function engine<T>(
  f: () => Promise<T>,
  diagnostics: string[] = [],
  signal?: AbortSignal,
): Promise<T> {
  try {
    return await f();
  } catch (e) {
    throw EngineError.from(e, diagnostics, signal?.aborted === true);
  }
}

/** Wraps the event stream: collects the engine's error diagnostics for the failure message. */
function streamed(o: RunOptions, diagnostics: string[]) {
  return {
    onEvent: (e: EngineEvent) => {
      const d = errorDiagnostic(e);
      if (d) diagnostics.push(d);
      o.onEvent(e);
    },
    onOutput: o.onOutput ?? (() => undefined),
    onError: () => undefined,
    signal: o.signal,
    color: "never" as const,
  };
}

/**
 * The real Automation API (loaded lazily: the simulated paths never need it), running the local
 * program of the project in `workDir` (default: the package root).
 */
export function localAutomation(opts: { workDir?: string } = {}): Automation {
  const auto = require("@pulumi/pulumi/automation") as typeof import("@pulumi/pulumi/automation");
  let command: import("@pulumi/pulumi/automation").PulumiCommand | undefined;
  const workDir = opts.workDir ?? packageRoot();
  return {
    workDir,
    async findCli() {
      const root = cliRoot();
      try {
        command = await auto.PulumiCommand.get(root ? { root } : undefined);
      } catch (e) {
        const msg = engineMessage(e);
        throw new PulumiCliMissing(
          /ENOENT|code: -2\b/.test(`${msg} ${firstLine(e)}`)
            ? `no \`pulumi\` on PATH${process.env.PULUMI_HOME ? ` nor in ${process.env.PULUMI_HOME}/bin` : ""}`
            : msg,
        );
      }
    },
    async openStack(stackName, mustExist) {
      if (!fs.existsSync(path.join(workDir, "Pulumi.yaml")))
        throw new EngineError(`no Pulumi.yaml in ${workDir}: the package is incomplete`, "failed");
      const args = { stackName, workDir };
      // the CLI findCli found, else the same lookup ($PULUMI_HOME/bin, then PATH)
      if (!command) {
        const root = cliRoot();
        command = await engine(() => auto.PulumiCommand.get(root ? { root } : undefined));
      }
      const wsOpts = { pulumiCommand: command };
      const stack = await engine(() =>
        mustExist
          ? auto.LocalWorkspace.selectStack(args, wsOpts)
          : auto.LocalWorkspace.createOrSelectStack(args, wsOpts),
      );
      const ns = `${PROJECT}:`;
      return {
        name: stackName,
        async config() {
          const all = await engine(() => stack.getAllConfig());
          return Object.fromEntries(
            Object.entries(all)
              .filter(([k]) => k.startsWith(ns))
              .map(([k, v]) => [k.slice(ns.length), v.value]),
          );
        },
        async setConfig(settings) {
          const entries = Object.entries(settings).map(
            ([k, v]) => [configKey(k), { value: v }] as const,
          );
          const plain = entries.filter(([k]) => !isPathKey(k));
          const paths = entries.filter(([k]) => isPathKey(k));
          if (plain.length > 0) await engine(() => stack.setAllConfig(Object.fromEntries(plain)));
          if (paths.length > 0)
            await engine(() => stack.setAllConfig(Object.fromEntries(paths), true));
        },
        async removeConfig(keys) {
          await engine(() => stack.removeAllConfig(keys.map(configKey)));
        },
        async hasResources() {
          const state = await engine(() => stack.exportStack());
          const resources = (state.deployment as { resources?: unknown[] } | undefined)?.resources;
          return Array.isArray(resources) && resources.length > 0;
        },
        async installPlugins(plugins) {
          for (const p of plugins) {
            try {
              await stack.workspace.installPlugin(p.name, `v${p.version}`);
            } catch (e) {
              throw new EngineError(
                `could not install the ${p.name} plugin v${p.version} (${engineMessage(e)}); where downloads are blocked, install it beforehand: pulumi plugin install resource ${p.name} v${p.version}`,
                "failed",
              );
            }
          }
        },
        async up(o) {
          const diagnostics: string[] = [];
          const result = await engine(
            () => stack.up(streamed(o, diagnostics)),
            diagnostics,
            o.signal,
          );
          return Object.fromEntries(
            Object.entries(result.outputs).map(([k, v]) => [k, v.secret ? "[secret]" : v.value]),
          );
        },
        async destroy(o) {
          const diagnostics: string[] = [];
          await engine(() => stack.destroy(streamed(o, diagnostics)), diagnostics, o.signal);
        },
        async refresh(o) {
          const diagnostics: string[] = [];
          await engine(() => stack.refresh(streamed(o, diagnostics)), diagnostics, o.signal);
        },
        async cancel() {
          await engine(() => stack.cancel());
        },
      };
    },
  };
}
