/**
 * The offline plan: runs the real program under Pulumi's mocks, seeded with the operator's VM
 * description, and reports what `pulumi up` would create, in order, with each resource's inputs,
 * what it waits for and whether it outlives the stack.
 */
import { planAzureRescue } from "../../topology/azure";
import { withStandbyChecked } from "../../clouds/azure/standbyArgs";
import { plannedStandby } from "./standby";
import {
  AzureNicDescription,
  AzureVmDescription,
  parseArmId,
  primaryNicId,
} from "../../describe/azureVm";
import { azureRescueOptions } from "../../clouds/azure/args";
import { azureArgsFromSettings, rescueIdFromStack, rescueProgram } from "../program";
import { checkSettings, PROJECT } from "../settings";
import { placeholderNic, simulatedAzure } from "./azureCloud";
import { RecordedResource, runUnderMocks } from "./mockRun";
import { planAwsRescue } from "../../topology/aws";
import { AwsInstanceFacts } from "../../describe/awsInstance";
import { awsRescueOptions } from "../../clouds/aws/args";
import { awsArgsFromSettings } from "../program";
import { checkAwsStandbyFit } from "../../topology/awsStandby";
import type { StackOutputs } from "../../vocabulary/outputs";

export interface PlannedResource {
  type: string;
  /** Logical name. */
  name: string;
  inputs: Record<string, unknown>;
  /** Logical names of the resources it waits for (explicit or through its inputs). */
  dependsOn: string[];
  /** True when `pulumi destroy` leaves it in the cloud. */
  retainOnDelete: boolean;
}

/** What the real triage and planner decide on the simulated collect output (the bundled sample story). */
export interface PlannedRepair {
  /** One line per minidump: bug check and culprit. */
  triageSummary: string[];
  /** The repair actions repair.ps1 would run, in order. */
  repairActions: string[];
  /** Each chosen action with its reason, then the planner's notes. */
  decision: string[];
  /** Guest-driver findings. */
  findings: string[];
  gate: { allowed: boolean; reasons: string[] };
  /** In the simulation the swap and the boot verification succeed whenever the gate allows. */
  swapped: boolean;
  booted: boolean;
}

export interface OfflinePlan {
  cloud: "azure" | "aws";
  stack: string;
  component: { type: string; name: string } | null;
  resources: PlannedResource[];
  warnings: string[];
  /** The repair the chain would run on the sample collect output. */
  repair?: PlannedRepair;
}

/** The repair part of the program's outputs, when it has one. */
export function plannedRepair(outputs: StackOutputs): PlannedRepair | undefined {
  if (!Array.isArray(outputs.repairActions) && !Array.isArray(outputs.decision)) return undefined;
  const list = (k: keyof StackOutputs) =>
    Array.isArray(outputs[k]) ? (outputs[k] as string[]) : [];
  const decision = list("decision");
  // Without an action list, the decision lines ("Action: reason"; notes "none: ...") name the actions.
  const actions = Array.isArray(outputs.repairActions)
    ? list("repairActions")
    : [
        ...new Set(
          decision
            .map((d) => /^([A-Za-z]+): /.exec(d)?.[1])
            .filter((a): a is string => !!a && a !== "none" && a !== "note"),
        ),
      ];
  return {
    triageSummary: list("triageSummary"),
    repairActions: actions,
    decision,
    findings: list("findings"),
    gate: (outputs.gate as PlannedRepair["gate"]) ?? {
      allowed: outputs.swapped === true,
      reasons: [],
    },
    swapped: outputs.swapped === true,
    booted: outputs.booted === true,
  };
}

export interface AzurePlanRequest {
  vm: AzureVmDescription;
  nic?: AzureNicDescription | null;
  /** Settings (`--set key=value`), keys without namespace. */
  settings?: Record<string, string>;
  stack?: string;
}

/** Turns recorded registrations into the plan's resource list (custom resources, registration order). */
export function toPlannedResources(recorded: RecordedResource[]): {
  component: OfflinePlan["component"];
  resources: PlannedResource[];
} {
  const nameByUrn = new Map(recorded.map((r) => [r.urn, r.name]));
  const component =
    recorded.find((r) => !r.custom && r.parent === null) ?? recorded.find((r) => !r.custom) ?? null;
  const resources = recorded
    .filter((r) => r.custom)
    .map((r) => ({
      type: r.type,
      name: r.name,
      inputs: r.inputs,
      dependsOn: [...new Set(r.dependencies.map((u) => nameByUrn.get(u) ?? u))].filter(
        (n) => n !== component?.name,
      ),
      retainOnDelete: r.retainOnDelete,
    }));
  return {
    component: component ? { type: component.type, name: component.name } : null,
    resources,
  };
}

/**
 * Plans the Azure rescue of the described VM. Throws `PlanError` (a VM that cannot be rescued, a bad
 * option) or `UnknownSettingError` before anything runs.
 */
export async function planAzureOffline(req: AzurePlanRequest): Promise<OfflinePlan> {
  const vmArm = parseArmId(req.vm.id, "the VM's id");
  const settings: Record<string, string> = {
    cloud: "azure",
    resourceGroup: req.vm.resourceGroup ?? vmArm.resourceGroup,
    vmName: req.vm.name ?? vmArm.name,
    ...(req.settings ?? {}),
  };
  checkSettings(settings);
  const stack = req.stack ?? rescueIdFromStack(`${settings.vmName}-rescue`);
  const args = azureArgsFromSettings((k) => settings[k], stack);
  // Preflight with the same planner the component runs, so bad input fails before anything is registered.
  const nicId = primaryNicId(req.vm);
  const nic =
    req.nic ??
    (nicId
      ? placeholderNic(
          vmArm.subscriptionId,
          parseArmId(nicId, "the NIC id").resourceGroup,
          parseArmId(nicId, "the NIC id").name,
        )
      : null);
  const preflight = withStandbyChecked(
    args,
    planAzureRescue({ vm: req.vm, nic }, azureRescueOptions(args, args.rescueId as string)),
  );

  const standbyHelper = plannedStandby(args, preflight.location);
  const cloud = simulatedAzure({ vm: req.vm, nic: req.nic, standbyHelper });
  const config = Object.fromEntries(
    Object.entries(settings).map(([k, v]) => [`${PROJECT}:${k}`, v]),
  );
  const run = await runUnderMocks(rescueProgram, { project: PROJECT, stack, config, cloud });
  const { component, resources } = toPlannedResources(run.resources);
  const outputWarnings = Array.isArray(run.outputs.warnings)
    ? (run.outputs.warnings as string[])
    : preflight.warnings;
  return {
    cloud: "azure",
    stack,
    component,
    resources,
    warnings: [...outputWarnings, ...cloud.warnings],
    repair: plannedRepair(run.outputs),
  };
}

export interface AwsPlanRequest {
  /** The instance (describe-instances, plus describe-volumes for the root), normalised. */
  instance: AwsInstanceFacts;
  /** Settings (`--set key=value`), keys without namespace. */
  settings?: Record<string, string>;
  stack?: string;
}

/**
 * Plans the AWS rescue of the described instance. Throws `PlanError` (an instance that cannot be
 * rescued, a bad option) or `UnknownSettingError` before anything runs.
 */
export async function planAwsOffline(req: AwsPlanRequest): Promise<OfflinePlan> {
  // The simulated EC2 (and its SDK) is loaded only for an AWS plan.
  const { simulatedAws } = require("./awsCloud") as typeof import("./awsCloud");
  const { plannedAwsStandby, withSimulatedStandby } =
    require("./awsStandby") as typeof import("./awsStandby");
  const settings: Record<string, string> = {
    cloud: "aws",
    instanceId: req.instance.instanceId,
    ...(req.settings ?? {}),
  };
  checkSettings(settings);
  const stack =
    req.stack ?? rescueIdFromStack(`${req.instance.tags.Name ?? req.instance.instanceId}-rescue`);
  const args = awsArgsFromSettings((k) => settings[k], stack);
  // Malformed standby arguments first, as the component checks them before it registers.
  const standby = plannedAwsStandby(args);
  const preflight = planAwsRescue(
    { instance: req.instance },
    awsRescueOptions(args, args.rescueId as string),
  );

  // A standby helper that does not fit is refused here, as the component refuses it.
  if (standby)
    checkAwsStandbyFit(standby, {
      instanceId: preflight.source.instanceId,
      availabilityZone: preflight.availabilityZone,
    });
  const ec2 = simulatedAws({ instance: req.instance });
  const config = Object.fromEntries(
    Object.entries(settings).map(([k, v]) => [`${PROJECT}:${k}`, v]),
  );
  let run: Awaited<ReturnType<typeof runUnderMocks>>;
  let cloud: ReturnType<typeof withSimulatedStandby>;
  try {
    cloud = withSimulatedStandby(ec2, standby);
    run = await runUnderMocks(rescueProgram, {
      project: PROJECT,
      stack,
      config,
      cloud,
      timeoutMs: 60_000,
    });
  } finally {
    ec2.dispose();
  }
  const { component, resources } = toPlannedResources(run.resources);
  const outputWarnings = Array.isArray(run.outputs.warnings)
    ? (run.outputs.warnings as string[])
    : preflight.warnings;
  return {
    cloud: "aws",
    stack,
    component,
    resources,
    warnings: [...outputWarnings, ...cloud.warnings],
    repair: plannedRepair(run.outputs),
  };
}
