/**
 * Re-running the Azure plan after the swap, and the repair options checked before anything exists.
 * After the swap the VM's OS disk is the repaired copy: the plan must still name the original disk
 * (snapshot source, copy source, rollback target), or the next `up` would back up and copy the copy.
 */
import { AzureRescuePlan, planAzureRescue } from "./azure";
import { AzureRescueOptions, validateAzureRepairOptions } from "./azureOptions";
import { copyOfFromTags, copyOfTags, TAG_VALUE_MAX } from "./azureOriginalDisk";
import { isPlanError } from "../vocabulary/errors";
import { sampleNic, sampleVm, vmWith } from "../../tests/helpers/azureVms";
import type { AzureDiskDescription, AzureVmDescription } from "../describe/azureVm";

const opts: AzureRescueOptions = { rescueId: "inc-4711" };
const ORIGINAL = sampleVm().storageProfile!.osDisk!.managedDisk!.id as string;

function plan(
  vm: AzureVmDescription,
  osDisk: AzureDiskDescription | null = null,
  o: Partial<AzureRescueOptions> = {},
): AzureRescuePlan {
  return planAzureRescue({ vm, nic: sampleNic(), osDisk }, { ...opts, ...o });
}

function planError(f: () => unknown): { code: string; message: string } {
  try {
    f();
  } catch (e) {
    if (isPlanError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error("expected a PlanError");
}

/** The original disk as `compute.getDisk` describes it. */
function originalDisk(): AzureDiskDescription {
  return {
    id: ORIGINAL,
    sku: { name: "Premium_LRS" },
    diskSizeGB: 127,
    hyperVGeneration: "V2",
    zones: ["1"],
    tags: {},
  };
}

/** The VM and its OS disk after the swap: the copy (as the first plan created it) is the OS disk. */
function afterSwap(first: AzureRescuePlan, copyTags: Record<string, string> = first.copyDisk.tags) {
  const copyId = `/subscriptions/${first.subscriptionId}/resourceGroups/${first.source.resourceGroupName}/providers/Microsoft.Compute/disks/${first.copyDisk.name}`;
  const vm = vmWith((v) => {
    v.storageProfile.osDisk.name = first.copyDisk.name;
    v.storageProfile.osDisk.managedDisk.id = copyId;
  });
  const disk: AzureDiskDescription = {
    id: copyId,
    sku: { name: first.copyDisk.sku },
    diskSizeGB: first.copyDisk.sizeGB,
    hyperVGeneration: first.copyDisk.hyperVGeneration,
    zones: ["1"],
    tags: copyTags,
  };
  return { vm, disk, copyId };
}

describe("the copy names its original disk", () => {
  test("the copy's tags carry the rescue, its role and the original OS disk id", () => {
    const p = plan(sampleVm(), originalDisk());
    expect(p.copyDisk.tags).toMatchObject({
      "vm-rescue:id": "inc-4711",
      "vm-rescue:role": "repair-copy",
      "vm-rescue:copy-of": ORIGINAL,
    });
    expect(p.alreadySwapped).toBe(false);
    expect(p.source.currentOsDiskId).toBe(ORIGINAL);
  });

  test("an id over 256 characters is split over two tags and read back whole; a longer one is refused", () => {
    const long = `/subscriptions/6f1e3b2a-41c7-4d2e-9a55-0c8d4b7e2f10/resourceGroups/${"r".repeat(90)}/providers/Microsoft.Compute/disks/${"d".repeat(80)}`;
    expect(long.length).toBeGreaterThan(TAG_VALUE_MAX);
    const tags = copyOfTags(long);
    expect(Object.keys(tags)).toEqual(["vm-rescue:copy-of-1", "vm-rescue:copy-of-2"]);
    for (const v of Object.values(tags)) expect(v.length).toBeLessThanOrEqual(TAG_VALUE_MAX);
    expect(copyOfFromTags(tags)).toBe(long);
    expect(copyOfFromTags(copyOfTags(ORIGINAL))).toBe(ORIGINAL);
    expect(copyOfFromTags({ "VM-RESCUE:COPY-OF": ORIGINAL })).toBe(ORIGINAL);
    expect(copyOfFromTags({})).toBeNull();
    expect(planError(() => copyOfTags("x".repeat(513))).message).toMatch(
      /cannot record it in its tags/,
    );
  });
});

describe("planAzureRescue after the swap", () => {
  const first = plan(sampleVm(), originalDisk());

  test("the VM on this rescue's copy: the same plan as before the swap, from the original disk", () => {
    const { vm, disk, copyId } = afterSwap(first);
    const again = plan(vm, disk);
    expect(again.alreadySwapped).toBe(true);
    expect(again.source.osDiskId).toBe(ORIGINAL);
    expect(again.source.currentOsDiskId).toBe(copyId);
    const {
      alreadySwapped: _a,
      source: { currentOsDiskId: _c1, ...s1 },
      ...rest1
    } = first;
    const {
      alreadySwapped: _b,
      source: { currentOsDiskId: _c2, ...s2 },
      ...rest2
    } = again;
    expect(s2).toEqual(s1);
    expect(rest2).toEqual(rest1);
  });

  test("recognised by its deterministic name when the tags could not be read, if originalOsDiskId is given", () => {
    const { vm } = afterSwap(first);
    const e = planError(() => plan(vm, null));
    expect(e.code).toBe("original-disk-unknown");
    expect(e.message).toMatch(/already runs on this rescue's repaired copy.*set originalOsDiskId/);
    const pinned = plan(vm, null, { originalOsDiskId: ORIGINAL });
    expect(pinned).toMatchObject({ alreadySwapped: true, source: { osDiskId: ORIGINAL } });
  });

  test("a copy without the copy-of tag (made before the tag existed) needs originalOsDiskId", () => {
    const { vm, disk } = afterSwap(first, {
      "vm-rescue:id": "inc-4711",
      "vm-rescue:role": "repair-copy",
    });
    expect(planError(() => plan(vm, disk)).code).toBe("original-disk-unknown");
    expect(plan(vm, disk, { originalOsDiskId: ORIGINAL }).source.osDiskId).toBe(ORIGINAL);
  });

  test("originalOsDiskId that contradicts the copy's tag, or names another disk than the VM's, is refused", () => {
    const other = ORIGINAL.replace(/OsDisk_1_/, "OsDisk_2_");
    const { vm, disk } = afterSwap(first);
    expect(planError(() => plan(vm, disk, { originalOsDiskId: other })).message).toMatch(
      /differs from the original disk/,
    );
    expect(
      planError(() => plan(sampleVm(), originalDisk(), { originalOsDiskId: other })).code,
    ).toBe("os-disk-changed");
    expect(
      plan(sampleVm(), originalDisk(), {
        originalOsDiskId: ORIGINAL.replace("rg-app-prod", "RG-APP-PROD"),
      }).source.osDiskId,
    ).toBe(ORIGINAL);
    expect(
      planError(() => plan(sampleVm(), originalDisk(), { originalOsDiskId: "/subscriptions/x" }))
        .message,
    ).toMatch(/originalOsDiskId is not an Azure resource id/);
    const snapshotId = ORIGINAL.replace("/disks/", "/snapshots/");
    expect(
      planError(() => plan(sampleVm(), originalDisk(), { originalOsDiskId: snapshotId })).message,
    ).toMatch(/not a managed disk id/);
  });

  test("another rescue's copy, or a disk of another VM's rescue, is treated as the original (today's behaviour)", () => {
    const { vm, disk, copyId } = afterSwap(first);
    const otherRescue = plan(vm, disk, { rescueId: "inc-9000" });
    expect(otherRescue).toMatchObject({ alreadySwapped: false, source: { osDiskId: copyId } });
    const otherVm = { ...disk, tags: { ...disk.tags, "vm-rescue:source": "rg-other/other-vm" } };
    const renamed = vmWith((v) => {
      v.storageProfile.osDisk.managedDisk.id = copyId.replace(/osdisk-copy$/, "osdisk-restored");
      v.storageProfile.osDisk.name = "restored";
    });
    expect(plan(renamed, otherVm)).toMatchObject({ alreadySwapped: false });
  });
});

describe("repair options are checked by the planner", () => {
  const bad: [string, Partial<AzureRescueOptions>, RegExp][] = [
    [
      "a driver with script text",
      { driver: 'x"; Remove-Item C:\\ -Recurse' },
      /^driver .* must be a service name or driver file name/,
    ],
    ["a driver path", { driver: "..\\..\\evil.sys" }, /^driver /],
    [
      "an unknown action",
      { actions: ["Format"] },
      /^actions: unknown repair action\(s\) "Format"; known: DisableDriver/,
    ],
    ["no action", { actions: [] }, /at least one repair action/],
    ["too many actions", { actions: Array(33).fill("Chkdsk") }, /at most 32/],
    [
      "a zero timeout",
      { verifyTimeoutMinutes: 0 },
      /verifyTimeoutMinutes must be a whole number of minutes in 1\.\.240, got 0/,
    ],
    ["a fractional timeout", { verifyTimeoutMinutes: 2.5 }, /verifyTimeoutMinutes/],
    [
      "an unknown principal type",
      { operatorPrincipalType: "Robot" },
      /operatorPrincipalType must be one of User, ServicePrincipal, Group/,
    ],
    [
      "a non-boolean dryRun",
      { dryRun: "yes" as unknown as boolean },
      /dryRun must be true or false/,
    ],
  ];
  test.each(bad)(
    "%s: PlanError invalid-option, before the VM is looked at",
    (_name, o, message) => {
      const e = planError(() => plan({} as AzureVmDescription, null, o));
      expect(e.code).toBe("invalid-option");
      expect(e.message).toMatch(message);
      expect(e.message).not.toContain("\n");
    },
  );

  test("good values pass", () => {
    expect(() =>
      validateAzureRepairOptions({
        driver: "cxnetmon.sys",
        actions: ["DisableDriver", "EnableCrashDump"],
        verifyTimeoutMinutes: 240,
        operatorPrincipalType: "ServicePrincipal",
        dryRun: false,
      }),
    ).not.toThrow();
    expect(() => validateAzureRepairOptions({ driver: " cxnetmon " })).not.toThrow();
  });
});
