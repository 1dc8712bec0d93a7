import { awsRescueSteps, awsTimeToRecovery } from "./aws";

import { describeWithLatencyModel } from "../../tests/helpers/latencyModel";

describeWithLatencyModel(
  "modeled time to recovery of the AWS rescue (shared latency model)",
  (model) => {
    describe("modeled time to recovery of the AWS rescue", () => {
      test("copy: the completed snapshot starts the critical path, the helper boots meanwhile", () => {
        const t = awsTimeToRecovery("copy", model);
        const ids = t.critical.path.map((s) => s.id);
        expect(ids[0]).toBe("snapshot");
        expect(t.critical.path[0].seconds).toBe(605);
        expect(ids).not.toContain("helper");
        expect(ids.slice(-2)).toEqual(["swap", "verify"]);
      });

      test("inPlace: stop and detach follow the snapshot's start; the repair waits for its completion", () => {
        const steps = awsRescueSteps("inPlace");
        expect(steps.find((s) => s.id === "stopDetach")!.dependsOn).toEqual(["snapshot"]);
        expect(steps.find((s) => s.id === "repair")!.dependsOn).toContain("snapshotComplete");
      });

      test("both modes beat the runbook with a person in the loop; inPlace is not slower than copy", () => {
        const copy = awsTimeToRecovery("copy", model);
        const inPlace = awsTimeToRecovery("inPlace", model);
        expect(copy.ratio).toBeLessThan(1);
        expect(inPlace.critical.totalSeconds).toBeLessThanOrEqual(copy.critical.totalSeconds);
      });
    });
  },
);

describe("the AWS rescue's step DAG (no latency model needed)", () => {
  test("copy: the stop/detach waits for the repair's success; swap=false has no stop, detach, swap or verification", () => {
    const steps = awsRescueSteps("copy");
    expect(steps.find((s) => s.id === "stopDetach")!.dependsOn).toEqual(["snapshot", "repair"]);
    expect(steps.find((s) => s.id === "swap")!.dependsOn).toEqual(["repair", "stopDetach"]);
    const noSwap = awsRescueSteps("copy", undefined, false).map((s) => s.id);
    for (const id of ["stopDetach", "swap", "verify"]) expect(noSwap).not.toContain(id);
  });

  test("inPlace without a swap still puts the root back, without a start or a verification", () => {
    const steps = awsRescueSteps("inPlace", undefined, false);
    expect(steps.find((s) => s.id === "swap")!.op).toEqual([
      "aws.volume.detach",
      "aws.volume.attach",
    ]);
    expect(steps.map((s) => s.id)).not.toContain("verify");
  });
});
