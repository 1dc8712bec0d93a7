/**
 * Modeled time to recovery of the AWS rescue, from its plan: the resources `AwsWindowsRescue`
 * registers (the offline plan under Pulumi's mocks, with the dependencies Pulumi records) become a
 * DAG of steps priced by the shared latency model (`aws.*`, `scripts.*`); resources that take no
 * modeled time (the bucket and its settings, the IAM role, the security group, the SSM documents,
 * the check after the repair) are contracted: their dependents wait for what they waited for. The
 * critical path is compared with the AWSSupport-StartEC2RescueWorkflow anchor flow, and the floor
 * is the same graph with only the waits the rescue cannot do without (`awsEdges.ts`).
 */
import { criticalPath, type LatencyModel, type PathStep, type Step } from "./model";
import {
  REPAIR_ACTION_OPS,
  ttrFromSteps,
  type ModeledTtr,
  type PlanResourceShape,
  type TtrOptions,
} from "./azure";
import type { RepairActionName } from "../vocabulary/repairActions";
import { STEP_TYPES } from "../vocabulary/tokens";
import { AWS_EDGES, type AwsMode } from "./awsEdges";

export const AWS_ANCHOR_FLOW = "aws.startEC2RescueWorkflow";

/** A planned resource with the inputs the mapping reads (`OfflinePlan.resources[]`). */
export interface AwsPlanResource extends PlanResourceShape {
  inputs?: Record<string, unknown>;
}

/** The roles of the timed (or audited) AWS resources, as the edge tables name them. */
export type AwsRole =
  | "snapshot"
  | "backupComplete"
  | "copy"
  | "helper"
  | "attach"
  | "collect"
  | "triage"
  | "repair"
  | "repairCheck"
  | "stop"
  | "stopDetach"
  | "swap"
  | "verify";

/**
 * The role of a planned AWS resource, by its type (and, for the commands and volumes, its name's
 * last segment), or null for a resource the rescue's time does not depend on (the rollback and
 * its volume only exist with rollback=true and run after the verification).
 */
export function awsRoleOf(r: AwsPlanResource): AwsRole | null {
  const name = r.name.toLowerCase();
  switch (r.type) {
    case "aws:ebs/snapshot:Snapshot":
    case STEP_TYPES.aws.backupSnapshot:
      return "snapshot";
    case STEP_TYPES.aws.backupCompletion:
      return "backupComplete";
    case "aws:ebs/volume:Volume":
      return /-copy$/.test(name) ? "copy" : null;
    case "aws:ec2/instance:Instance":
    case STEP_TYPES.aws.standbyUse:
      return "helper";
    case "aws:ec2/volumeAttachment:VolumeAttachment":
      return "attach";
    case STEP_TYPES.aws.command:
      return /-collect$/.test(name) ? "collect" : /-repair$/.test(name) ? "repair" : null;
    case STEP_TYPES.aws.repairCheck:
      return "repairCheck";
    case STEP_TYPES.aws.detach:
      return r.inputs?.stopOnly === true ? "stop" : "stopDetach";
    case STEP_TYPES.aws.swap:
      return "swap";
    case STEP_TYPES.aws.bootVerification:
      return "verify";
  }
  return null;
}

function repairOps(actions: readonly RepairActionName[] | undefined): string[] {
  const ops = [
    ...new Set((actions ?? []).map((a) => REPAIR_ACTION_OPS[a]).filter((x): x is string => !!x)),
  ];
  return ops.length > 0 ? ops : ["scripts.repair.driver"];
}

/** The two detaches of the swap (the repaired volume off the helper, the old root off the instance) run at once. */
export const AWS_SWAP_OPS = [
  "aws.volume.detach",
  "aws.volume.attach",
  "aws.instance.start.windows",
];

/**
 * The latency-model operations of one planned resource ([] when it takes no modeled time).
 * `byName` resolves what a completion waits for: an `ebs.Snapshot` (copy mode) already waited for
 * the completion, a `BackupSnapshot` (inPlace) did not.
 */
export function awsOpsFor(
  r: AwsPlanResource,
  byName: ReadonlyMap<string, AwsPlanResource>,
  options: AwsTtrOptions = {},
): string[] {
  switch (awsRoleOf(r)) {
    case "snapshot":
      return r.type === STEP_TYPES.aws.backupSnapshot
        ? ["aws.ebs.snapshot.initiate"]
        : ["aws.ebs.snapshot.initiate", "aws.ebs.snapshot.complete"];
    case "backupComplete":
      return r.dependsOn.some((d) => byName.get(d)?.type === STEP_TYPES.aws.backupSnapshot)
        ? ["aws.ebs.snapshot.complete"]
        : [];
    case "copy":
      return ["aws.ebs.volume.fromSnapshot"];
    case "helper":
      // launched (a standby helper: started), booted and registered with SSM: the commands wait for it
      return r.type === STEP_TYPES.aws.standbyUse
        ? ["aws.instance.start.windows", "aws.ssm.managedReady"]
        : ["aws.instance.create.windows", "aws.ssm.managedReady"];
    case "attach":
      return ["aws.volume.attach"];
    case "collect":
      return ["aws.ssm.command.overhead", "scripts.collect"];
    case "repair":
      return ["aws.ssm.command.overhead", ...repairOps(options.repairActions)];
    case "stop":
      return ["aws.instance.stop.windows"];
    case "stopDetach":
      return ["aws.instance.stop.windows", "aws.volume.detach"];
    case "swap":
      // without a swap (inPlace) the root only goes back: no start
      return options.noSwap ? ["aws.volume.detach", "aws.volume.attach"] : AWS_SWAP_OPS;
    case "verify":
      return options.noSwap ? [] : ["aws.instance.statusChecks"];
    default:
      return [];
  }
}

export type AwsTtrOptions = Pick<TtrOptions, "repairActions" | "noSwap">;

/**
 * The step DAG of an AWS plan: one step per resource with modeled time (its id is the resource's
 * name), waits through untimed resources contracted.
 */
export function stepsFromAwsPlan(
  resources: readonly AwsPlanResource[],
  options: AwsTtrOptions = {},
): Step[] {
  const byName = new Map(resources.map((r) => [r.name, r]));
  const ops = new Map(resources.map((r) => [r.name, awsOpsFor(r, byName, options)]));
  const memo = new Map<string, string[]>();
  const timedDeps = (name: string, seen: ReadonlySet<string>): string[] => {
    const known = memo.get(name);
    if (known) return known;
    const out = new Set<string>();
    for (const d of byName.get(name)?.dependsOn ?? []) {
      if (!byName.has(d) || seen.has(d)) continue;
      if (ops.get(d)!.length > 0) out.add(d);
      else for (const x of timedDeps(d, new Set([...seen, name]))) out.add(x);
    }
    const list = [...out];
    memo.set(name, list);
    return list;
  };
  return resources
    .filter((r) => ops.get(r.name)!.length > 0)
    .flatMap((r) => {
      const step = { id: r.name, op: ops.get(r.name)!, dependsOn: timedDeps(r.name, new Set()) };
      if (awsRoleOf(r) !== "repair") return [step];
      // The triage, driver check and repair plan run in the program, from the collect's output,
      // before the repair command can be sent: a step of their own, waiting for the collect.
      const collect = step.dependsOn.filter((d) => awsRoleOf(byName.get(d)!) === "collect");
      const triage = { id: triageIdOf(r.name), op: ["scripts.triage.local"], dependsOn: collect };
      return [triage, { ...step, dependsOn: [...step.dependsOn, triage.id] }];
    });
}

/** The id of the in-program triage step before the repair `repairName` (`<id>-repair` → `<id>-triage`). */
export function triageIdOf(repairName: string): string {
  return `${repairName.replace(/-repair$/, "")}-triage`;
}

/** The role of a step of {@link stepsFromAwsPlan} (its resource's), for the edge audit. */
export function awsStepRoles(resources: readonly AwsPlanResource[]): (id: string) => string | null {
  const roles = new Map<string, string | null>(resources.map((r) => [r.name, awsRoleOf(r)]));
  for (const r of resources) if (awsRoleOf(r) === "repair") roles.set(triageIdOf(r.name), "triage");
  return (id) => roles.get(id) ?? null;
}

export interface AwsModeledTtr extends ModeledTtr {
  /** The critical path with only the waits the rescue cannot do without (the required edges). */
  floor: { totalSeconds: number; criticalPath: PathStep[] };
}

/** A wait the floor keeps: `step` waits for `waitsFor` (roles). */
export interface RequiredWait {
  step: string;
  waitsFor: string;
}

/**
 * The same steps, each waiting only for the steps whose role it is required to wait for
 * (`required` edges of the mode's table), however the plan reaches them.
 */
export function floorSteps(
  steps: readonly Step[],
  roleOf: (id: string) => string | null,
  required: readonly RequiredWait[],
): Step[] {
  return steps.map((s) => {
    const role = roleOf(s.id);
    const needs = new Set(required.filter((r) => r.step === role).map((r) => r.waitsFor));
    return {
      ...s,
      dependsOn: steps
        .filter((d) => d.id !== s.id && needs.has(roleOf(d.id) ?? ""))
        .map((d) => d.id),
    };
  });
}

/** The mode of a planned AWS rescue: inPlace starts its backup without waiting (`BackupSnapshot`). */
export function awsModeOfPlan(resources: readonly AwsPlanResource[]): AwsMode {
  return resources.some((r) => r.type === STEP_TYPES.aws.backupSnapshot) ? "inPlace" : "copy";
}

/**
 * Modeled time to recovery of an AWS plan beside `aws.startEC2RescueWorkflow`, with the floor: the
 * same steps waiting only for the required waits of the plan's mode (`awsEdges.ts`).
 */
export function awsModeledTimeToRecovery(
  resources: readonly AwsPlanResource[],
  model: LatencyModel,
  options: AwsTtrOptions = {},
): AwsModeledTtr {
  const steps = stepsFromAwsPlan(resources, options);
  const ttr = ttrFromSteps(steps, model, AWS_ANCHOR_FLOW);
  const required = AWS_EDGES[awsModeOfPlan(resources)].reasons.filter((r) => r.required);
  const floor = criticalPath(floorSteps(steps, awsStepRoles(resources), required), model);
  return { ...ttr, floor: { totalSeconds: floor.totalSeconds, criticalPath: floor.path } };
}
