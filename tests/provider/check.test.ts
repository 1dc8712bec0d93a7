/** Check judges an object input's fields by its declared object type (the swap's gate). */
import { checkProperties } from "../../src/provider/check";
import { OsDiskSwapKind } from "../../src/clouds/azure/swap";

const inputs = {
  subscriptionId: "s",
  resourceGroupName: "rg",
  vmName: "vm",
  rescueId: "r",
  helperResourceGroupName: "rg",
  helperVmName: "helper",
  originalDiskId: "d0",
  copyDiskId: "d1",
  snapshotId: "snap",
  repairRunCommandId: "rc",
};

test("a gate with the declared fields passes; a mistyped or unknown field fails on gate", () => {
  const ok = checkProperties(OsDiskSwapKind, { ...inputs, gate: { allowed: true, reasons: [] } });
  expect(ok).toEqual([]);
  for (const gate of [
    { allowed: "yes", reasons: [] },
    { allowed: true },
    { allowed: true, reasons: [], x: 1 },
  ]) {
    expect(checkProperties(OsDiskSwapKind, { ...inputs, gate })).toEqual([
      { property: "gate", reason: "gate must be a SwapGate object" },
    ]);
  }
});
