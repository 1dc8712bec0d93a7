import {
  awsModeOfPlan,
  awsModeledTimeToRecovery,
  awsOpsFor,
  floorSteps,
  stepsFromAwsPlan,
  type AwsPlanResource,
} from "./aws";
import { criticalPath, opSeconds, type Step } from "./model";
import { describeWithLatencyModel } from "../../tests/helpers/latencyModel";

const R = (
  type: string,
  name: string,
  dependsOn: string[] = [],
  inputs: Record<string, unknown> = {},
): AwsPlanResource => ({ type, name, dependsOn, inputs });
const V = "vm-rescue:aws:";

/** An inPlace plan's shape: the backup started, its completion beside the repair, untimed resources between. */
const inPlacePlan = [
  R(`${V}BackupSnapshot`, "x-snapshot"),
  R(`${V}BackupCompletion`, "x-backup-complete", ["x-snapshot"]),
  R(`${V}RootVolumeDetach`, "x-stop-detach", ["x-snapshot"]),
  R("aws:s3/bucket:Bucket", "x-artifacts"),
  R("aws:iam/role:Role", "x-helper-role"),
  R("aws:ec2/instance:Instance", "x-helper", ["x-helper-role"]),
  R("aws:ec2/volumeAttachment:VolumeAttachment", "x-helper-attachment", [
    "x-helper",
    "x-stop-detach",
  ]),
  R(`${V}SsmCommand`, "x-collect", ["x-helper-attachment", "x-artifacts"]),
  R(`${V}SsmCommand`, "x-repair", ["x-collect", "x-snapshot"]),
  R(`${V}RepairCheck`, "x-repair-check", ["x-repair"]),
  R(`${V}RootVolumeSwap`, "x-swap", ["x-repair-check", "x-stop-detach"]),
  R(`${V}BootVerification`, "x-verify", ["x-swap", "x-backup-complete"]),
  R(`${V}RootVolumeRollback`, "x-rollback", ["x-swap"]),
];

describe("the AWS step graph from a plan (no latency model needed)", () => {
  test("untimed resources are contracted; the rollback is not part of the rescue's time", () => {
    const steps = stepsFromAwsPlan(inPlacePlan);
    expect(steps.map((s) => s.id)).toEqual([
      "x-snapshot",
      "x-backup-complete",
      "x-stop-detach",
      "x-helper",
      "x-helper-attachment",
      "x-collect",
      "x-triage",
      "x-repair",
      "x-swap",
      "x-verify",
    ]);
    // the triage runs in the program between the collect and the repair command
    expect(steps.find((s) => s.id === "x-triage")!.dependsOn).toEqual(["x-collect"]);
    expect(steps.find((s) => s.id === "x-repair")!.dependsOn).toContain("x-triage");
    expect(steps.find((s) => s.id === "x-swap")!.dependsOn.sort()).toEqual([
      "x-repair",
      "x-stop-detach",
    ]);
    expect(steps.find((s) => s.id === "x-collect")!.dependsOn).toEqual(["x-helper-attachment"]);
  });

  test("a completion costs the snapshot's completion only after a snapshot that did not wait for it", () => {
    const byName = new Map(inPlacePlan.map((r) => [r.name, r]));
    expect(awsOpsFor(byName.get("x-backup-complete")!, byName)).toEqual([
      "aws.ebs.snapshot.complete",
    ]);
    expect(awsOpsFor(byName.get("x-snapshot")!, byName)).toEqual(["aws.ebs.snapshot.initiate"]);
    const copy = [R("aws:ebs/snapshot:Snapshot", "y-snapshot")];
    const done = R(`${V}BackupCompletion`, "y-backup-complete", ["y-snapshot"]);
    const copyByName = new Map([...copy, done].map((r) => [r.name, r]));
    expect(awsOpsFor(done, copyByName)).toEqual([]);
    expect(awsOpsFor(copy[0], copyByName)).toEqual([
      "aws.ebs.snapshot.initiate",
      "aws.ebs.snapshot.complete",
    ]);
    expect(awsModeOfPlan(inPlacePlan)).toBe("inPlace");
    expect(awsModeOfPlan(copy)).toBe("copy");
  });

  test("copy mode's stop only stops; the repair is priced by its actions; without a swap nothing starts", () => {
    const byName = new Map<string, AwsPlanResource>();
    const stop = R(`${V}RootVolumeDetach`, "x-stop", [], { stopOnly: true });
    expect(awsOpsFor(stop, byName)).toEqual(["aws.instance.stop.windows"]);
    const repair = R(`${V}SsmCommand`, "x-repair");
    expect(awsOpsFor(repair, byName, { repairActions: ["SfcOffline", "Chkdsk"] })).toEqual([
      "aws.ssm.command.overhead",
      "scripts.repair.sfc",
      "scripts.repair.chkdsk",
    ]);
    const swap = R(`${V}RootVolumeSwap`, "x-swap");
    expect(awsOpsFor(swap, byName, { noSwap: true })).toEqual([
      "aws.volume.detach",
      "aws.volume.attach",
    ]);
    expect(awsOpsFor(R(`${V}BootVerification`, "x-verify"), byName, { noSwap: true })).toEqual([]);
  });

  test("the floor keeps only the required waits, however the plan reaches them", () => {
    const steps: Step[] = [
      { id: "a-snapshot", op: "x", dependsOn: [] },
      { id: "a-stop", op: "x", dependsOn: ["a-snapshot", "a-repair"] },
      { id: "a-repair", op: "x", dependsOn: [] },
    ];
    const role = (id: string) => id.slice(2);
    const floor = floorSteps(steps, role, [{ step: "stop", waitsFor: "snapshot" }]);
    expect(floor.map((s) => s.dependsOn)).toEqual([[], ["a-snapshot"], []]);
  });
});

describeWithLatencyModel("the AWS modeled time to recovery of a plan", (model) => {
  const sum = (...ops: string[]) => ops.reduce((t, op) => t + opSeconds(model, op), 0);

  test("inPlace: the helper leads the critical path; the backup completes beside the repair", () => {
    const t = awsModeledTimeToRecovery(inPlacePlan, model);
    expect(t.criticalPath.map((p) => p.id)).toEqual([
      "x-helper",
      "x-helper-attachment",
      "x-collect",
      "x-triage",
      "x-repair",
      "x-swap",
      "x-verify",
    ]);
    expect(t.totalSeconds).toBe(
      sum(
        "aws.instance.create.windows",
        "aws.ssm.managedReady",
        "aws.volume.attach",
        "aws.ssm.command.overhead",
        "scripts.collect",
        "scripts.triage.local",
        "aws.ssm.command.overhead",
        "scripts.repair.driver",
        "aws.volume.detach",
        "aws.volume.attach",
        "aws.instance.start.windows",
        "aws.instance.statusChecks",
      ),
    );
    const done = t.schedule.find((s) => s.id === "x-backup-complete")!;
    const verify = t.schedule.find((s) => s.id === "x-verify")!;
    expect(done.end).toBeLessThanOrEqual(verify.start);
    expect(t.anchor!.name).toBe("aws.startEC2RescueWorkflow");
    expect(t.floor.totalSeconds).toBe(t.totalSeconds);
  });

  test("a wait that is not required lengthens the path above the floor", () => {
    const slow = inPlacePlan.map((r) =>
      r.name === "x-repair" ? { ...r, dependsOn: [...r.dependsOn, "x-backup-complete"] } : r,
    );
    const t = awsModeledTimeToRecovery(slow, model);
    expect(t.totalSeconds).toBeGreaterThan(t.floor.totalSeconds);
    expect(t.floor.totalSeconds).toBe(awsModeledTimeToRecovery(inPlacePlan, model).totalSeconds);
    expect(criticalPath(stepsFromAwsPlan(slow), model).path.map((p) => p.id)[1]).toBe(
      "x-backup-complete",
    );
  });
});
