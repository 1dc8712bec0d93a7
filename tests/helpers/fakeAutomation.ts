/**
 * A fake Automation API for the stack-based commands: records the calls and the config set, and
 * answers `up` with the given outputs (or fails it as the real one does: an EngineError carrying
 * the engine's line). Its own test (fakeAutomation.test.ts) holds it to the real interface's
 * behaviour against the stand-in CLI.
 */
import {
  Automation,
  EngineError,
  PulumiCliMissing,
  configKey,
  RescueStack,
  type EngineFailure,
} from "../../src/engine/automation";

export interface FakeStackOptions {
  noCli?: boolean;
  upError?: string;
  /** How the up fails (default "failed"). */
  upFailure?: EngineFailure;
  /** Engine events streamed to `onEvent` during up / destroy. */
  upEvents?: unknown[];
  destroyEvents?: unknown[];
  /** The stack's config before this run (keys without the project namespace). */
  config?: Record<string, string>;
  /** Whether the stack's state holds resources before this run (a kept rescue). */
  kept?: boolean;
  pluginError?: string;
}

export function fakeStackAutomation(outputs: Record<string, unknown>, opts: FakeStackOptions = {}) {
  const calls: string[] = [];
  const config: Record<string, string>[] = [];
  const signals: (AbortSignal | undefined)[] = [];
  const current: Record<string, string> = { ...opts.config };
  /** Every setting each stack was given, by stack name, keys as written (`vm-rescue:` added). */
  const byStack: Record<string, Record<string, string>> = {};
  let kept = opts.kept ?? false;
  const automation: Automation = {
    workDir: "/pkg",
    async findCli() {
      calls.push("findCli");
      if (opts.noCli) throw new PulumiCliMissing("no `pulumi` on PATH");
    },
    async openStack(name, mustExist) {
      calls.push(`openStack ${name}${mustExist ? " (existing)" : ""}`);
      const stack: RescueStack = {
        name,
        // as the real one: config() lists the project's settings only; a namespaced key
        // (`azure-native:subscriptionId`) is written as it is and not listed
        async config() {
          return Object.fromEntries(Object.entries(current).filter(([k]) => !k.includes(":")));
        },
        async setConfig(s) {
          calls.push("setConfig");
          config.push(s);
          Object.assign(current, s);
          byStack[name] = {
            ...byStack[name],
            ...Object.fromEntries(Object.entries(s).map(([k, v]) => [configKey(k), v])),
          };
        },
        async removeConfig(keys) {
          calls.push(`removeConfig ${keys.join(" ")}`);
          for (const k of keys) delete current[k];
        },
        async hasResources() {
          return kept;
        },
        async installPlugins(plugins) {
          calls.push(`installPlugins ${plugins.map((p) => `${p.name}@${p.version}`).join(" ")}`);
          if (opts.pluginError) throw new EngineError(opts.pluginError, "failed");
        },
        async up(o) {
          calls.push("up");
          signals.push(o.signal);
          for (const e of opts.upEvents ?? []) o?.onEvent?.(e as never);
          kept = true;
          if (opts.upError) throw new EngineError(opts.upError, opts.upFailure ?? "failed");
          return outputs;
        },
        async destroy(o) {
          calls.push("destroy");
          for (const e of opts.destroyEvents ?? []) o?.onEvent?.(e as never);
          kept = false;
        },
        async refresh() {
          calls.push("refresh");
        },
        async cancel() {
          calls.push("cancel");
        },
      };
      return stack;
    },
  };
  return { automation, calls, config, signals, current, byStack };
}
