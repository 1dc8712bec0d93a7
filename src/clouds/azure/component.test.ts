/**
 * Topology of the Azure rescue under Pulumi's mocks. Resource options (retainOnDelete, dependsOn)
 * are invisible to plain mocks; `runUnderMocks` records them from the registration requests.
 */
import { runUnderMocks, RecordedResource } from "../../engine/simulate/mockRun";
import { registrations } from "../../../tests/helpers/registrations";
import { simulatedAzure } from "../../engine/simulate/azureCloud";
import { COMPONENT_TYPES, STEP_TYPES } from "../../vocabulary/tokens";
import { isPlanError } from "../../vocabulary/errors";
import { AzureWindowsRescue, AzureWindowsRescueArgs } from "./component";
import { gen1StandardVm, sampleNic, sampleVm, vmWith } from "../../../tests/helpers/azureVms";
import type { AzureVmDescription } from "../../describe/azureVm";

async function rescue(vm: AzureVmDescription, extra: Partial<AzureWindowsRescueArgs> = {}) {
  const cloud = simulatedAzure({ vm, nic: sampleNic() });
  const run = await runUnderMocks(
    () => {
      const r = new AzureWindowsRescue("inc-4711", {
        resourceGroupName: "rg-app-prod",
        vmName: "app-vm-01",
        ...extra,
      });
      return {
        warnings: r.warnings,
        collect: r.collectStatus,
        triageSummary: r.triageSummary,
        repairActions: r.repairActions,
        gate: r.gate,
        swapped: r.swapped,
        booted: r.booted,
        outcome: r.outcome,
        keptResources: r.keptResources,
        repairCheck: r.repairCheck,
        snapshotDiagnosis: r.snapshotDiagnosis,
      };
    },
    { project: "vm-rescue", stack: "test", config: {}, cloud },
  );
  const { byType, one, urnOf } = registrations(run.resources);
  const named = (suffix: string): RecordedResource => {
    const found = run.resources.find((r) => r.name === `inc-4711-${suffix}`);
    if (!found) throw new Error(`no resource inc-4711-${suffix}`);
    return found;
  };
  return { run, byType, one, urnOf, named, compute: cloud.compute };
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
        "azure-native:authorization:RoleAssignment",
        "azure-native:compute:Disk",
        "azure-native:compute:Snapshot",
        "azure-native:compute:VirtualMachine",
        "azure-native:compute:VirtualMachineRunCommandByVirtualMachine",
        STEP_TYPES.azure.repairCheck,
        STEP_TYPES.azure.swap,
        STEP_TYPES.azure.bootVerification,
        STEP_TYPES.azure.snapshotDiagnosis,
        STEP_TYPES.azure.attach,
        STEP_TYPES.azure.stop,
        "azure-native:network:NetworkInterface",
        "azure-native:network:NetworkSecurityGroup",
        "azure-native:storage:BlobContainer",
        "azure-native:storage:StorageAccount",
        "random:index/randomPassword:RandomPassword",
        COMPONENT_TYPES.azure,
      ].sort(),
    );
    const component = r.one(COMPONENT_TYPES.azure);
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

  test("the copy has the original's SKU, size, generation and zone, outlives the stack, and is made from the backup snapshot", () => {
    const copy = r.one("azure-native:compute:Disk");
    expect(copy.inputs).toMatchObject({
      sku: { name: "Premium_LRS" },
      diskSizeGB: 127,
      hyperVGeneration: "V2",
      zones: ["1"],
      osType: "Windows",
      creationData: {
        createOption: "Copy",
        sourceResourceId: expect.stringMatching(/\/snapshots\/app-vm-01-inc-4711-osdisk-backup$/),
      },
    });
    expect(copy.inputs).not.toHaveProperty("securityProfile");
    expect(copy.retainOnDelete).toBe(true);
    expect(copy.dependencies).toEqual([r.urnOf("azure-native:compute:Snapshot")]);
  });

  test("no azure-native resource targets the broken VM or its disk for change: they appear only as the snapshot's source and the copy's tag", () => {
    const text = (x: RecordedResource) => JSON.stringify(x.inputs);
    for (const res of r.run.resources.filter(
      (x) => x.custom && x.type.startsWith("azure-native:"),
    )) {
      expect(res.inputs).not.toMatchObject({ vmName: "app-vm-01" });
      expect(res.inputs).not.toMatchObject({ diskName: expect.stringMatching(/_OsDisk_1_/) });
      if (text(res).includes(ORIGINAL_DISK)) {
        expect(["azure-native:compute:Snapshot", "azure-native:compute:Disk"]).toContain(res.type);
        if (res.type === "azure-native:compute:Snapshot")
          expect((res.inputs as any).creationData.sourceResourceId).toBe(ORIGINAL_DISK);
        else expect((res.inputs as any).tags["vm-rescue:copy-of"]).toBe(ORIGINAL_DISK);
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
    expect(
      ((nsg.inputs as any).securityRules ?? []).filter((x: any) => /inbound/i.test(x.direction)),
    ).toEqual([]);
    expect(r.byType("azure-native:network:PublicIPAddress")).toEqual([]);
  });

  test("the helper runs another Windows Server version, in the same zone, created in parallel with the copy, which is attached to it afterwards", () => {
    const helper = r.one("azure-native:compute:VirtualMachine");
    const i = helper.inputs as any;
    expect(i.zones).toEqual(["1"]);
    expect(i.storageProfile.imageReference.sku).toBe("2022-datacenter-smalldisk-g2");
    expect(i.storageProfile.dataDisks).toBeUndefined();
    const attach = r.named("copy-attach");
    expect(attach.type).toBe(STEP_TYPES.azure.attach);
    expect(attach.inputs).toMatchObject({
      vmName: "inc-4711-helper",
      lun: 0,
      diskId: expect.stringMatching(/\/disks\/app-vm-01-inc-4711-osdisk-copy$/),
      sourceVmName: "app-vm-01",
    });
    expect(attach.dependencies).toEqual(
      expect.arrayContaining([helper.urn, r.urnOf("azure-native:compute:Disk")]),
    );
    expect(r.named("repair").dependencies).toContain(attach.urn);
    expect(i.identity).toEqual({ type: "SystemAssigned" });
    // The generated password makes the whole osProfile secret (Pulumi raises secretness to the top-level property).
    expect(i.osProfile).toBe("[secret]");
    expect(helper.dependencies).toContain(r.urnOf("azure-native:network:NetworkInterface"));
    expect(helper.dependencies).not.toContain(r.urnOf("azure-native:compute:Disk"));
    expect(helper.dependencies).not.toContain(r.urnOf("azure-native:compute:Snapshot"));
    expect(helper.retainOnDelete).toBe(false);
  });

  test("artifacts go to a private, HTTPS-only container the helper may write to, and are kept", () => {
    const account = r.one("azure-native:storage:StorageAccount");
    expect(account.inputs).toMatchObject({
      allowBlobPublicAccess: false,
      enableHttpsTrafficOnly: true,
      allowSharedKeyAccess: false,
      minimumTlsVersion: "TLS1_2",
    });
    expect(account.retainOnDelete).toBe(true);
    const container = r.one("azure-native:storage:BlobContainer");
    expect(container.inputs).toMatchObject({
      publicAccess: "None",
      containerName: "rescue-inc-4711",
    });
    expect(container.retainOnDelete).toBe(true);
    const role = r.named("helper-blob-access");
    expect((role.inputs as any).roleDefinitionId).toMatch(
      /roleDefinitions\/ba92f5b4-2d11-453d-a403-e96b0029c9fe$/,
    );
    expect((role.inputs as any).scope).toMatch(/containers\/rescue-inc-4711$/);
    expect(role.dependencies).toEqual(
      expect.arrayContaining([r.urnOf("azure-native:compute:VirtualMachine")]),
    );
  });

  test("no collect runs on the helper: the diagnosis ships the evidence to collect/ of the container", () => {
    expect(r.run.resources.some((x) => x.name === "inc-4711-collect")).toBe(false);
    const d = r.named("snapshot-diagnosis").inputs as any;
    expect(d.manifestUrl).toMatch(
      /^https:\/\/vmr[0-9a-f]{20}\.blob\.core\.windows\.net\/rescue-inc-4711\/collect\/output\.json$/,
    );
    expect(d.filesBase).toBe(d.manifestUrl.replace(/\/collect\/output\.json$/, ""));
    expect(r.run.outputs.collect).toBe("Succeeded");
  });

  test("the chain runs diagnosis → repair (after the attach) → check → swap → verify", () => {
    const deps = (suffix: string) => r.named(suffix).dependencies;
    expect(deps("repair")).toEqual(
      expect.arrayContaining([
        r.named("snapshot-diagnosis").urn,
        r.named("copy-attach").urn,
        r.named("snapshot").urn,
        r.named("helper-blob-access").urn,
      ]),
    );
    expect(deps("repair-check")).toEqual(
      expect.arrayContaining([r.named("repair").urn, r.named("operator-blob-read").urn]),
    );
    // The swap's gate is the check's: it waits for the check of the repaired hives.
    expect(deps("swap")).toEqual(
      expect.arrayContaining([
        r.named("repair").urn,
        r.named("snapshot").urn,
        r.named("repair-check").urn,
        r.named("copy").urn,
      ]),
    );
    expect(deps("verify")).toEqual(expect.arrayContaining([r.named("swap").urn]));
    // The backup exists before anything is written to the broken VM.
    expect(deps("swap")).toContain(r.urnOf("azure-native:compute:Snapshot"));
  });

  test("the snapshot diagnosis waits for the backup and the artifacts only: it runs while the helper is created and boots", () => {
    const d = r.named("snapshot-diagnosis");
    expect(d.type).toBe(STEP_TYPES.azure.snapshotDiagnosis);
    expect(d.dependencies).toEqual(
      expect.arrayContaining([r.named("snapshot").urn, r.named("operator-blob-read").urn]),
    );
    expect(d.dependencies).not.toContain(r.urnOf("azure-native:compute:VirtualMachine"));
    expect(d.inputs).toMatchObject({
      snapshotId: expect.stringMatching(/\/snapshots\//),
      swap: true,
    });
    for (const helperSide of ["helper", "copy-attach"])
      expect(r.named(helperSide).dependencies).not.toContain(d.urn);
    // The simulated snapshot is the bundled sample disk: it names the collect's culprit and plan.
    expect(r.run.outputs.snapshotDiagnosis).toEqual([
      expect.stringMatching(
        /^diagnosed from the snapshot: ControlSet001, .*culprit cxnetmon\.sys; plan: DisableDriver, QuarantineDriverFile, EnableEms \(/,
      ),
      "the repair was decided from the snapshot; its evidence is shipped to the artifacts container",
    ]);
  });

  test("the step resources have their own types and never outlive or protect anything", () => {
    for (const [suffix, type] of [
      ["repair-check", STEP_TYPES.azure.repairCheck],
      ["swap", STEP_TYPES.azure.swap],
      ["verify", STEP_TYPES.azure.bootVerification],
      ["snapshot-diagnosis", STEP_TYPES.azure.snapshotDiagnosis],
    ]) {
      expect(r.named(suffix).type).toBe(type);
      expect(r.named(suffix).retainOnDelete).toBe(false);
    }
  });

  test("the deploying identity gets temporary write access to the artifacts (removed with the stack)", () => {
    const role = r.named("operator-blob-read");
    // Storage Blob Data Contributor: the diagnosis ships the evidence it read there
    expect((role.inputs as any).roleDefinitionId).toMatch(
      /roleDefinitions\/ba92f5b4-2d11-453d-a403-e96b0029c9fe$/,
    );
    expect((role.inputs as any).scope).toMatch(/containers\/rescue-inc-4711$/);
    expect((role.inputs as any).principalType).toBe("User");
    expect(role.retainOnDelete).toBe(false);
  });

  test("the diagnosis of the sample story picks the cxnetmon repair and the repair run command gets its parameters", () => {
    expect(r.named("snapshot-diagnosis").inputs).toMatchObject({ swap: true });
    expect(r.run.outputs.triageSummary).toEqual([
      expect.stringMatching(/^112926-9218-01\.dmp: 0x1000007E .*caused by cxnetmon\.sys/),
    ]);
    expect(r.run.outputs.repairActions).toEqual([
      "DisableDriver",
      "QuarantineDriverFile",
      "EnableEms",
    ]);
    const repair = r.named("repair").inputs as any;
    expect(repair).toMatchObject({
      runCommandName: "vmrescue-repair",
      vmName: "inc-4711-helper",
      treatFailureAsDeploymentFailure: true,
    });
    expect(repair.outputBlobUri).toMatch(/rescue-inc-4711\/repair\/output\.json$/);
    expect(repair.errorBlobUri).toMatch(/rescue-inc-4711\/repair\/error\.txt$/);
    expect(repair.parameters).toEqual(
      expect.arrayContaining([
        { name: "Actions", value: "DisableDriver,QuarantineDriverFile,EnableEms" },
        { name: "DriverService", value: "cxnetmon" },
        { name: "UploadKind", value: "AzureBlob" },
      ]),
    );
    const urls = repair.parameters.find((x: { name: string }) => x.name === "UploadUrls").value;
    const container = repair.outputBlobUri.replace(/\/repair\/output\.json$/, "");
    expect(JSON.parse(urls)).toEqual({
      SYSTEM: `${container}/repaired/SYSTEM`,
      "SYSTEM.LOG1": `${container}/repaired/SYSTEM.LOG1`,
      "SYSTEM.LOG2": `${container}/repaired/SYSTEM.LOG2`,
      BCD: `${container}/repaired/BCD`,
    });
  });

  test("the hive the repair shipped back is checked against the plan before the swap", () => {
    expect(r.run.outputs.repairCheck).toEqual({
      ok: true,
      checked: expect.any(Number),
      differences: [],
      checkedRaw: true,
    });
    expect((r.run.outputs.repairCheck as { checked: number }).checked).toBeGreaterThan(0);
    expect(r.named("repair-check").inputs).toMatchObject({
      rawEvidence: true,
      triageGate: { allowed: true, reasons: [] },
      repairPlan: { kind: "repairPlan", actions: expect.any(Array) },
    });
    expect(r.run.outputs.gate).toEqual({ allowed: true, reasons: [] });
  });

  test("the simulated swap puts the copy in, keeps the original tagged, and the VM boots", () => {
    expect(r.run.outputs).toMatchObject({
      gate: { allowed: true, reasons: [] },
      swapped: true,
      booted: true,
    });
    const copy = r.byType("azure-native:compute:Disk")[0];
    const vm = r.compute.vm("rg-app-prod", "app-vm-01");
    expect(vm.osDiskId).toMatch(/\/disks\/app-vm-01-inc-4711-osdisk-copy$/);
    expect(r.compute.diskTags.get(ORIGINAL_DISK.toLowerCase())).toMatchObject({
      "vm-rescue:id": "inc-4711",
      "vm-rescue:original-os-disk-of": sampleVm().id,
    });
    expect(
      r.compute
        .writes()
        .filter(
          (c) => c.startsWith("deallocate") || c.startsWith("setOsDisk") || c.startsWith("start"),
        ),
    ).toEqual([
      "deallocate rg-app-prod/app-vm-01",
      expect.stringMatching(/^setOsDisk rg-app-prod\/app-vm-01 .*osdisk-copy$/),
      "start rg-app-prod/app-vm-01",
    ]);
    expect(copy.retainOnDelete).toBe(true);
    expect((r.run.outputs.keptResources as any[]).map((k) => k.kind)).toEqual([
      "snapshot",
      "originalDisk",
      "repairedDisk",
      "artifacts",
    ]);
    expect(r.byType(STEP_TYPES.azure.rollback)).toEqual([]);
  });
});

describe("AzureWindowsRescue repair and swap settings", () => {
  test("a dry run closes the gate: the swap resource reports why and changes nothing", async () => {
    const r = await rescue(sampleVm(), { dryRun: true });
    expect(r.run.outputs).toMatchObject({
      swapped: false,
      booted: false,
      gate: { allowed: false },
    });
    expect((r.run.outputs.outcome as string[]).join("\n")).toMatch(/dryRun=true/);
    // Only the copy's attach to the helper: no stop of the VM when nothing is to be swapped in.
    expect(r.compute.writes()).toEqual([expect.stringMatching(/^attachDataDisk /)]);
    expect(r.byType(STEP_TYPES.azure.stop)).toEqual([]);
    expect((r.named("repair").inputs as any).source.script).toMatch(/\$DryRun = \[switch\]\$true/);
  });

  test("swap=false: the copy is repaired but no swap or verification resource exists", async () => {
    const r = await rescue(sampleVm(), { swap: false });
    expect(r.byType(STEP_TYPES.azure.swap)).toEqual([]);
    expect(r.byType(STEP_TYPES.azure.bootVerification)).toEqual([]);
    expect(r.named("repair")).toBeDefined();
    expect(r.run.outputs).toMatchObject({ swapped: false, booted: false });
    expect((r.run.outputs.outcome as string[]).join("\n")).toMatch(/swap=false/);
    // Only the copy's attach to the helper: the broken VM is read, never changed or stopped.
    expect(r.compute.writes()).toEqual([expect.stringMatching(/^attachDataDisk /)]);
  });

  test("rollback=true adds the rollback after the verification, which puts the original disk back", async () => {
    const r = await rescue(sampleVm(), { rollback: true });
    const rollback = r.one(STEP_TYPES.azure.rollback);
    expect(rollback.dependencies).toEqual(
      expect.arrayContaining([r.named("verify").urn, r.named("snapshot").urn]),
    );
    expect(r.compute.vm("rg-app-prod", "app-vm-01").osDiskId).toBe(ORIGINAL_DISK);
  });

  test("operator choices reach the diagnosis; bad ones fail before anything is registered", async () => {
    const r = await rescue(sampleVm(), {
      actions: ["DisableDriver"],
      driver: "cxnetmon",
      allowIncompatibleDrivers: true,
    });
    expect(r.named("snapshot-diagnosis").inputs).toMatchObject({
      actions: ["DisableDriver"],
      driver: "cxnetmon",
      allowIncompatibleDrivers: true,
    });
    expect(r.run.outputs.repairActions).toEqual(["DisableDriver", "EnableEms"]);
    expect(
      () =>
        new AzureWindowsRescue("x", {
          resourceGroupName: "rg",
          vmName: "vm",
          actions: ["FormatC"],
        }),
    ).toThrow(/unknown repair action.*"FormatC"/);
    expect(
      () =>
        new AzureWindowsRescue("x", {
          resourceGroupName: "rg",
          vmName: "vm",
          verifyTimeoutMinutes: 0,
        }),
    ).toThrow(/verifyTimeoutMinutes/);
    expect(
      () =>
        new AzureWindowsRescue("x", {
          resourceGroupName: "rg",
          vmName: "vm",
          operatorPrincipalType: "Robot",
        }),
    ).toThrow(/operatorPrincipalType/);
  });
});

describe("AzureWindowsRescue variants", () => {
  test("a Gen1, non-zonal Standard_LRS VM: copy and helper carry no zone, the copy is V1 on Standard_LRS", async () => {
    const r = await rescue(gen1StandardVm());
    const copy = r.one("azure-native:compute:Disk").inputs as any;
    expect(copy.zones).toBeUndefined();
    expect(copy).toMatchObject({
      hyperVGeneration: "V1",
      sku: { name: "Standard_LRS" },
      diskSizeGB: 128,
    });
    expect((r.one("azure-native:compute:VirtualMachine").inputs as any).zones).toBeUndefined();
  });

  test("a zonal VM with a ZRS OS disk: the copy has no zone (ZRS disks take none), the helper keeps the VM's zone", async () => {
    const vm = vmWith(
      (v) => (v.storageProfile.osDisk.managedDisk.storageAccountType = "Premium_ZRS"),
    );
    const r = await rescue(vm);
    const copy = r.one("azure-native:compute:Disk").inputs as any;
    expect(copy.sku).toEqual({ name: "Premium_ZRS" });
    expect(copy.zones).toBeUndefined();
    expect((r.one("azure-native:compute:VirtualMachine").inputs as any).zones).toEqual(["1"]);
  });

  test("a customer-managed-key OS disk: the snapshot and the copy keep its disk encryption set", async () => {
    const des =
      "/subscriptions/6f1e3b2a-41c7-4d2e-9a55-0c8d4b7e2f10/resourceGroups/rg-keys/providers/Microsoft.Compute/diskEncryptionSets/des-prod";
    const vm = vmWith((v) => (v.storageProfile.osDisk.managedDisk.diskEncryptionSet = { id: des }));
    const r = await rescue(vm);
    const cmk = { type: "EncryptionAtRestWithCustomerKey", diskEncryptionSetId: des };
    expect((r.one("azure-native:compute:Snapshot").inputs as any).encryption).toEqual(cmk);
    expect((r.one("azure-native:compute:Disk").inputs as any).encryption).toEqual(cmk);
    const plain = await rescue(sampleVm());
    expect((plain.one("azure-native:compute:Snapshot").inputs as any).encryption).toBeUndefined();
  });

  test("a trusted-launch VM: the copy inherits the security type (Copy cannot set it) and is Gen2", async () => {
    const vm = vmWith(
      (v) =>
        (v.securityProfile = {
          securityType: "TrustedLaunch",
          uefiSettings: { secureBootEnabled: true, vTpmEnabled: true },
        }),
    );
    const copy = (await rescue(vm)).one("azure-native:compute:Disk").inputs as any;
    expect(copy.securityProfile).toBeUndefined();
    expect(copy.hyperVGeneration).toBe("V2");
  });

  test("operator settings reach the resources", async () => {
    const r = await rescue(sampleVm(), {
      helperVmSize: "Standard_E4s_v5",
      copyDiskSku: "StandardSSD_LRS",
      tags: { ticket: "INC-4711" },
    });
    expect(
      (r.one("azure-native:compute:VirtualMachine").inputs as any).hardwareProfile.vmSize,
    ).toBe("Standard_E4s_v5");
    expect((r.one("azure-native:compute:Disk").inputs as any).sku.name).toBe("StandardSSD_LRS");
    expect((r.one("azure-native:compute:Snapshot").inputs as any).tags).toMatchObject({
      ticket: "INC-4711",
      "vm-rescue:role": "backup",
    });
  });
});

describe("AzureWindowsRescue re-run after the swap", () => {
  /** The rescue over a VM whose OS disk (as compute.getDisk describes it) is given. */
  async function rescueOn(
    vm: AzureVmDescription,
    osDisk: Record<string, unknown>,
    extra: Partial<AzureWindowsRescueArgs> = {},
  ) {
    const cloud = simulatedAzure({ vm, nic: sampleNic() });
    const call = cloud.call.bind(cloud);
    cloud.call = (args) => (args.token === "azure-native:compute:getDisk" ? osDisk : call(args));
    // The VM already boots from the repaired copy.
    cloud.compute.brokenDisks.clear();
    const run = await runUnderMocks(
      () => {
        const r = new AzureWindowsRescue("inc-4711", {
          resourceGroupName: "rg-app-prod",
          vmName: "app-vm-01",
          ...extra,
        });
        return {
          alreadySwapped: r.alreadySwapped,
          swapped: r.swapped,
          outcome: r.outcome,
          keptResources: r.keptResources,
        };
      },
      { project: "vm-rescue", stack: "test", config: {}, cloud },
    );
    return { run, compute: cloud.compute };
  }

  const inputsByName = (resources: RecordedResource[]) =>
    Object.fromEntries(resources.filter((x) => x.custom).map((x) => [x.name, x.inputs]));

  // Two whole rescues of the sample disk (each reads the snapshot and applies the repair to the
  // hives): slow on a loaded machine.
  test("the second up plans from the original disk: every resource's inputs are identical (nothing replaced), rollback targets the original", async () => {
    const first = await rescue(sampleVm(), { rollback: false });
    const copy = first.one("azure-native:compute:Disk");
    const copyInputs = copy.inputs as any;
    expect(copyInputs.tags).toMatchObject({
      "vm-rescue:role": "repair-copy",
      "vm-rescue:id": "inc-4711",
      "vm-rescue:copy-of": ORIGINAL_DISK,
    });
    const copyId = first.compute.vm("rg-app-prod", "app-vm-01").osDiskId as string;
    expect(copyId).toMatch(/osdisk-copy$/);
    // What Azure reports after the swap: the VM's OS disk is the copy, with the tags the rescue gave it.
    const swappedVm = vmWith((v) => {
      v.storageProfile.osDisk.name = copyInputs.diskName;
      v.storageProfile.osDisk.managedDisk.id = copyId;
    });
    const copyDescription = {
      id: copyId,
      name: copyInputs.diskName,
      sku: copyInputs.sku,
      diskSizeGB: copyInputs.diskSizeGB,
      hyperVGeneration: copyInputs.hyperVGeneration,
      zones: copyInputs.zones,
      tags: copyInputs.tags,
    };

    const second = await rescueOn(swappedVm, copyDescription);
    expect(second.run.outputs.alreadySwapped).toBe(true);
    expect(inputsByName(second.run.resources)).toEqual(inputsByName(first.run.resources));
    const snapshot = second.run.resources.find((x) => x.type === "azure-native:compute:Snapshot")!;
    expect((snapshot.inputs as any).creationData.sourceResourceId).toBe(ORIGINAL_DISK);
    expect(
      (second.run.outputs.keptResources as any[]).find((k) => k.kind === "originalDisk").id,
    ).toBe(ORIGINAL_DISK);
    // The swap finds the copy in place and changes nothing.
    expect(second.compute.writes()).toEqual([]);
    expect((second.run.outputs.outcome as string[]).join("\n")).toMatch(/already the OS disk/);

    // The documented rollback: rollback=true on the swapped VM puts the original back, not the copy.
    const rolled = await rescueOn(swappedVm, copyDescription, { rollback: true });
    const rollback = rolled.run.resources.find((x) => x.type === STEP_TYPES.azure.rollback)!;
    expect(rollback.inputs).toMatchObject({ originalDiskId: ORIGINAL_DISK, copyDiskId: copyId });
    expect(rolled.compute.vm("rg-app-prod", "app-vm-01").osDiskId).toBe(ORIGINAL_DISK);
    const { [rollback.name]: _r, ...rest } = inputsByName(rolled.run.resources);
    expect(rest).toEqual(inputsByName(first.run.resources));
  }, 120_000);
});

describe("AzureWindowsRescue rejects bad repair options before registering anything", () => {
  test.each([
    [{ driver: 'x"; Remove-Item C:\\ -Recurse' }, /^driver .* must be a service name/],
    [{ actions: ["Format"] }, /unknown repair action\(s\) "Format"/],
    [{ verifyTimeoutMinutes: 0 }, /verifyTimeoutMinutes/],
    [{ operatorPrincipalType: "Robot" }, /operatorPrincipalType/],
    [{ originalOsDiskId: "disk-1" }, /originalOsDiskId is not an Azure resource id/],
    [{ rescueId: "Not_Valid" }, /rescueId/],
    [{ swapGeneration: -1 }, /swapGeneration must be a whole number/],
  ] as [Partial<AzureWindowsRescueArgs>, RegExp][])("%j", async (extra, message) => {
    const cloud = simulatedAzure({ vm: sampleVm(), nic: sampleNic() });
    const registered: RecordedResource[] = [];
    let error: unknown;
    await runUnderMocks(
      () => {
        try {
          new AzureWindowsRescue("inc-4711", {
            resourceGroupName: "rg-app-prod",
            vmName: "app-vm-01",
            ...extra,
          });
        } catch (e) {
          error = e;
        }
        return {};
      },
      { project: "vm-rescue", stack: "test", config: {}, cloud },
    ).then((r) => registered.push(...r.resources));
    expect(isPlanError(error)).toBe(true);
    expect((error as Error).message).toMatch(message);
    expect(registered).toEqual([]);
  });
});
