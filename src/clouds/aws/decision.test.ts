/**
 * The AWS decision from the collect output: a blocking finding, a dry run, swap=false and nothing
 * to repair close the gate without throwing; inPlace does not write the root for a refused boot.
 */
import { awsSwapGate, repairFromCollect } from "./decision";
import { COLLECT_1X_GATE_REASON } from "../../repair/decide";
import { sampleAwsCollect } from "../../engine/simulate/awsCloud";

function withoutNitroDrivers() {
  const c = sampleAwsCollect();
  c.services = c.services.filter((x) => x.name !== "ena" && x.name !== "AWSNVMe");
  c.guest = { ...c.guest, awsEna: null, awsNvme: null };
  return c;
}

describe("repairFromCollect", () => {
  test("the sample story: DisableDriver for cxnetmon, the collect's disk number passed; a 1.x document keeps the gate closed", () => {
    const d = repairFromCollect(JSON.stringify(sampleAwsCollect()), "m5.large");
    // Read for display, never swapped on: its facts are PowerShell's conclusions.
    expect(d.gate).toEqual({ allowed: false, reasons: [COLLECT_1X_GATE_REASON] });
    expect(d.gate.reasons[0]).toMatch(/^NOT_CHECKED_1X: .*re-run collect 2\.x/);
    expect(d.repairActions[0]).toBe("DisableDriver");
    expect(d.repairParams.DiskNumber).toBe(sampleAwsCollect().target.diskNumber);
    expect(d.repairIsDryRun).toBe(false);
    expect(d.decisionLines[0]).toMatch(/^DisableDriver: /);
  });

  test("a Nitro target without ENA/NVMe drivers closes the gate (no throw); copy still repairs, inPlace runs a dry run", () => {
    const copy = repairFromCollect(withoutNitroDrivers(), "m5.large", { mode: "copy" });
    expect(copy.gate.allowed).toBe(false);
    expect(copy.gate.reasons.join("\n")).toMatch(/blocks the swap to m5\.large/);
    expect(copy.repairIsDryRun).toBe(false);
    const inPlace = repairFromCollect(withoutNitroDrivers(), "m5.large", { mode: "inPlace" });
    expect(inPlace.repairIsDryRun).toBe(true);
    expect(inPlace.parameters.DryRun).toEqual(["true"]);
    const allowed = repairFromCollect(withoutNitroDrivers(), "m5.large", {
      mode: "inPlace",
      allowIncompatibleDrivers: true,
    });
    expect(allowed.gate.reasons).toEqual([COLLECT_1X_GATE_REASON]);
    expect(allowed.repairIsDryRun).toBe(false);
  });

  test("nothing to repair closes the gate with the reason", () => {
    expect(awsSwapGate([], true, {}, "m5.large")).toEqual({
      allowed: false,
      reasons: [expect.stringMatching(/^nothing to repair/)],
    });
  });

  test("the gate lists every reason", () => {
    const g = awsSwapGate([], false, { swap: false, dryRun: true }, null);
    expect(g.allowed).toBe(false);
    expect(g.reasons).toEqual([
      expect.stringMatching(/^swap=false/),
      expect.stringMatching(/^dryRun=true/),
    ]);
    expect(awsSwapGate([], false, { mode: "inPlace", swap: false }, null).reasons[0]).toMatch(
      /not started/,
    );
  });
});
