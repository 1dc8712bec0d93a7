import { checkStandbyFit } from "./standby";
import { isPlanError } from "../vocabulary/errors";

const SUB = "6f1e3b2a-41c7-4d2e-9a55-0c8d4b7e2f10";
const NET = `/subscriptions/${SUB}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-prod`;
const HELPER = `/subscriptions/${SUB}/resourceGroups/rg-platform/providers/Microsoft.Compute/virtualMachines/standby-we-1`;
const target = { subscriptionId: SUB, zone: "1", subnetId: `${NET}/subnets/app` };
const fits = { vmId: HELPER, subnetId: `${NET}/subnets/rescue`, zone: "1" };

function refusal(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (isPlanError(e)) return `${e.code}: ${e.message}`;
    throw e;
  }
  throw new Error("not refused");
}

describe("checkStandbyFit", () => {
  test("a helper in the VM's zone and virtual network fits (another subnet of it is fine)", () => {
    expect(checkStandbyFit(fits, target)).toEqual({
      vmId: HELPER,
      resourceGroupName: "rg-platform",
      vmName: "standby-we-1",
      zone: "1",
    });
  });

  test("no zone on either side fits; '' is no zone", () => {
    expect(checkStandbyFit({ ...fits, zone: "" }, { ...target, zone: null }).zone).toBeNull();
  });

  test.each([
    ["another zone", { zone: "2" }, {}, /standby-helper-misfit: .*is in zone 2, the VM in zone 1/],
    ["no zone for a zonal VM", { zone: null }, {}, /is in no zone, the VM in zone 1/],
    ["a zone for a VM without one", {}, { zone: null }, /is in zone 1, the VM in no zone/],
    [
      "another virtual network",
      { subnetId: NET.replace("vnet-prod", "vnet-other") + "/subnets/x" },
      {},
      /outside the VM's virtual network/,
    ],
    [
      "another subscription",
      { vmId: HELPER.replace(SUB, "00000000-0000-0000-0000-000000000000") },
      {},
      /attaches only within its subscription/,
    ],
    [
      "an id that is no VM",
      { vmId: HELPER.replace("virtualMachines", "disks") },
      {},
      /invalid-input: standbyHelperId is not a virtual machine id/,
    ],
    [
      "a subnet id that is no subnet",
      { subnetId: NET },
      {},
      /standbyHelperSubnetId is not a subnet id/,
    ],
  ])("refuses %s in one line", (_what, helper, vm, message) => {
    const text = refusal(() => checkStandbyFit({ ...fits, ...helper }, { ...target, ...vm }));
    expect(text).toMatch(message);
    expect(text).not.toMatch(/\n/);
  });
});
