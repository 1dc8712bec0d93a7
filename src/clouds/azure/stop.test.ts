/** The broken VM's stop off the swap's path and the copy's attach to the helper, against the in-memory compute. */
import { runVmDeallocate, stopOutcome } from "./stop";
import { runDataDiskAttach } from "./attach";
import { SWAP_PHASE_TAG } from "./osDiskMove";
import { brokenWorld, COPY, HELPER, ORIGINAL, RG, SNAPSHOT, SUB, VM } from "./testing/world";

const stopInputs = {
  ...{ subscriptionId: SUB, resourceGroupName: RG, vmName: VM, rescueId: "inc-4711" },
  ...{ originalDiskId: ORIGINAL, snapshotId: SNAPSHOT },
};
const attachInputs = {
  ...{ subscriptionId: SUB, resourceGroupName: RG, vmName: HELPER, diskId: COPY, lun: 0 },
  ...{ rescueId: "inc-4711", sourceResourceGroupName: RG, sourceVmName: VM },
};

describe("VmDeallocate", () => {
  test("deallocates the VM running on its original disk, once", async () => {
    const c = brokenWorld();
    const out = await runVmDeallocate(c, stopInputs);
    expect(out).toMatchObject({ deallocated: true, powerState: "deallocated" });
    expect(c.writes()).toEqual([`deallocate ${RG}/${VM}`]);
    await runVmDeallocate(c, stopInputs);
    expect(c.writes()).toEqual([`deallocate ${RG}/${VM}`]);
  });

  test("never stops a VM that no longer runs on its original disk (already swapped)", async () => {
    const c = brokenWorld();
    c.vm(RG, VM).osDiskId = COPY;
    const out = await runVmDeallocate(c, stopInputs);
    expect(out).toMatchObject({ deallocated: false, powerState: "running" });
    expect(c.writes()).toEqual([]);
  });

  test("when nothing is swapped the outcome says the VM stays deallocated and how to start it", () => {
    const stop = { deallocated: true, reasons: ["stopped"], resourceGroupName: RG, vmName: VM };
    expect(stopOutcome(stop, true)).toEqual(["stopped"]);
    expect(stopOutcome(stop, false)).toEqual([
      "stopped",
      `nothing was swapped, so VM ${VM} stays deallocated on its original OS disk; start it with: az vm start -g ${RG} -n ${VM}`,
    ]);
  });
});

describe("DataDiskAttach", () => {
  test("attaches the copy to a helper created without it, once", async () => {
    const c = brokenWorld();
    c.vm(RG, HELPER).dataDiskIds = [];
    expect(await runDataDiskAttach(c, attachInputs)).toMatchObject({ attached: true });
    expect(c.vm(RG, HELPER).dataDiskIds).toEqual([COPY]);
    await runDataDiskAttach(c, attachInputs);
    expect(c.writes()).toEqual([`attachDataDisk ${RG}/${HELPER} ${COPY} lun 0`]);
  });

  test("never attaches a copy the swap took: the VM's OS disk, or tagged with a swap phase", async () => {
    const swapped = brokenWorld();
    swapped.vm(RG, HELPER).dataDiskIds = [];
    swapped.vm(RG, VM).osDiskId = COPY;
    expect(await runDataDiskAttach(swapped, attachInputs)).toMatchObject({ attached: false });
    expect(swapped.writes()).toEqual([]);

    const moving = brokenWorld();
    moving.vm(RG, HELPER).dataDiskIds = [];
    moving.diskTags.set(COPY.toLowerCase(), { [SWAP_PHASE_TAG]: "prepared" });
    expect(await runDataDiskAttach(moving, attachInputs)).toMatchObject({ attached: false });
    expect(moving.writes()).toEqual([]);
  });
});
