/** OsDiskSwap and OsDiskRollback against the in-memory compute: create, diff, delete, errors, re-runs. */
import { osDiskRollbackProvider, osDiskSwapProvider, OsDiskSwapInputs, runOsDiskSwap } from "./diskSwap";
import { SimulatedCompute } from "./simulatedCompute";
import type { AzureComputeOps } from "./computeOps";

const SUB = "6f1e3b2a-41c7-4d2e-9a55-0c8d4b7e2f10";
const DISKS = `/subscriptions/${SUB}/resourceGroups/rg-app-prod/providers/Microsoft.Compute/disks`;
const ORIGINAL = `${DISKS}/app-vm-01_OsDisk_1_abc`;
const COPY = `${DISKS}/app-vm-01-inc-4711-osdisk-copy`;
const VM_ID = `/subscriptions/${SUB}/resourceGroups/rg-app-prod/providers/Microsoft.Compute/virtualMachines/app-vm-01`;

function world() {
  const compute = new SimulatedCompute();
  compute.addVm("rg-app-prod", "app-vm-01", { id: VM_ID, osDiskId: ORIGINAL, agentStatus: "Not Ready" });
  compute.addVm("rg-app-prod", "inc-4711-helper", { osDiskId: "helper-os", dataDiskIds: [COPY] });
  compute.brokenDisks.add(ORIGINAL);
  return compute;
}

const inputs = (over: Partial<OsDiskSwapInputs> = {}): OsDiskSwapInputs => ({
  subscriptionId: SUB,
  resourceGroupName: "rg-app-prod",
  vmName: "app-vm-01",
  helperResourceGroupName: "rg-app-prod",
  helperVmName: "inc-4711-helper",
  originalDiskId: ORIGINAL,
  copyDiskId: COPY,
  rescueId: "inc-4711",
  gate: { allowed: true, reasons: [] },
  snapshotId: `/subscriptions/${SUB}/resourceGroups/rg-app-prod/providers/Microsoft.Compute/snapshots/snap`,
  repairRunCommandId: "repair-rc",
  ...over,
});

const rollbackInputs = () => {
  const { subscriptionId, resourceGroupName, vmName, originalDiskId, copyDiskId, rescueId } = inputs();
  return { subscriptionId, resourceGroupName, vmName, originalDiskId, copyDiskId, rescueId };
};

describe("OsDiskSwap", () => {
  test("detaches the copy from the helper, tags the original, then deallocates, swaps and starts the VM", async () => {
    const compute = world();
    const r = await osDiskSwapProvider(() => compute).create(inputs());
    expect(r.outs).toMatchObject({ swapped: true, reasons: [], osDiskId: COPY });
    expect(r.id).toBe("rg-app-prod/app-vm-01/os-disk-swap/inc-4711");
    expect(compute.writes()).toEqual([
      `detachDataDisk rg-app-prod/inc-4711-helper ${COPY}`,
      `addDiskTags ${ORIGINAL} vm-rescue:id,vm-rescue:original-os-disk-of`,
      "deallocate rg-app-prod/app-vm-01",
      `setOsDisk rg-app-prod/app-vm-01 ${COPY}`,
      "start rg-app-prod/app-vm-01",
    ]);
    expect(compute.vm("rg-app-prod", "app-vm-01")).toMatchObject({ osDiskId: COPY, powerState: "running", agentStatus: "Ready" });
    expect(compute.diskTags.get(ORIGINAL.toLowerCase())).toEqual({ "vm-rescue:id": "inc-4711", "vm-rescue:original-os-disk-of": VM_ID });
  });

  test("a re-run on a swapped VM changes nothing", async () => {
    const compute = world();
    const provider = osDiskSwapProvider(() => compute);
    await provider.create(inputs());
    const before = compute.writes().length;
    const again = await provider.update!("id", inputs(), inputs());
    expect(again.outs).toMatchObject({ swapped: true, reasons: [expect.stringMatching(/already the OS disk/)] });
    expect(compute.writes()).toHaveLength(before);
  });

  test("a closed gate makes no compute call at all and reports the reasons", async () => {
    const factory = jest.fn((): AzureComputeOps => {
      throw new Error("no compute call expected");
    });
    const gate = { allowed: false, reasons: ["guest driver hyperv.vmbus blocks the swap"] };
    const r = await osDiskSwapProvider(factory).create(inputs({ gate }));
    expect(r.outs).toMatchObject({ swapped: false, reasons: gate.reasons, osDiskId: null });
    expect(factory).not.toHaveBeenCalled();
  });

  test("an API error stops the swap with one line naming the step and Azure's code", async () => {
    const compute = world();
    compute.failures.set("deallocate", Object.assign(new Error("Operation not allowed while a backup is running."), { statusCode: 409, code: "OperationNotAllowed" }));
    await expect(osDiskSwapProvider(() => compute).create(inputs())).rejects.toThrow(
      "deallocating VM app-vm-01 failed (HTTP 409 OperationNotAllowed): Operation not allowed while a backup is running.",
    );
    expect(compute.vm("rg-app-prod", "app-vm-01").osDiskId).toBe(ORIGINAL);
  });

  test("a VM whose OS disk was changed by someone else is left alone", async () => {
    const compute = world();
    compute.vm("rg-app-prod", "app-vm-01").osDiskId = `${DISKS}/someone-elses-disk`;
    await expect(runOsDiskSwap(() => compute, inputs())).rejects.toThrow(/changed outside this rescue, so nothing is swapped/);
    expect(compute.writes()).toEqual([]);
  });

  test("a copy already detached from the helper is not detached again", async () => {
    const compute = world();
    compute.vm("rg-app-prod", "inc-4711-helper").dataDiskIds = [];
    await osDiskSwapProvider(() => compute).create(inputs());
    expect(compute.writes().filter((c) => c.startsWith("detachDataDisk"))).toEqual([]);
  });

  test("diff: a changed gate or repair re-runs the swap, nothing else does; delete touches nothing", async () => {
    const compute = world();
    const provider = osDiskSwapProvider(() => compute);
    const closed = inputs({ gate: { allowed: false, reasons: ["dryRun=true"] } });
    expect(await provider.diff!("id", closed, inputs())).toMatchObject({ changes: true, replaces: [] });
    expect(await provider.diff!("id", inputs(), inputs({ repairRunCommandId: "repair-rc-2" }))).toMatchObject({ changes: true });
    expect(await provider.diff!("id", inputs(), inputs({ snapshotId: "other" }))).toMatchObject({ changes: false });
    await provider.delete!("id", { ...inputs(), swapped: true });
    expect(compute.calls).toEqual([]);
  });
});

describe("OsDiskRollback", () => {
  test("puts the original back after a swap and tags the copy; a re-run changes nothing; delete touches nothing", async () => {
    const compute = world();
    await osDiskSwapProvider(() => compute).create(inputs());
    compute.calls.length = 0;
    const provider = osDiskRollbackProvider(() => compute);
    const r = await provider.create(rollbackInputs());
    expect(r.outs).toMatchObject({ rolledBack: true, reasons: [], osDiskId: ORIGINAL });
    expect(compute.writes()).toEqual([
      `addDiskTags ${COPY} vm-rescue:id,vm-rescue:rolled-back-copy-of`,
      "deallocate rg-app-prod/app-vm-01",
      `setOsDisk rg-app-prod/app-vm-01 ${ORIGINAL}`,
      "start rg-app-prod/app-vm-01",
    ]);
    expect(compute.vm("rg-app-prod", "app-vm-01").osDiskId).toBe(ORIGINAL);
    compute.calls.length = 0;
    expect((await provider.update!("id", rollbackInputs(), rollbackInputs())).outs).toMatchObject({ rolledBack: true, reasons: [expect.stringMatching(/already/)] });
    expect(compute.writes()).toEqual([]);
    compute.calls.length = 0;
    await provider.delete!("id", r.outs);
    expect(compute.calls).toEqual([]);
  });

  test("an API error is one clear line", async () => {
    const compute = world();
    await osDiskSwapProvider(() => compute).create(inputs());
    compute.failures.set("start", Object.assign(new Error("Allocation failed."), { statusCode: 409, code: "AllocationFailed" }));
    await expect(osDiskRollbackProvider(() => compute).create(rollbackInputs())).rejects.toThrow("starting VM app-vm-01 failed (HTTP 409 AllocationFailed): Allocation failed.");
  });
});
