/**
 * The AWS rescue's critical path from the real plan (the component under Pulumi's mocks): every
 * wait between timed steps has a recorded reason, none is rejected, every required one is there;
 * the modeled figures come from that graph and the latency model.
 */
import { planAwsOffline, type OfflinePlan } from "../src/engine/simulate/plan";
import {
  awsModeledTimeToRecovery,
  awsStepRoles,
  stepsFromAwsPlan,
  type AwsPlanResource,
} from "../src/recoveryTime/aws";
import { AWS_EDGES, type AwsMode } from "../src/recoveryTime/awsEdges";
import { auditEdges } from "../src/recoveryTime/edges";
import { criticalPath, loadLatencyModel, opSeconds, type Step } from "../src/recoveryTime/model";
import { sampleFacts } from "./helpers/awsInstances";
import { undisposedSimulationFolders } from "../src/engine/simulate/folders";
import { simulatedAwsStandbyHelper } from "../src/engine/simulate/awsStandby";
import { STEP_TYPES } from "../src/vocabulary/tokens";

const model = loadLatencyModel();
const sum = (...ops: string[]) => ops.reduce((t, op) => t + opSeconds(model, op), 0);
const plans = new Map<AwsMode, OfflinePlan>();
/** The simulated EC2 folders each plan left behind. */
const leftBehind = new Map<AwsMode, string[]>();
const planOf = async (mode: AwsMode) => {
  if (!plans.has(mode)) {
    plans.set(
      mode,
      await planAwsOffline({
        instance: sampleFacts(),
        settings: { kmsGrantConfirmed: "true", mode },
      }),
    );
    leftBehind.set(mode, undisposedSimulationFolders());
  }
  return plans.get(mode)!;
};

/** The plan's steps, with `step` (a role) also waiting for `waitsFor` (a role). */
function withWait(resources: AwsPlanResource[], step: string, waitsFor: string): Step[] {
  const steps = stepsFromAwsPlan(resources);
  const role = awsStepRoles(resources);
  const target = steps.find((s) => role(s.id) === waitsFor)!.id;
  return steps.map((s) =>
    role(s.id) === step ? { ...s, dependsOn: [...s.dependsOn, target] } : s,
  );
}

const audit = (mode: AwsMode, resources: AwsPlanResource[], steps: Step[]) =>
  auditEdges(steps, awsStepRoles(resources), AWS_EDGES[mode].reasons, AWS_EDGES[mode].rejected);

describe.each(["copy", "inPlace"] as AwsMode[])("the %s plan's step graph", (mode) => {
  test("every wait has a reason, none is rejected, every required one is there", async () => {
    const { resources } = await planOf(mode);
    expect(audit(mode, resources, stepsFromAwsPlan(resources))).toEqual({
      unjustified: [],
      rejected: [],
      missing: [],
    });
  }, 60_000);

  test("the critical path is at its floor: no step waits for what it does not need", async () => {
    const t = awsModeledTimeToRecovery((await planOf(mode)).resources, model);
    expect(t.totalSeconds).toBe(t.floor.totalSeconds);
    expect(t.anchor).toEqual({
      name: "aws.startEC2RescueWorkflow",
      seconds: expect.any(Number),
      ratio: Math.round((t.totalSeconds / t.anchor!.seconds) * 1000) / 1000,
    });
  }, 60_000);

  test("the snapshot is taken before the broken instance or its root is touched", async () => {
    const { resources } = await planOf(mode);
    const withoutBackup = stepsFromAwsPlan(resources).map((s) => ({
      ...s,
      dependsOn: s.dependsOn.filter((d) => !/-snapshot$/.test(d)),
    }));
    const missing = audit(mode, resources, withoutBackup).missing.map(
      (m) => `${m.step}<-${m.waitsFor}`,
    );
    expect(missing).toContain(mode === "copy" ? "stop<-snapshot" : "stopDetach<-snapshot");
  }, 60_000);

  test("the plan disposes of its simulated EC2 (no folder left in the temporary folder)", async () => {
    await planOf(mode);
    expect(leftBehind.get(mode)).toEqual([]);
  }, 60_000);
});

describe("AWS critical paths from the plans and the latency model", () => {
  const tail = [
    "aws.ssm.command.overhead",
    "scripts.collect",
    "scripts.triage.local",
    "aws.ssm.command.overhead",
    "scripts.repair.driver",
    "aws.volume.detach",
    "aws.volume.attach",
    "aws.instance.start.windows",
    "aws.instance.statusChecks",
  ];

  test("copy: completed snapshot → copy → attach → collect → repair → swap → verify, under 19 min; the stop is off the path", async () => {
    const { resources } = await planOf("copy");
    const t = awsModeledTimeToRecovery(resources, model);
    expect(t.criticalPath.map((p) => p.id.replace(/^.*-rescue-/, ""))).toEqual([
      "snapshot",
      "copy",
      "helper-attachment",
      "collect",
      "triage",
      "repair",
      "swap",
      "verify",
    ]);
    expect(t.totalSeconds).toBe(
      sum(
        "aws.ebs.snapshot.initiate",
        "aws.ebs.snapshot.complete",
        "aws.ebs.volume.fromSnapshot",
        "aws.volume.attach",
        ...tail,
      ),
    );
    expect(t.totalSeconds).toBeLessThanOrEqual(19 * 60);
  }, 60_000);

  test("inPlace: the helper leads; the repair does not wait for the backup's completion, the verification does; under 14 min", async () => {
    const { resources } = await planOf("inPlace");
    const t = awsModeledTimeToRecovery(resources, model);
    expect(t.criticalPath[0].id).toMatch(/-helper$/);
    expect(t.totalSeconds).toBe(
      sum("aws.instance.create.windows", "aws.ssm.managedReady", "aws.volume.attach", ...tail),
    );
    expect(t.totalSeconds).toBeLessThanOrEqual(14 * 60);
    const at = (suffix: string) => t.schedule.find((s) => s.id.endsWith(suffix))!;
    expect(at("-backup-complete").end).toBeLessThanOrEqual(at("-verify").start);
    expect(at("-repair").start).toBeLessThan(at("-backup-complete").end);
  }, 60_000);
});

describe("a wait added without a reason, or a rejected one, fails the audit", () => {
  test.each([
    ["copy", "repair", "stop"],
    ["copy", "stop", "repair"],
    ["copy", "collect", "stop"],
    ["inPlace", "repair", "backupComplete"],
    ["inPlace", "swap", "backupComplete"],
  ] as [AwsMode, string, string][])(
    "%s: %s waiting for %s",
    async (mode, step, waitsFor) => {
      const { resources } = await planOf(mode);
      const a = audit(mode, resources, withWait(resources, step, waitsFor));
      expect(a.unjustified).toContainEqual({ step, waitsFor });
      expect(a.rejected.map((r) => `${r.step}<-${r.waitsFor}`)).toContain(`${step}<-${waitsFor}`);
    },
    60_000,
  );

  test("the copy mode's former shape (the stop after the repair) is rejected and costs the stop's time", async () => {
    const { resources } = await planOf("copy");
    const before = withWait(resources, "stop", "repair");
    expect(audit("copy", resources, before).rejected).toContainEqual(
      expect.objectContaining({ step: "stop", waitsFor: "repair" }),
    );
    const now = awsModeledTimeToRecovery(resources, model).totalSeconds;
    expect(criticalPath(before, model).totalSeconds).toBe(now + sum("aws.instance.stop.windows"));
  }, 60_000);

  test("a wait between steps no table knows is unjustified", async () => {
    const { resources } = await planOf("inPlace");
    const a = audit("inPlace", resources, withWait(resources, "attach", "collect"));
    expect(a.unjustified).toContainEqual({ step: "attach", waitsFor: "collect" });
  }, 60_000);
});

describe.each(["copy", "inPlace"] as AwsMode[])("the %s plan on a standby helper", (mode) => {
  const h = simulatedAwsStandbyHelper(sampleFacts());
  let standbyPlan: OfflinePlan;
  beforeAll(async () => {
    standbyPlan = await planAwsOffline({
      instance: sampleFacts(),
      settings: {
        kmsGrantConfirmed: "true",
        mode,
        standbyHelperId: h.instanceId,
        standbyHelperSubnetId: h.subnetId,
        standbyHelperZone: h.zone,
      },
    });
  }, 60_000);

  test("the standby's start is the helper: every wait has a reason, none is rejected, none missing", () => {
    const { resources } = standbyPlan;
    expect(resources.filter((r) => r.type === "aws:ec2/instance:Instance")).toEqual([]);
    const role = awsStepRoles(resources);
    const use = resources.find((r) => r.type === STEP_TYPES.aws.standbyUse)!;
    expect(role(use.name)).toBe("helper");
    expect(audit(mode, resources, stepsFromAwsPlan(resources))).toEqual({
      unjustified: [],
      rejected: [],
      missing: [],
    });
  });

  test("a standby started only after the backup is rejected", () => {
    const { resources } = standbyPlan;
    const a = audit(mode, resources, withWait(resources, "helper", "snapshot"));
    expect(a.rejected.map((r) => `${r.step}<-${r.waitsFor}`)).toContain("helper<-snapshot");
  });

  test("the modeled time: the standby's start, not a launch, and no slower than the launched helper's plan", async () => {
    const t = awsModeledTimeToRecovery(standbyPlan.resources, model);
    expect(t.totalSeconds).toBe(t.floor.totalSeconds);
    const launched = awsModeledTimeToRecovery((await planOf(mode)).resources, model);
    expect(t.totalSeconds).toBeLessThanOrEqual(launched.totalSeconds);
    const use = t.schedule.find((x) => x.id.endsWith("-standby"))!;
    expect(use.end - use.start).toBe(sum("aws.instance.start.windows", "aws.ssm.managedReady"));
    expect(use.start).toBe(0);
    // inPlace: the launched helper led the path; a start is shorter than a launch
    if (mode === "inPlace") expect(t.totalSeconds).toBeLessThan(launched.totalSeconds);
  }, 60_000);
});
