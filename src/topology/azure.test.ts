import { planAzureRescue, detectWindowsVersion } from "./azure";
import type { AzureRescueOptions } from "./azureOptions";
import { isPlanError } from "../vocabulary/errors";
import { gen1StandardVm, sampleNic, sampleVm, vmWith } from "../../tests/helpers/azureVms";
import type { AzureVmDescription } from "../describe/azureVm";

const opts: AzureRescueOptions = { rescueId: "inc-4711" };

function plan(vm: AzureVmDescription, o: Partial<AzureRescueOptions> = {}) {
  return planAzureRescue({ vm, nic: sampleNic() }, { ...opts, ...o });
}

function rejection(
  vm: AzureVmDescription,
  o: Partial<AzureRescueOptions> = {},
): { code: string; message: string } {
  try {
    plan(vm, o);
  } catch (e) {
    if (isPlanError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error("expected a PlanError");
}

describe("planAzureRescue: the sample VM (Gen2, zone 1, Premium, WS2019)", () => {
  const p = plan(sampleVm());

  test("works in the VM's location, zone, resource group and subnet", () => {
    expect(p.location).toBe("westeurope");
    expect(p.zone).toBe("1");
    expect(p.subscriptionId).toBe("6f1e3b2a-41c7-4d2e-9a55-0c8d4b7e2f10");
    expect(p.helper.resourceGroupName).toBe("rg-app-prod");
    expect(p.network.subnetId).toMatch(/virtualNetworks\/vnet-prod-weu\/subnets\/snet-app$/);
  });

  test("copies the OS disk with the same SKU, size and generation", () => {
    expect(p.source.osDiskId).toMatch(/\/disks\/app-vm-01_OsDisk_1_/);
    expect(p.copyDisk).toMatchObject({ sku: "Premium_LRS", sizeGB: 127, hyperVGeneration: "V2" });
    expect(p.copyDisk.name).toBe("app-vm-01-inc-4711-osdisk-copy");
    expect(p.snapshot).toEqual({
      name: "app-vm-01-inc-4711-osdisk-backup",
      incremental: true,
      diskEncryptionSetId: null,
    });
  });

  test("picks a helper image of another Windows Server version than the broken VM's (disk-signature collision)", () => {
    expect(p.source.windowsVersion).toBe("2019");
    expect(p.helper.windowsVersion).toBe("2022");
    expect(p.helper.image).toEqual({
      publisher: "MicrosoftWindowsServer",
      offer: "WindowsServer",
      sku: "2022-datacenter-smalldisk-g2",
      version: "latest",
    });
  });

  test("names are valid Azure names and the computer name fits 15 characters", () => {
    expect(p.helper.computerName).toMatch(/^[a-z][a-z0-9-]{1,14}$/);
    expect(p.artifacts.storageAccountName).toMatch(/^[a-z0-9]{3,24}$/);
    expect(p.artifacts.containerName).toMatch(/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/);
    expect(p.artifacts.helperBlobRoleAssignmentName).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  test("is deterministic: the same input gives the same names (stable across pulumi up runs)", () => {
    expect(plan(sampleVm())).toEqual(p);
    expect(plan(sampleVm(), { rescueId: "inc-4712" }).artifacts.storageAccountName).not.toBe(
      p.artifacts.storageAccountName,
    );
  });

  test("tags everything with the rescue id and the source VM, keeping the operator's tags", () => {
    const t = plan(sampleVm(), { tags: { owner: "ops" } }).tags;
    expect(t).toEqual({
      owner: "ops",
      "vm-rescue:id": "inc-4711",
      "vm-rescue:source": "rg-app-prod/app-vm-01",
    });
  });
});

describe("planAzureRescue: variants", () => {
  test("a Gen1, non-zonal Standard_LRS WS2016 VM as ARM spells it", () => {
    const p = plan(gen1StandardVm());
    expect(p.zone).toBeNull();
    expect(p.copyDisk).toMatchObject({ sku: "Standard_LRS", sizeGB: 128, hyperVGeneration: "V1" });
    expect(p.source.windowsVersion).toBe("2016");
    expect(p.helper.windowsVersion).toBe("2022");
  });

  test("a WS2022 VM gets a WS2025 helper", () => {
    const vm = vmWith(
      (v) => (v.storageProfile.imageReference.sku = "2022-datacenter-azure-edition"),
    );
    expect(plan(vm).helper.image.sku).toBe("2025-datacenter-smalldisk-g2");
  });

  test("trusted launch implies Gen2 and is recorded (the copy inherits the security type)", () => {
    const vm = vmWith((v) => {
      v.storageProfile.imageReference.sku = "2019-datacenter";
      v.securityProfile = {
        securityType: "TrustedLaunch",
        uefiSettings: { secureBootEnabled: true, vTpmEnabled: true },
      };
    });
    const p = plan(vm);
    expect(p.source.securityType).toBe("TrustedLaunch");
    expect(p.copyDisk.hyperVGeneration).toBe("V2");
  });

  test("an unknown generation is left to Azure with a warning, never guessed", () => {
    const vm = vmWith(
      (v) =>
        (v.storageProfile.imageReference = {
          id: "/subscriptions/x/resourceGroups/img/providers/Microsoft.Compute/galleries/g/images/custom",
        }),
    );
    const p = plan(vm);
    expect(p.copyDisk.hyperVGeneration).toBeNull();
    expect(p.warnings.join("\n")).toMatch(/generation/);
    expect(p.warnings.join("\n")).toMatch(/Windows version is unknown/);
    expect(plan(vm, { hyperVGeneration: "V2" }).copyDisk.hyperVGeneration).toBe("V2");
  });

  test("Premium and Standard SSD copies follow the source unless overridden", () => {
    const ssd = vmWith(
      (v) => (v.storageProfile.osDisk.managedDisk.storageAccountType = "StandardSSD_LRS"),
    );
    expect(plan(ssd).copyDisk.sku).toBe("StandardSSD_LRS");
    expect(plan(sampleVm(), { copyDiskSku: "StandardSSD_LRS" }).copyDisk.sku).toBe(
      "StandardSSD_LRS",
    );
  });

  test("a customer-managed-key disk keeps its disk encryption set on the copy", () => {
    const des =
      "/subscriptions/6f1e3b2a-41c7-4d2e-9a55-0c8d4b7e2f10/resourceGroups/rg-keys/providers/Microsoft.Compute/diskEncryptionSets/des-prod";
    const vm = vmWith((v) => (v.storageProfile.osDisk.managedDisk.diskEncryptionSet = { id: des }));
    expect(plan(vm).copyDisk.diskEncryptionSetId).toBe(des);
    expect(plan(vm).snapshot.diskEncryptionSetId).toBe(des);
    expect(plan(sampleVm()).snapshot.diskEncryptionSetId).toBeNull();
  });

  test("a zonal VM with a zone-redundant (ZRS) OS disk gets a copy without a zone; an LRS copy keeps the zone", () => {
    const zrs = vmWith(
      (v) => (v.storageProfile.osDisk.managedDisk.storageAccountType = "Premium_ZRS"),
    );
    const p = plan(zrs);
    expect(p.zone).toBe("1");
    expect(p.copyDisk.sku).toBe("Premium_ZRS");
    expect(p.copyDisk.zone).toBeNull();
    expect(plan(sampleVm()).copyDisk.zone).toBe("1");
    expect(plan(sampleVm(), { copyDiskSku: "StandardSSD_ZRS" }).copyDisk.zone).toBeNull();
  });

  test("an NVMe VM is warned about; a premium copy on a non-premium helper size is warned about", () => {
    const nvme = vmWith((v) => (v.storageProfile.diskControllerType = "NVMe"));
    expect(plan(nvme).warnings.join("\n")).toMatch(/NVMe/);
    expect(plan(sampleVm(), { helperVmSize: "Standard_D2_v5" }).warnings.join("\n")).toMatch(
      /premium storage/,
    );
  });

  test("the subnet can be given instead of the NIC", () => {
    const subnet =
      "/subscriptions/6f1e3b2a-41c7-4d2e-9a55-0c8d4b7e2f10/resourceGroups/rg-network/providers/Microsoft.Network/virtualNetworks/v/subnets/rescue";
    expect(
      planAzureRescue({ vm: sampleVm() }, { ...opts, subnetId: subnet }).network.subnetId,
    ).toBe(subnet);
  });

  test("az vm list output with one VM is accepted by the description reader", () => {
    expect(detectWindowsVersion(sampleVm())).toBe("2019");
    expect(
      detectWindowsVersion(
        vmWith((v) => {
          v.storageProfile.imageReference = null;
          v.instanceView = { osVersion: "10.0.20348.2762" };
        }),
      ),
    ).toBe("2022");
  });
});

describe("planAzureRescue: what it refuses, with a specific reason", () => {
  const cases: [string, AzureVmDescription, RegExp][] = [
    [
      "not-windows",
      vmWith((v) => (v.storageProfile.osDisk.osType = "Linux")),
      /runs Linux; vm-rescue rescues Windows VMs only/,
    ],
    ["unknown-os", vmWith((v) => delete v.storageProfile.osDisk.osType), /osType is missing/],
    [
      "unmanaged-disk",
      vmWith((v) => {
        v.storageProfile.osDisk.managedDisk = null;
        v.storageProfile.osDisk.vhd = { uri: "https://acct.blob.core.windows.net/vhds/os.vhd" };
      }),
      /unmanaged \(VHD blob\)/,
    ],
    ["no-os-disk", vmWith((v) => delete v.storageProfile.osDisk), /has no OS disk/],
    [
      "azure-disk-encryption",
      vmWith((v) =>
        v.resources.push({
          name: "AzureDiskEncryption",
          publisher: "Microsoft.Azure.Security",
          typePropertiesType: "AzureDiskEncryption",
        }),
      ),
      /Azure Disk Encryption/,
    ],
    [
      "azure-disk-encryption",
      vmWith((v) => (v.storageProfile.osDisk.encryptionSettings = { enabled: true })),
      /Azure Disk Encryption/,
    ],
    [
      "confidential-vm",
      vmWith((v) => (v.securityProfile = { securityType: "ConfidentialVM" })),
      /confidential VM/,
    ],
    [
      "ephemeral-os-disk",
      vmWith((v) => (v.storageProfile.osDisk.diffDiskSettings = { option: "Local" })),
      /ephemeral OS disk/,
    ],
    [
      "scale-set-instance",
      vmWith(
        (v) =>
          (v.virtualMachineScaleSet = {
            id: "/subscriptions/x/resourceGroups/y/providers/Microsoft.Compute/virtualMachineScaleSets/z",
          }),
      ),
      /scale set/,
    ],
    ["invalid-input", vmWith((v) => (v.id = "app-vm-01")), /not an Azure resource id/],
    ["invalid-input", vmWith((v) => delete v.location), /location is missing/],
  ];
  test.each(cases)("%s", (code, vm, message) => {
    const r = rejection(vm);
    expect(r.code).toBe(code);
    expect(r.message).toMatch(message);
    expect(r.message).not.toMatch(/\n/);
  });

  test("no subnet: neither a NIC description nor subnetId", () => {
    expect(() => planAzureRescue({ vm: sampleVm() }, opts)).toThrow(
      /cannot tell the helper's subnet/,
    );
  });

  const badOptions: [Partial<AzureRescueOptions>, RegExp][] = [
    [{ rescueId: "Inc_42" }, /rescueId/],
    [{ rescueId: "a".repeat(25) }, /rescueId/],
    [{ helperVmSize: "D2s_v5; rm -rf" }, /helperVmSize/],
    [{ copyDiskSku: "UltraSSD_LRS" }, /copyDiskSku/],
    [{ hyperVGeneration: "V3" }, /hyperVGeneration/],
    [{ adminUsername: "administrator" }, /adminUsername/],
    [{ helperImageSku: "2022'; Invoke-Expression" }, /helperImageSku/],
    [{ subnetId: "not-an-id" }, /subnetId/],
    [{ tags: { "a/b": "x" } }, /tag/],
  ];
  test.each(badOptions)("bad option %j", (o, message) => {
    const r = rejection(sampleVm(), o);
    expect(r.code).toMatch(/invalid-option|invalid-input/);
    expect(r.message).toMatch(message);
  });
});
