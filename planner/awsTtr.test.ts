import { awsRescueSteps, awsTimeToRecovery } from "./awsTtr";

import { describeWithLatencyModel } from "../tests/helpers/latencyModel";

describeWithLatencyModel("modeled time to recovery of the AWS rescue (shared latency model)", (model) => {
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
});
