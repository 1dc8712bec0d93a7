/**
 * The standby helper under Pulumi's mocks: the rescue on a standby helper creates no helper VM,
 * NIC, NSG or password, runs its commands on the standby helper and returns it deallocated with
 * nothing attached; a misfit is refused; `StandbyHelper` creates one deallocated helper.
 */
import { runUnderMocks } from "../../engine/simulate/mockRun";
import { registrations } from "../../../tests/helpers/registrations";
import { simulatedAzure } from "../../engine/simulate/azureCloud";
import { simulatedStandbyHelper } from "../../engine/simulate/standby";
import { COMPONENT_TYPES, STEP_TYPES } from "../../vocabulary/tokens";
import { isPlanError } from "../../vocabulary/errors";
import { AzureWindowsRescue, type AzureWindowsRescueArgs } from "./component";
import { StandbyHelper } from "./standbyHelper";
import { sampleNic, sampleVm } from "../../../tests/helpers/azureVms";
import { parseArmId } from "../../describe/azureVm";
import { STANDBY_CLAIM_TAG } from "../../vocabulary/tags";
import type { SimulatedStandbyVm } from "./standbyOps";

const facts = simulatedStandbyHelper(sampleVm(), sampleNic());
const standbyArgs = {
  standbyHelperId: facts.id,
  standbyHelperSubnetId: facts.subnetId,
  standbyHelperZone: facts.zone ?? undefined,
};

async function rescue(extra: Partial<AzureWindowsRescueArgs> = standbyArgs) {
  const cloud = simulatedAzure({ vm: sampleVm(), nic: sampleNic(), standbyHelper: facts });
  const run = await runUnderMocks(
    () => {
      const r = new AzureWindowsRescue("inc-4711", {
        resourceGroupName: "rg-app-prod",
        vmName: "app-vm-01",
        ...extra,
      });
      return { helperId: r.helperId, swapped: r.swapped, booted: r.booted };
    },
    { project: "vm-rescue", stack: "test", config: {}, cloud },
  );
  const arm = parseArmId(facts.id, "id");
  return {
    run,
    cloud,
    ...registrations(run.resources),
    helper: () => cloud.compute.vm(arm.resourceGroup, arm.name),
  };
}

describe("AzureWindowsRescue on a standby helper", () => {
  let r: Awaited<ReturnType<typeof rescue>>;
  beforeAll(async () => {
    r = await rescue();
  }, 120_000);

  test("creates no helper VM, NIC, NSG or password; starts the standby helper instead", () => {
    for (const t of [
      "azure-native:compute:VirtualMachine",
      "azure-native:network:NetworkInterface",
      "azure-native:network:NetworkSecurityGroup",
      "random:index/randomPassword:RandomPassword",
    ])
      expect(r.byType(t)).toEqual([]);
    const use = r.one(STEP_TYPES.azure.standbyUse);
    expect(use.inputs).toMatchObject({
      helperResourceGroupName: "rg-app-prod",
      helperVmName: "standby-helper-1",
      location: "westeurope",
      zone: "1",
      copyDiskId: expect.stringMatching(/\/disks\/.*copy/),
    });
    // started in parallel with the snapshot and the copy; the copy is attached to it afterwards
    const copy = r.one("azure-native:compute:Disk").urn;
    expect(use.dependencies).not.toContain(copy);
    expect(use.dependencies).not.toContain(r.one("azure-native:compute:Snapshot").urn);
    const attach = r.one(STEP_TYPES.azure.attach);
    expect(attach.inputs).toMatchObject({ vmName: "standby-helper-1" });
    expect(attach.dependencies).toEqual(expect.arrayContaining([use.urn, copy]));
    expect(r.run.outputs.helperId).toBe(facts.id);
  });

  test("the repair runs on the standby helper once the copy is attached to it, and the swap detaches from it", () => {
    const attach = r.one(STEP_TYPES.azure.attach);
    const commands = r.byType("azure-native:compute:VirtualMachineRunCommandByVirtualMachine");
    // no collect Run Command: the snapshot diagnosis decides the repair and keeps the evidence
    expect(commands.map((c) => c.name)).toEqual(["inc-4711-repair"]);
    for (const c of commands) {
      expect(c.inputs).toMatchObject({
        resourceGroupName: "rg-app-prod",
        vmName: "standby-helper-1",
      });
    }
    expect(commands[0].dependencies).toContain(attach.urn);
    expect(r.one(STEP_TYPES.azure.swap).inputs).toMatchObject({
      helperResourceGroupName: "rg-app-prod",
      helperVmName: "standby-helper-1",
    });
  });

  test("the helper's identity gets the artifacts access", () => {
    const access = r
      .byType("azure-native:authorization:RoleAssignment")
      .find((x) => x.name === "inc-4711-helper-blob-access")!;
    expect(access.inputs.principalId).toBe(facts.principalId);
  });

  test("the rescue swaps and boots; the teardown leaves the helper deallocated with nothing attached", async () => {
    expect(r.run.outputs).toMatchObject({ swapped: true, booted: true });
    expect(r.helper().powerState).toBe("running");
    const claim = () => (r.helper() as SimulatedStandbyVm).tags?.[STANDBY_CLAIM_TAG];
    expect(claim()).toBe("inc-4711");
    await r.cloud.teardown();
    expect(r.helper()).toMatchObject({ powerState: "deallocated", dataDiskIds: [] });
    expect(claim()).toBeUndefined();
  });
});

// A helper in another zone or network is refused by the plan (src/topology/standby.test.ts,
// tests/cli.standby.test.ts); incomplete arguments before anything is registered:
test("a standby helper id without its subnet is refused before anything is created", async () => {
  const e = await rescue({ ...standbyArgs, standbyHelperSubnetId: undefined }).catch((x) => x);
  expect(isPlanError(e, "invalid-input")).toBe(true);
  expect(e.message).toMatch(/standbyHelperId needs standbyHelperSubnetId/);
}, 120_000);

describe("StandbyHelper", () => {
  test("creates one helper with no public IP and no inbound rule, and leaves it deallocated", async () => {
    const cloud = simulatedAzure({ vm: sampleVm(), nic: sampleNic() });
    const run = await runUnderMocks(
      () => {
        const h = new StandbyHelper("standby-we-1", {
          resourceGroupName: "rg-platform",
          location: "westeurope",
          subnetId: facts.subnetId,
          zone: "1",
        });
        return {
          helperId: h.helperId,
          subnetId: h.subnetId,
          zone: h.zone,
          powerState: h.powerState,
          rescueArgs: h.rescueArgs,
        };
      },
      { project: "vm-rescue", stack: "test", config: {}, cloud },
    );
    const { one } = registrations(run.resources);
    expect(one("azure-native:network:NetworkSecurityGroup").inputs.securityRules).toEqual([]);
    const nic = one("azure-native:network:NetworkInterface");
    expect(JSON.stringify(nic.inputs)).not.toMatch(/publicIPAddress/i);
    expect(one("azure-native:compute:VirtualMachine").inputs).toMatchObject({
      vmName: "standby-we-1",
      zones: ["1"],
      identity: { type: "SystemAssigned" },
    });
    // a rescue's copy and claim tag are not the platform stack's to undo
    expect(one("azure-native:compute:VirtualMachine").ignoreChanges).toEqual([
      "storageProfile.dataDisks",
      `tags["${STANDBY_CLAIM_TAG}"]`,
    ]);
    const stop = one(STEP_TYPES.azure.standbyStop);
    expect(stop.dependencies).toContain(one("azure-native:compute:VirtualMachine").urn);
    expect(one(COMPONENT_TYPES.standbyHelper).name).toBe("standby-we-1");
    expect(run.outputs).toMatchObject({
      helperId: expect.stringMatching(/\/virtualMachines\/standby-we-1$/),
      subnetId: facts.subnetId,
      zone: "1",
      powerState: "deallocated",
    });
    expect(cloud.compute.vm("rg-platform", "standby-we-1").powerState).toBe("deallocated");
    // the plain arguments a rescue in the same program takes name the same helper
    expect(run.outputs.rescueArgs).toEqual({
      standbyHelperId: run.outputs.helperId,
      standbyHelperSubnetId: facts.subnetId,
      standbyHelperZone: "1",
    });
  }, 120_000);
});
