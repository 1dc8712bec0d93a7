/**
 * The simulated rescue: the real program under Pulumi's mocks with the simulated Azure (the
 * colleague layers answer triage, repair, swap and verify), its outputs read back like a real
 * stack's, and a timeline built from the modeled schedule. Nothing leaves the machine.
 */
import { loadLatencyModel } from "../planner/ttr";
import { PlanError } from "../planner/errors";
import { AzureNicDescription, AzureVmDescription, parseArmId } from "../planner/azureVm";
import { PROJECT, rescueIdFromStack, rescueProgram, SETTINGS } from "../program";
import { outcomeFromOutputs } from "../report/fromOutputs";
import { modeledTimeToRecovery, ModeledTtr, TtrOptions } from "../report/ttr";
import type { RescueOutcome, TimelineStep } from "../report/types";
import { simulatedAzure } from "./azureCloud";
import { runUnderMocks } from "./mockRun";
import { OfflinePlan, toPlannedResources, UnknownSettingError } from "./plan";

/** The modeled time to recovery of a plan, or why it could not be modeled (a warning, not an error). */
export function planTimeToRecovery(plan: Pick<OfflinePlan, "resources">, options: TtrOptions = {}): { ttr: ModeledTtr | null; error: string | null } {
  try {
    return { ttr: modeledTimeToRecovery(plan.resources, loadLatencyModel(), options), error: null };
  } catch (e) {
    if (e instanceof PlanError) return { ttr: null, error: `no modeled time to recovery: ${e.message}` };
    throw e;
  }
}

/** The rescue options that become stack settings. */
export interface RescueSettingsRequest {
  resourceGroup: string;
  vmName: string;
  driver?: string;
  actions?: string[];
  dryRun?: boolean;
  noSwap?: boolean;
}

/**
 * The stack settings of a rescue. Throws UnknownSettingError naming the flag when the program does
 * not know the setting it needs.
 */
export function rescueSettings(r: RescueSettingsRequest): Record<string, string> {
  const s: Record<string, string> = { cloud: "azure", resourceGroup: r.resourceGroup, vmName: r.vmName };
  const want: [string, string, string | undefined][] = [
    ["--driver", "driver", r.driver],
    ["--actions", "actions", r.actions && r.actions.length > 0 ? JSON.stringify(r.actions) : undefined],
    ["--dry-run", "dryRun", r.dryRun ? "true" : undefined],
    ["--no-swap", "swap", r.noSwap ? "false" : undefined],
  ];
  const known = new Set(SETTINGS.map((x) => x.key));
  for (const [flag, key, value] of want) {
    if (value === undefined) continue;
    if (!known.has(key)) throw new UnknownSettingError(`${flag} needs the stack setting "${key}", which this version of the program does not have`);
    s[key] = value;
  }
  return s;
}

export interface SimulatedRescueRequest extends Omit<RescueSettingsRequest, "resourceGroup" | "vmName"> {
  vm: AzureVmDescription;
  nic?: AzureNicDescription | null;
  stack?: string;
  /** When the simulated run starts (default now). */
  startedAt?: Date;
}

/** Runs the simulated rescue and returns what a real run would have observed. */
export async function simulateRescue(req: SimulatedRescueRequest): Promise<RescueOutcome> {
  const arm = parseArmId(req.vm.id, "the VM's id");
  const resourceGroup = req.vm.resourceGroup ?? arm.resourceGroup;
  const vmName = req.vm.name ?? arm.name;
  const settings = rescueSettings({ ...req, resourceGroup, vmName });
  const stack = req.stack ?? rescueIdFromStack(`${vmName}-rescue`);
  const cloud = simulatedAzure({ vm: req.vm, nic: req.nic });
  const config = Object.fromEntries(Object.entries(settings).map(([k, v]) => [`${PROJECT}:${k}`, v]));
  const run = await runUnderMocks(rescueProgram, { project: PROJECT, stack, config, cloud });
  const { resources } = toPlannedResources(run.resources);
  const swapRequested = !req.noSwap && !req.dryRun;
  const fromOutputs = outcomeFromOutputs(run.outputs, swapRequested);
  const planned = fromOutputs.decision?.actions.map((a) => a.action) as TtrOptions["repairActions"];
  const { ttr, error } = planTimeToRecovery({ resources }, { repairActions: planned, noSwap: !swapRequested });

  const start = (req.startedAt ?? new Date()).getTime();
  const iso = (s: number) => new Date(start + s * 1000).toISOString();
  const byName = new Map(resources.map((r) => [r.name, r]));
  const timeline: TimelineStep[] = (ttr?.schedule ?? [])
    .filter((s) => byName.has(s.id))
    .map((s) => ({ name: s.id, type: byName.get(s.id)!.type, op: "create", status: "succeeded" as const, startedAt: iso(s.start), endedAt: iso(s.end) }));
  const upEnd = ttr?.totalSeconds ?? 0;
  const helper = resources.find((r) => r.type === "azure-native:compute:VirtualMachine");
  let end = upEnd;
  if (helper) {
    const model = loadLatencyModel();
    end = upEnd + (typeof model.azure === "object" ? Number((model.azure as Record<string, number>)["vm.delete"] ?? 0) : 0);
    timeline.push({ name: helper.name, type: helper.type, op: "delete", status: "succeeded", startedAt: iso(upEnd), endedAt: iso(end) });
  }
  return {
    cloud: "azure",
    vm: { resourceGroup, name: vmName, ...(req.vm.id ? { id: req.vm.id } : {}) },
    stack,
    mode: "simulated",
    dryRun: req.dryRun === true,
    startedAt: iso(0),
    endedAt: iso(end),
    timeline,
    ...fromOutputs,
    helperSize: settings.helperVmSize ?? (typeof helper?.inputs.hardwareProfile === "object" ? String((helper.inputs.hardwareProfile as Record<string, unknown>).vmSize ?? "") || null : null),
    helperRemoved: true,
    timeToRecovery: ttr,
    errors: [],
    warnings: [...fromOutputs.warnings, ...cloud.warnings, ...(error ? [error] : [])],
  };
}
