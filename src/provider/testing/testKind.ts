/**
 * A step kind for the plugin's own contract tests: swaps a VM's OS disk in a small simulated cloud
 * (a JSON file named by the `simulatedCloud` setting) and records every action it takes on the VM,
 * so the tests can see that an update or a read repeats nothing. Built as the clouds' kinds are.
 */
import * as fs from "node:fs";
import type { StepConfig, StepContext, StepKind } from "../../steps/contract";

export interface SimulatedFile {
  vms: Record<string, { osDisk: string }>;
  actions: string[];
}

export interface SwapInputs {
  vmName: string;
  repairDiskId: string;
  note?: string;
  delayMs?: number;
}

export interface SwapState extends SwapInputs {
  originalDiskId: string;
  osDiskId: string;
  swapped: boolean;
  serialLog: string;
  runsAs: string;
  secondsToDeadline: number;
}

export const TEST_KIND_TOKEN = "vm-rescue:test:DiskSwap";

function fileOf(config: StepConfig): string {
  if (!config.simulatedCloud) throw new Error("no simulatedCloud configured");
  return config.simulatedCloud;
}

export function readCloud(file: string): SimulatedFile {
  return JSON.parse(fs.readFileSync(file, "utf8")) as SimulatedFile;
}

export function writeCloud(file: string, cloud: SimulatedFile): void {
  fs.writeFileSync(file, JSON.stringify(cloud, null, 2));
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(t);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}

function facts(
  ctx: StepContext,
  vm: { osDisk: string },
  inputs: SwapInputs,
  original: string,
): SwapState {
  return {
    ...inputs,
    originalDiskId: original,
    osDiskId: vm.osDisk,
    swapped: vm.osDisk === inputs.repairDiskId,
    serialLog: `boot ok on ${vm.osDisk}`,
    runsAs: ctx.config.azure?.clientSecret ? `${ctx.config.azure.clientId}+secret` : "default",
    secondsToDeadline: Math.round((ctx.deadline - Date.now()) / 1000),
  };
}

export const testSwapKind: StepKind<SwapInputs, SwapState> = {
  token: TEST_KIND_TOKEN,
  description: "Swaps a simulated VM's OS disk (tests only).",
  inputs: {
    vmName: { type: "string", description: "The VM." },
    repairDiskId: { type: "string", description: "The disk to swap in." },
    note: { type: "string", optional: true, description: "Free text; changing it is an update." },
    delayMs: { type: "number", optional: true, description: "How long create takes." },
  },
  outputs: {
    originalDiskId: { type: "string", description: "The OS disk before the swap." },
    osDiskId: { type: "string", description: "The VM's OS disk now." },
    swapped: { type: "boolean", description: "The repaired disk is the OS disk." },
    serialLog: { type: "string", secret: true, description: "Serial console text." },
    runsAs: { type: "string", description: "Who the step ran as." },
    secondsToDeadline: { type: "number", description: "Seconds the call had." },
  },
  identityKeys: ["vmName", "repairDiskId"],
  timeouts: { create: 30, update: 30, read: 10, delete: 10 },
  check(inputs) {
    return /\s/.test(inputs.vmName ?? "") ? ["vmName must not contain spaces"] : [];
  },
  async create(ctx, inputs) {
    await sleep(inputs.delayMs ?? 0, ctx.signal);
    const file = fileOf(ctx.config);
    const cloud = readCloud(file);
    const vm = cloud.vms[inputs.vmName];
    if (!vm) throw new Error(`VM ${inputs.vmName} not found`);
    const original = vm.osDisk;
    if (vm.osDisk !== inputs.repairDiskId) {
      vm.osDisk = inputs.repairDiskId;
      cloud.actions.push(`swap ${inputs.vmName}`);
      writeCloud(file, cloud);
    }
    ctx.log(`swapped ${inputs.vmName} to ${inputs.repairDiskId}`);
    return { id: `${inputs.vmName}/swap`, outs: facts(ctx, vm, inputs, original) };
  },
  async read(ctx, _id, state) {
    const vm = readCloud(fileOf(ctx.config)).vms[state.vmName];
    return vm ? facts(ctx, vm, state, state.originalDiskId) : null;
  },
  async update(ctx, _id, olds, news) {
    const vm = readCloud(fileOf(ctx.config)).vms[news.vmName];
    if (!vm) throw new Error(`VM ${news.vmName} not found`);
    return facts(ctx, vm, news, olds.originalDiskId);
  },
  async delete(ctx, _id, state) {
    const file = fileOf(ctx.config);
    const cloud = readCloud(file);
    cloud.actions.push(`forget ${state.vmName}`);
    writeCloud(file, cloud);
  },
};
