import { outcomeFromOutputs } from "./fromOutputs";

const diagnosedLine =
  "diagnosed from the snapshot: ControlSet001, loader x, culprit cxnetmon.sys; plan: DisableDriver (3 requests, 1.0 MiB)";

describe("the route of the facts", () => {
  test("with a collect decision the repair's facts came from the helper, with the comparison kept", () => {
    const lines = [
      diagnosedLine,
      "snapshot and helper agree: culprit cxnetmon.sys, plan DisableDriver",
    ];
    const o = outcomeFromOutputs(
      { snapshotDiagnosis: lines, decision: ["DisableDriver: cxnetmon.sys caused the crash"] },
      true,
    );
    expect(o.diagnosis).toEqual({ route: "helper", snapshot: lines });
  });

  test("without a collect decision a diagnosed snapshot is the route", () => {
    const o = outcomeFromOutputs({ snapshotDiagnosis: [diagnosedLine] }, true);
    expect(o.diagnosis?.route).toBe("snapshot");
  });

  test("without a collect decision and without a diagnosis the route stays the helper's", () => {
    const o = outcomeFromOutputs(
      { snapshotDiagnosis: ["not diagnosed from the snapshot: 403"] },
      true,
    );
    expect(o.diagnosis?.route).toBe("helper");
  });
});
