/**
 * A fake Automation API for the stack-based commands: records the calls and the config set, and
 * answers `up` with the given outputs (or fails it).
 */
import { Automation, PulumiCliMissing, RescueStack } from "../../src/engine/automation";

export interface FakeStackOptions {
  noCli?: boolean;
  upError?: string;
  /** Engine events streamed to `onEvent` during up / destroy. */
  upEvents?: unknown[];
  destroyEvents?: unknown[];
}

export function fakeStackAutomation(outputs: Record<string, unknown>, opts: FakeStackOptions = {}) {
  const calls: string[] = [];
  const config: Record<string, string>[] = [];
  const automation: Automation = {
    async findCli() {
      calls.push("findCli");
      if (opts.noCli) throw new PulumiCliMissing("no `pulumi` on PATH");
    },
    async openStack(name, mustExist) {
      calls.push(`openStack ${name}${mustExist ? " (existing)" : ""}`);
      const stack: RescueStack = {
        name,
        async setConfig(s) {
          calls.push("setConfig");
          config.push(s);
        },
        async up(o) {
          calls.push("up");
          for (const e of opts.upEvents ?? []) o?.onEvent?.(e as never);
          if (opts.upError) throw new Error(`${opts.upError}\n    at Stack.up (stack.js:1)`);
          return outputs;
        },
        async destroy(o) {
          calls.push("destroy");
          for (const e of opts.destroyEvents ?? []) o?.onEvent?.(e as never);
        },
      };
      return stack;
    },
  };
  return { automation, calls, config };
}
