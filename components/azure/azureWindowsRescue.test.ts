/**
 * Topology of the Azure rescue under Pulumi's mocks. Resource options (retainOnDelete, dependsOn)
 * are invisible to plain mocks; `runUnderMocks` records them from the registration requests.
 */
import { runUnderMocks, RecordedResource } from "../../simulate/mockRun";
import { simulatedAzure } from "../../simulate/azureCloud";
import { AzureWindowsRescue, AzureWindowsRescueArgs } from "./azureWindowsRescue";
import { gen1StandardVm, sampleNic, sampleVm, vmWith } from "../../tests/helpers/azureVms";
import type { AzureVmDescription } from "../../planner/azureVm";

async function rescue(vm: AzureVmDescription, extra: Partial<AzureWindowsRescueArgs> = {}) {
  const cloud = simulatedAzure({ vm, nic: sampleNic() });
  const run = await runUnderMocks(
    () => {
      const r = new AzureWindowsRescue("inc-4711", { resourceGroupName: "rg-app-prod", vmName: "app-vm-01", ...extra });
      return { warnings: r.warnings, collect: r.collectExecutionState };
    },
    { project: "vm-rescue", stack: "test", config: {}, cloud },
  );
  const byType = (t: string) => run.resources.filter((r) => r.type === t);
  const one = (t: string): RecordedResource => {
    const found = byType(t);
    expect(found).toHaveLength(1);
    return found[0];
  };
  const urnOf = (t: string) => one(t).urn;
  return { run, byType, one, urnOf };
}

const ORIGINAL_DISK = sampleVm().storageProfile!.osDisk!.managedDisk!.id as string;

describe("AzureWindowsRescue on the sample VM", () => {
  let r: Awaited<ReturnType<typeof rescue>>;
  beforeAll(async () => {
    r = await rescue(sampleVm());
  });

  test("creates exactly the rescue topology, parented to the component", () => {
    const types = r.run.resources.map((x) => x.type).sort();
    expect(types).toEqual(
      [
        "azure-native:authorization:RoleAssignment",
        "azure-native:compute:Disk",
        "azure-native:compute:Snapshot",
        "azure-native:compute:VirtualMachine",
        "azure-native:compute:VirtualMachineRunCommandByVirtualMachine",
        "azure-native:network:NetworkInterface",
        "azure-native:network:NetworkSecurityGroup",
        "azure-native:storage:BlobContainer",
        "azure-native:storage:StorageAccount",
        "random:index/randomPassword:RandomPassword",
        "vm-rescue:index:AzureWindowsRescue",
      ].sort(),
    );
    const component = r.one("vm-rescue:index:AzureWindowsRescue");
    for (const res of r.run.resources.filter((x) => x.custom)) {
      expect(res.parent).toBe(component.urn);
      expect(res.name.startsWith("inc-4711-")).toBe(true);
    }
  });

  test("the snapshot is a point-in-time copy of the original OS disk and outlives the stack", () => {
    const snap = r.one("azure-native:compute:Snapshot");
    expect(snap.inputs).toMatchObject({
      resourceGroupName: "rg-app-prod",
      location: "westeurope",
      incremental: true,
      creationData: { createOption: "Copy", sourceResourceId: ORIGINAL_DISK },
    });
    expect(snap.retainOnDelete).toBe(true);
  });

  test("the copy has the original's SKU, size, generation and zone, outlives the stack, and does not wait for the snapshot", () => {
    const copy = r.one("azure-native:compute:Disk");
    expect(copy.inputs).toMatchObject({
      sku: { name: "Premium_LRS" },
      diskSizeGB: 127,
      hyperVGeneration: "V2",
      zones: ["1"],
      osType: "Windows",
      creationData: { createOption: "Copy", sourceResourceId: ORIGINAL_DISK },
    });
    expect(copy.inputs).not.toHaveProperty("securityProfile");
    expect(copy.retainOnDelete).toBe(true);
    expect(copy.dependencies).toEqual([]);
  });

  test("nothing targets the broken VM or its disk for change: they appear only as a copy source", () => {
    const text = (x: RecordedResource) => JSON.stringify(x.inputs);
    for (const res of r.run.resources.filter((x) => x.custom)) {
      expect(res.inputs).not.toMatchObject({ vmName: "app-vm-01" });
      expect(res.inputs).not.toMatchObject({ diskName: expect.stringMatching(/_OsDisk_1_/) });
      if (text(res).includes(ORIGINAL_DISK)) {
        expect(["azure-native:compute:Snapshot", "azure-native:compute:Disk"]).toContain(res.type);
        expect((res.inputs as any).creationData.sourceResourceId).toBe(ORIGINAL_DISK);
      }
    }
  });

  test("the helper has no public IP and its NSG has no inbound rule", () => {
    const nic = r.one("azure-native:network:NetworkInterface");
    const configs = (nic.inputs as any).ipConfigurations;
    expect(configs).toHaveLength(1);
    expect(configs[0]).not.toHaveProperty("publicIPAddress");
    expect(configs[0].subnet.id).toMatch(/subnets\/snet-app$/);
    expect(nic.dependencies).toContain(r.urnOf("azure-native:network:NetworkSecurityGroup"));
    const nsg = r.one("azure-native:network:NetworkSecurityGroup");
    expect(((nsg.inputs as any).securityRules ?? []).filter((x: any) => /inbound/i.test(x.direction))).toEqual([]);
    expect(r.byType("azure-native:network:PublicIPAddress")).toEqual([]);
  });

  test("the helper runs another Windows Server version, in the same zone, with the copy attached as a data disk", () => {
    const helper = r.one("azure-native:compute:VirtualMachine");
    const i = helper.inputs as any;
    expect(i.zones).toEqual(["1"]);
    expect(i.storageProfile.imageReference.sku).toBe("2022-datacenter-smalldisk-g2");
    expect(i.storageProfile.dataDisks).toEqual([
      { lun: 0, createOption: "Attach", deleteOption: "Detach", managedDisk: { id: expect.stringMatching(/\/disks\/app-vm-01-inc-4711-osdisk-copy$/) } },
    ]);
    expect(i.identity).toEqual({ type: "SystemAssigned" });
    // The generated password makes the whole osProfile secret (Pulumi raises secretness to the top-level property).
    expect(i.osProfile).toBe("[secret]");
    expect(helper.dependencies).toEqual(
      expect.arrayContaining([r.urnOf("azure-native:compute:Disk"), r.urnOf("azure-native:network:NetworkInterface")]),
    );
    expect(helper.retainOnDelete).toBe(false);
  });

  test("artifacts go to a private, HTTPS-only container the helper may write to, and are kept", () => {
    const account = r.one("azure-native:storage:StorageAccount");
    expect(account.inputs).toMatchObject({ allowBlobPublicAccess: false, enableHttpsTrafficOnly: true, allowSharedKeyAccess: false, minimumTlsVersion: "TLS1_2" });
    expect(account.retainOnDelete).toBe(true);
    const container = r.one("azure-native:storage:BlobContainer");
    expect(container.inputs).toMatchObject({ publicAccess: "None", containerName: "rescue-inc-4711" });
    expect(container.retainOnDelete).toBe(true);
    const role = r.one("azure-native:authorization:RoleAssignment");
    expect((role.inputs as any).roleDefinitionId).toMatch(/roleDefinitions\/ba92f5b4-2d11-453d-a403-e96b0029c9fe$/);
    expect((role.inputs as any).scope).toMatch(/containers\/rescue-inc-4711$/);
    expect(role.dependencies).toEqual(expect.arrayContaining([r.urnOf("azure-native:compute:VirtualMachine")]));
  });

  test("the collect run command runs on the helper after it may write its output blob", () => {
    const run = r.one("azure-native:compute:VirtualMachineRunCommandByVirtualMachine");
    const i = run.inputs as any;
    expect(i.vmName).toBe("inc-4711-helper");
    expect(typeof i.source.script).toBe("string");
    expect(i.outputBlobUri).toMatch(/^https:\/\/vmr[0-9a-f]{20}\.blob\.core\.windows\.net\/rescue-inc-4711\/collect\/output\.json$/);
    expect(i.outputBlobManagedIdentity).toEqual({});
    expect(i.treatFailureAsDeploymentFailure).toBe(true);
    expect(run.dependencies).toEqual(expect.arrayContaining([r.urnOf("azure-native:authorization:RoleAssignment"), r.urnOf("azure-native:compute:VirtualMachine")]));
  });
});

describe("AzureWindowsRescue variants", () => {
  test("a Gen1, non-zonal Standard_LRS VM: copy and helper carry no zone, the copy is V1 on Standard_LRS", async () => {
    const r = await rescue(gen1StandardVm());
    const copy = r.one("azure-native:compute:Disk").inputs as any;
    expect(copy.zones).toBeUndefined();
    expect(copy).toMatchObject({ hyperVGeneration: "V1", sku: { name: "Standard_LRS" }, diskSizeGB: 128 });
    expect((r.one("azure-native:compute:VirtualMachine").inputs as any).zones).toBeUndefined();
  });

  test("a trusted-launch VM: the copy inherits the security type (Copy cannot set it) and is Gen2", async () => {
    const vm = vmWith((v) => (v.securityProfile = { securityType: "TrustedLaunch", uefiSettings: { secureBootEnabled: true, vTpmEnabled: true } }));
    const copy = (await rescue(vm)).one("azure-native:compute:Disk").inputs as any;
    expect(copy.securityProfile).toBeUndefined();
    expect(copy.hyperVGeneration).toBe("V2");
  });

  test("operator settings reach the resources", async () => {
    const r = await rescue(sampleVm(), { helperVmSize: "Standard_E4s_v5", copyDiskSku: "StandardSSD_LRS", tags: { ticket: "INC-4711" } });
    expect((r.one("azure-native:compute:VirtualMachine").inputs as any).hardwareProfile.vmSize).toBe("Standard_E4s_v5");
    expect((r.one("azure-native:compute:Disk").inputs as any).sku.name).toBe("StandardSSD_LRS");
    expect((r.one("azure-native:compute:Snapshot").inputs as any).tags).toMatchObject({ ticket: "INC-4711", "vm-rescue:role": "backup" });
  });
});
