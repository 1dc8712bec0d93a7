/**
 * Modeled time to recovery of the AWS rescue: the step DAG `AwsWindowsRescue` creates for each mode,
 * priced by the shared latency model (`aws.*`, `scripts.*`), beside the
 * AWSSupport-StartEC2RescueWorkflow anchor flow.
 */
import type { AwsRescueMode } from "../topology/aws";
import { anchorFlowSeconds, criticalPath, CriticalPath, LatencyModel, Step } from "./model";

/** The repair script's work by default: the sample story disables one driver. */
const DEFAULT_REPAIR_OPS = ["scripts.repair.driver"];

/**
 * The steps of the rescue in `mode`, with the dependencies the component gives its resources.
 * Copy: the copy is made from the completed snapshot, the helper boots meanwhile; the broken
 * instance is stopped and its root detached only once the repair command has succeeded (a failed
 * repair leaves it untouched; the stop is on the critical path, the price of that guarantee). With `swap=false` (or a dry run) copy mode has no stop,
 * detach, swap or verification at all. inPlace: stop and detach follow the snapshot's start; only
 * the repair waits for its completion; the root always goes back (verified only with a swap).
 */
export function awsRescueSteps(
  mode: AwsRescueMode,
  repairOps: string[] = DEFAULT_REPAIR_OPS,
  swap = true,
): Step[] {
  const shared: Step[] = [
    { id: "helper", op: "aws.instance.create.windows", dependsOn: [] },
    { id: "ssmReady", op: "aws.ssm.managedReady", dependsOn: ["helper"] },
    {
      id: "collect",
      op: ["aws.ssm.command.overhead", "scripts.collect"],
      dependsOn: ["attach", "ssmReady"],
    },
    { id: "triage", op: "scripts.triage.local", dependsOn: ["collect"] },
  ];
  const verify: Step[] = swap
    ? [{ id: "verify", op: "aws.instance.statusChecks", dependsOn: ["swap"] }]
    : [];
  if (mode === "copy") {
    const swapSteps: Step[] = swap
      ? [
          {
            id: "stopDetach",
            op: ["aws.instance.stop.windows", "aws.volume.detach"],
            dependsOn: ["snapshot", "repair"],
          },
          {
            id: "swap",
            op: ["aws.volume.detach", "aws.volume.attach", "aws.instance.start.windows"],
            dependsOn: ["repair", "stopDetach"],
          },
          ...verify,
        ]
      : [];
    return [
      {
        id: "snapshot",
        op: ["aws.ebs.snapshot.initiate", "aws.ebs.snapshot.complete"],
        dependsOn: [],
      },
      { id: "copyVolume", op: "aws.ebs.volume.fromSnapshot", dependsOn: ["snapshot"] },
      { id: "attach", op: "aws.volume.attach", dependsOn: ["copyVolume", "helper"] },
      { id: "repair", op: ["aws.ssm.command.overhead", ...repairOps], dependsOn: ["triage"] },
      ...swapSteps,
      ...shared,
    ];
  }
  return [
    { id: "snapshot", op: "aws.ebs.snapshot.initiate", dependsOn: [] },
    { id: "snapshotComplete", op: "aws.ebs.snapshot.complete", dependsOn: ["snapshot"] },
    {
      id: "stopDetach",
      op: ["aws.instance.stop.windows", "aws.volume.detach"],
      dependsOn: ["snapshot"],
    },
    { id: "attach", op: "aws.volume.attach", dependsOn: ["stopDetach", "helper"] },
    {
      id: "repair",
      op: ["aws.ssm.command.overhead", ...repairOps],
      dependsOn: ["triage", "snapshotComplete"],
    },
    swap
      ? {
          id: "swap",
          op: ["aws.volume.detach", "aws.volume.attach", "aws.instance.start.windows"],
          dependsOn: ["repair"],
        }
      : { id: "swap", op: ["aws.volume.detach", "aws.volume.attach"], dependsOn: ["repair"] },
    ...verify,
    ...shared,
  ];
}

export interface AwsTtrComparison {
  mode: AwsRescueMode;
  critical: CriticalPath;
  anchorSeconds: number;
  /** critical path / anchor flow: below 1 is faster than the runbook with a person in the loop. */
  ratio: number;
}

/** Critical path of `mode` beside `aws.startEC2RescueWorkflow`. */
export function awsTimeToRecovery(
  mode: AwsRescueMode,
  model: LatencyModel,
  repairOps?: string[],
): AwsTtrComparison {
  const critical = criticalPath(awsRescueSteps(mode, repairOps, true), model);
  const anchorSeconds = anchorFlowSeconds(model, "aws.startEC2RescueWorkflow");
  return { mode, critical, anchorSeconds, ratio: critical.totalSeconds / anchorSeconds };
}
