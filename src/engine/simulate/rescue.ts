/**
 * The simulated rescue: the real program under Pulumi's mocks with the simulated Azure or AWS (the
 * colleague layers answer triage, repair, swap and verify), its outputs read back like a real
 * stack's, the evidence read back from the simulated artifacts (the bundled sample collect output
 * and repair result), and a timeline built from the modeled schedule. Nothing leaves the machine.
 */
import { LatencyModel, loadLatencyModel } from "../../recoveryTime/model";
import { PlanError } from "../../vocabulary/errors";
import { AzureNicDescription, AzureVmDescription, parseArmId } from "../../describe/azureVm";
import { AwsInstanceFacts, regionOfZone } from "../../describe/awsInstance";
import { planAwsRescue } from "../../topology/aws";
import { awsRescueOptions } from "../../clouds/aws/args";
import { awsArgsFromSettings, rescueIdFromStack, rescueProgram } from "../program";
import { PROJECT, SETTINGS, UnknownSettingError } from "../settings";
import { evidenceSources, outcomeFromOutputs } from "../../report/fromOutputs";
import { applyEvidence, readEvidence, type EvidenceRequest } from "../../report/evidence";
import { modeledTimeToRecovery, ModeledTtr, TtrOptions } from "../../recoveryTime/azure";
import { awsModeledTimeToRecovery } from "../../recoveryTime/aws";
import type { RescueOutcome, TimelineStep, VmIdentity } from "../../report/types";
import type { RepairActionName } from "../../vocabulary/repairActions";
import { sampleCollectOutput, simulatedAzure } from "./azureCloud";
import type { AwsStandbyChoice } from "./awsStandby";
import { simulatedArtifacts, simulatedRepairResult } from "./artifacts";
import { runUnderMocks, SimulatedCloud } from "./mockRun";
import { OfflinePlan, PlannedResource, toPlannedResources } from "./plan";
import { afterStandbyTeardown, withStandby, type StandbyChoice } from "./standby";

/** The modeled time to recovery of a plan, or why it could not be modeled (a warning, not an error). */
export function planTimeToRecovery(
  plan: Pick<OfflinePlan, "resources"> & Partial<Pick<OfflinePlan, "cloud">>,
  options: TtrOptions = {},
): { ttr: ModeledTtr | null; error: string | null } {
  try {
    const model = loadLatencyModel();
    if (plan.cloud === "aws")
      return { ttr: awsModeledTimeToRecovery(plan.resources, model, options), error: null };
    return { ttr: modeledTimeToRecovery(plan.resources, model, options), error: null };
  } catch (e) {
    if (e instanceof PlanError)
      return { ttr: null, error: `no modeled time to recovery: ${e.message}` };
    throw e;
  }
}

/** Which VM a rescue is for. */
export type RescueTarget =
  | { cloud: "azure"; resourceGroup: string; vmName: string }
  | {
      cloud: "aws";
      instanceId: string;
      region?: string;
      mode?: string;
      kmsGrantConfirmed?: boolean;
    };

/** The operator's choices that become stack settings. */
export interface RescueChoices {
  driver?: string;
  actions?: string[];
  dryRun?: boolean;
  noSwap?: boolean;
}

import { awsStackName } from "../stackNames";
export { awsStackName };

/**
 * The stack settings of a rescue. Throws UnknownSettingError naming the flag when the program does
 * not know the setting it needs, or does not know it for this cloud.
 */
export function rescueSettings(t: RescueTarget, c: RescueChoices = {}): Record<string, string> {
  const s: Record<string, string> =
    t.cloud === "azure"
      ? { cloud: "azure", resourceGroup: t.resourceGroup, vmName: t.vmName }
      : { cloud: "aws", instanceId: t.instanceId };
  const want: [string, string, string | undefined][] = [
    ["--driver", "driver", c.driver],
    [
      "--actions",
      "actions",
      c.actions && c.actions.length > 0 ? JSON.stringify(c.actions) : undefined,
    ],
    ["--dry-run", "dryRun", c.dryRun ? "true" : undefined],
    ["--no-swap", "swap", c.noSwap ? "false" : undefined],
  ];
  if (t.cloud === "aws")
    want.push(
      ["--region", "region", t.region],
      ["--mode", "mode", t.mode],
      ["--kms-grant-confirmed", "kmsGrantConfirmed", t.kmsGrantConfirmed ? "true" : undefined],
    );
  for (const [flag, key, value] of want) {
    if (value === undefined) continue;
    const setting = SETTINGS.find((x) => x.key === key);
    if (!setting)
      throw new UnknownSettingError(
        `${flag} needs the stack setting "${key}", which this version of the program does not have`,
      );
    if (!setting.clouds.includes(t.cloud))
      throw new UnknownSettingError(
        `${flag} is not available on ${t.cloud} (the setting "${key}" is for ${setting.clouds.join(", ")})`,
      );
    s[key] = value;
  }
  return s;
}

interface SimulatedCommon extends RescueChoices {
  stack?: string;
  /** When the simulated run starts (default now). */
  startedAt?: Date;
}

export interface SimulatedRescueRequest extends SimulatedCommon {
  vm: AzureVmDescription;
  nic?: AzureNicDescription | null;
  /** The VM bug-checks again on the repaired disk (a repair that missed the cause). */
  recrash?: boolean;
  /** Rescue on a standby helper the simulated cloud holds (`standby.ts`). */
  standby?: StandbyChoice;
}

export interface SimulatedAwsRescueRequest extends SimulatedCommon {
  instance: AwsInstanceFacts;
  region?: string;
  mode?: string;
  /** Unset: the simulation assumes it for an encrypted root and says so in a warning. */
  kmsGrantConfirmed?: boolean;
  /** Rescue on a standby helper the simulated EC2 holds stopped (`awsStandby.ts`). */
  standby?: AwsStandbyChoice;
}

/** What the cloud-specific part hands to {@link simulatedOutcome}. */
interface SimulatedRun {
  cloud: RescueOutcome["cloud"];
  vm: VmIdentity;
  stack: string;
  settings: Record<string, string>;
  simulated: SimulatedCloud & {
    warnings: string[];
    /** What the simulated scripts shipped to the artifacts location, by URL. */
    shipped?: ReadonlyMap<string, string | Uint8Array>;
  };
  collectOutput: unknown;
  evidence: Omit<EvidenceRequest, "stackActions">;
  ttr(
    resources: PlannedResource[],
    repairActions: TtrOptions["repairActions"],
    noSwap: boolean,
  ): ModeledTtr;
  /** Timeline name and type of a schedule step (null: not shown). */
  stepOf(
    id: string,
    resources: Map<string, PlannedResource>,
  ): { name: string; type: string } | null;
  helperType: string;
  helperSize(helper: PlannedResource | undefined): string | null;
  deleteSeconds(model: LatencyModel): number;
  warnings: string[];
}

function modelSeconds(model: LatencyModel, group: string, key: string): number {
  const g = (model as unknown as Record<string, unknown>)[group];
  return typeof g === "object" && g !== null ? Number((g as Record<string, number>)[key] ?? 0) : 0;
}

/** Runs the program under mocks, reads the evidence back and builds the outcome. */
async function simulatedOutcome(req: SimulatedCommon, r: SimulatedRun): Promise<RescueOutcome> {
  const config = Object.fromEntries(
    Object.entries(r.settings).map(([k, v]) => [`${PROJECT}:${k}`, v]),
  );
  const run = await runUnderMocks(rescueProgram, {
    project: PROJECT,
    stack: r.stack,
    config,
    cloud: r.simulated,
    timeoutMs: 60_000,
  });
  const { resources } = toPlannedResources(run.resources);
  const swapRequested = !req.noSwap && !req.dryRun;
  const fromOutputs = outcomeFromOutputs(run.outputs, swapRequested);
  const planned = (fromOutputs.decision?.actions ?? []).map((a) => a.action);
  const artifacts = run.outputs.artifactsLocation;
  const sources = {
    ...evidenceSources(run.outputs),
    filesBase: typeof artifacts === "string" && artifacts !== "" ? artifacts : null,
  };
  const reader = simulatedArtifacts(
    sources,
    r.collectOutput,
    simulatedRepairResult(planned, req.dryRun === true),
    r.simulated.shipped,
  );
  const evidence = await readEvidence(reader, sources, { ...r.evidence, stackActions: planned });
  const withEvidence = applyEvidence(fromOutputs, evidence);

  let ttr: ModeledTtr | null = null;
  let ttrError: string | null = null;
  try {
    ttr = r.ttr(resources, planned as TtrOptions["repairActions"], !swapRequested);
  } catch (e) {
    if (!(e instanceof PlanError)) throw e;
    ttrError = `no modeled time to recovery: ${e.message}`;
  }
  const start = (req.startedAt ?? new Date()).getTime();
  const iso = (s: number) => new Date(start + s * 1000).toISOString();
  const byName = new Map(resources.map((x) => [x.name, x]));
  const timeline: TimelineStep[] = (ttr?.schedule ?? []).flatMap((s) => {
    const step = r.stepOf(s.id, byName);
    return step
      ? [
          {
            ...step,
            op: "create",
            status: "succeeded" as const,
            startedAt: iso(s.start),
            endedAt: iso(s.end),
          },
        ]
      : [];
  });
  timeline.sort(
    (a, b) => a.startedAt.localeCompare(b.startedAt) || a.endedAt.localeCompare(b.endedAt),
  );
  const upEnd = ttr?.totalSeconds ?? 0;
  const helper = resources.find((x) => x.type === r.helperType);
  let end = upEnd;
  if (helper) {
    end = upEnd + (ttr ? r.deleteSeconds(loadLatencyModel()) : 0);
    timeline.push({
      name: helper.name,
      type: helper.type,
      op: "delete",
      status: "succeeded",
      startedAt: iso(upEnd),
      endedAt: iso(end),
    });
  }
  return {
    cloud: r.cloud,
    vm: r.vm,
    stack: r.stack,
    mode: "simulated",
    dryRun: req.dryRun === true,
    startedAt: iso(0),
    endedAt: iso(end),
    timeline,
    ...withEvidence,
    helperSize: r.helperSize(helper),
    helperRemoved: true,
    timeToRecovery: ttr,
    errors: [],
    warnings: [
      ...r.warnings,
      ...withEvidence.warnings,
      ...r.simulated.warnings,
      ...(ttrError ? [ttrError] : []),
    ],
  };
}

/** Runs the simulated Azure rescue and returns what a real run would have observed. */
export async function simulateRescue(req: SimulatedRescueRequest): Promise<RescueOutcome> {
  const arm = parseArmId(req.vm.id, "the VM's id");
  const resourceGroup = req.vm.resourceGroup ?? arm.resourceGroup;
  const vmName = req.vm.name ?? arm.name;
  const stack = req.stack ?? rescueIdFromStack(`${vmName}-rescue`);
  const base = rescueSettings({ cloud: "azure", resourceGroup, vmName }, req);
  const { standby, settings } = withStandby(req.standby, base, stack, req.vm, req.nic);
  const simulated = simulatedAzure({ vm: req.vm, nic: req.nic, standbyHelper: standby });
  if (req.recrash)
    simulated.compute.behaviour.set(`${arm.resourceGroup}/${arm.name}`.toLowerCase(), "bsod");
  const outcome = await simulatedOutcome(req, {
    cloud: "azure",
    vm: { resourceGroup, name: vmName, ...(req.vm.id ? { id: req.vm.id } : {}) },
    stack,
    settings,
    simulated,
    collectOutput: sampleCollectOutput(),
    evidence: {
      cloud: "azure",
      choice: {
        driver: req.driver,
        actions: req.actions as RepairActionName[] | undefined,
        dryRun: req.dryRun,
      },
    },
    ttr: (resources, repairActions, noSwap) =>
      modeledTimeToRecovery(resources, loadLatencyModel(), { repairActions, noSwap }),
    stepOf: (id, byName) => (byName.has(id) ? { name: id, type: byName.get(id)!.type } : null),
    helperType: "azure-native:compute:VirtualMachine",
    helperSize: (helper) =>
      settings.helperVmSize ??
      (typeof helper?.inputs.hardwareProfile === "object"
        ? String((helper.inputs.hardwareProfile as Record<string, unknown>).vmSize ?? "") || null
        : null),
    deleteSeconds: (model) => modelSeconds(model, "azure", "vm.delete"),
    warnings: [],
  });
  return afterStandbyTeardown(outcome, simulated, standby);
}

/**
 * Runs the simulated AWS rescue. An encrypted root needs `kmsGrantConfirmed`; the simulation touches
 * no KMS key, so when it is not given it is assumed and the outcome says so in a warning.
 */
export async function simulateAwsRescue(req: SimulatedAwsRescueRequest): Promise<RescueOutcome> {
  // The simulated EC2 (and its SDK) is loaded only for an AWS rescue.
  const { sampleAwsCollect, simulatedAws } = require("./awsCloud") as typeof import("./awsCloud");
  const { afterAwsStandbyTeardown, withAwsStandby, withSimulatedStandby } =
    require("./awsStandby") as typeof import("./awsStandby");
  const i = req.instance;
  const warnings: string[] = [];
  let kms = req.kmsGrantConfirmed;
  if (kms === undefined && i.root?.encrypted === true) {
    kms = true;
    warnings.push(
      `simulation: kmsGrantConfirmed=true was assumed for the encrypted root ${i.root.volumeId}${i.root.kmsKeyId ? ` (${i.root.kmsKeyId})` : ""}; a real run needs --kms-grant-confirmed once the deploying identity may use that key`,
    );
  }
  const target = {
    cloud: "aws" as const,
    instanceId: i.instanceId,
    region: req.region,
    mode: req.mode,
    kmsGrantConfirmed: kms,
  };
  const { standby, settings } = withAwsStandby(req.standby, rescueSettings(target, req), i);
  const stack = req.stack ?? awsStackName(i.instanceId);
  // Preflight with the planner the component runs, so a bad instance or option fails before anything runs.
  const args = awsArgsFromSettings((k) => settings[k], stack);
  planAwsRescue({ instance: i }, awsRescueOptions(args, args.rescueId as string));
  const cloud = simulatedAws({ instance: i });
  try {
    const simulated = withSimulatedStandby(cloud, standby);
    const outcome = await simulatedOutcome(req, {
      cloud: "aws",
      vm: {
        instanceId: i.instanceId,
        region: req.region ?? regionOfZone(i.availabilityZone),
        ...(i.instanceType ? { instanceType: i.instanceType } : {}),
      },
      stack,
      settings,
      simulated,
      collectOutput: sampleAwsCollect(),
      evidence: {
        cloud: "aws",
        instanceType: i.instanceType,
        choice: { driver: req.driver, dryRun: req.dryRun },
      },
      ttr: (resources, repairActions, noSwap) =>
        awsModeledTimeToRecovery(resources, loadLatencyModel(), { repairActions, noSwap }),
      // The triage runs in the program, no resource of its own (src/recoveryTime/aws.ts).
      stepOf: (id, byName) =>
        byName.has(id)
          ? { name: id, type: byName.get(id)!.type }
          : /-triage$/.test(id)
            ? { name: id, type: "modeled: triage, driver check and repair plan (local)" }
            : null,
      helperType: "aws:ec2/instance:Instance",
      helperSize: (helper) =>
        typeof helper?.inputs.instanceType === "string"
          ? helper.inputs.instanceType
          : (settings.helperInstanceType ?? null),
      deleteSeconds: (model) => modelSeconds(model, "aws", "instance.terminate"),
      warnings,
    });
    return await afterAwsStandbyTeardown(outcome, simulated, standby);
  } finally {
    cloud.dispose();
  }
}
