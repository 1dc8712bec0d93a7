/** OsDiskSwap and OsDiskRollback against the in-memory compute: create, diff, delete, errors, re-runs. */
import {
  decideReswap,
  osDiskSwapKind,
  OsDiskSwapInputs,
  OsDiskSwapOutputs,
  runOsDiskSwap,
  validateSwapGeneration,
} from "./swap";
import { osDiskRollbackKind, runOsDiskRollback } from "./rollback";
import { runBootVerification } from "./bootVerification";
import { SimulatedClock, SimulatedCompute } from "./simulated";
import type { StepKind } from "../../steps/contract";
import { diffStep } from "../../steps/contract";
import { fixedRuntime, testContext } from "./testing/runtime";

/** A kind called as the plugin calls it, answering as the earlier providers did ({ id, outs }). */
function calls<I extends object, O extends object>(kind: StepKind<I, O>) {
  const ctx = testContext();
  return {
    create: (i: I) => kind.create(ctx, i),
    update: async (id: string, olds: O, news: I) => ({
      outs: await kind.update(ctx, id, olds, news),
    }),
    read: (id: string, state: O) => kind.read(ctx, id, state),
    delete: (id: string, state: O) => kind.delete(ctx, id, state),
  };
}
const osDiskSwapProvider = (compute: SimulatedCompute) =>
  calls(osDiskSwapKind(fixedRuntime(compute)));
const osDiskRollbackProvider = (compute: SimulatedCompute) =>
  calls(osDiskRollbackKind(fixedRuntime(compute)));

const SUB = "6f1e3b2a-41c7-4d2e-9a55-0c8d4b7e2f10";
const DISKS = `/subscriptions/${SUB}/resourceGroups/rg-app-prod/providers/Microsoft.Compute/disks`;
const ORIGINAL = `${DISKS}/app-vm-01_OsDisk_1_abc`;
const COPY = `${DISKS}/app-vm-01-inc-4711-osdisk-copy`;
const VM_ID = `/subscriptions/${SUB}/resourceGroups/rg-app-prod/providers/Microsoft.Compute/virtualMachines/app-vm-01`;

function world() {
  const compute = new SimulatedCompute();
  compute.addVm("rg-app-prod", "app-vm-01", {
    id: VM_ID,
    osDiskId: ORIGINAL,
    agentStatus: "Not Ready",
  });
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
  const { subscriptionId, resourceGroupName, vmName, originalDiskId, copyDiskId, rescueId } =
    inputs();
  return { subscriptionId, resourceGroupName, vmName, originalDiskId, copyDiskId, rescueId };
};

describe("OsDiskSwap", () => {
  test("a VM the rescue's stop already deallocated is swapped and started without another deallocate", async () => {
    const compute = world();
    compute.vm("rg-app-prod", "app-vm-01").powerState = "deallocated";
    const r = await osDiskSwapProvider(compute).create(inputs());
    expect(r.outs).toMatchObject({ swapped: true, osDiskId: COPY });
    expect(compute.writes()).not.toContain("deallocate rg-app-prod/app-vm-01");
    expect(compute.writes()).toEqual(
      expect.arrayContaining([
        `setOsDisk rg-app-prod/app-vm-01 ${COPY}`,
        "start rg-app-prod/app-vm-01",
      ]),
    );
    expect(compute.vm("rg-app-prod", "app-vm-01").powerState).toBe("running");
  });

  test("detaches the copy from the helper, tags the original, then deallocates, swaps and starts the VM", async () => {
    const compute = world();
    const r = await osDiskSwapProvider(compute).create(inputs());
    expect(r.outs).toMatchObject({ swapped: true, reasons: [], osDiskId: COPY });
    expect(r.id).toBe("rg-app-prod/app-vm-01/os-disk-swap/inc-4711");
    expect(compute.writes()).toEqual([
      `detachDataDisk rg-app-prod/inc-4711-helper ${COPY}`,
      `addDiskTags ${ORIGINAL} vm-rescue:id,vm-rescue:original-os-disk-of`,
      `addDiskTags ${COPY} vm-rescue:id,vm-rescue:swap-generation,vm-rescue:swap-phase`,
      "deallocate rg-app-prod/app-vm-01",
      `addDiskTags ${COPY} vm-rescue:swap-phase,vm-rescue:serial-baseline`,
      `setOsDisk rg-app-prod/app-vm-01 ${COPY}`,
      "start rg-app-prod/app-vm-01",
      `addDiskTags ${COPY} vm-rescue:swap-phase`,
    ]);
    expect(compute.diskTags.get(COPY.toLowerCase())).toEqual({
      "vm-rescue:id": "inc-4711",
      "vm-rescue:swap-generation": "0",
      "vm-rescue:swap-phase": "started",
      "vm-rescue:serial-baseline": "none",
    });
    expect(compute.vm("rg-app-prod", "app-vm-01")).toMatchObject({
      osDiskId: COPY,
      powerState: "running",
      agentStatus: "Ready",
    });
    expect(compute.diskTags.get(ORIGINAL.toLowerCase())).toEqual({
      "vm-rescue:id": "inc-4711",
      "vm-rescue:original-os-disk-of": VM_ID,
    });
  });

  test("a re-run on a swapped VM changes nothing", async () => {
    const compute = world();
    const provider = osDiskSwapProvider(compute);
    const { outs } = await provider.create(inputs());
    const before = compute.writes().length;
    const again = await provider.update("id", outs, inputs());
    expect(again.outs).toMatchObject({
      swapped: true,
      reasons: [expect.stringMatching(/already the OS disk/)],
    });
    expect(compute.writes()).toHaveLength(before);
  });

  test("a closed gate writes nothing and reports the reasons", async () => {
    const compute = world();
    const gate = { allowed: false, reasons: ["guest driver hyperv.vmbus blocks the swap"] };
    const r = await osDiskSwapProvider(compute).create(inputs({ gate }));
    expect(r.outs).toMatchObject({ swapped: false, reasons: gate.reasons, osDiskId: null });
    expect(compute.writes()).toEqual([]);
  });

  test("a gate that opens on a later update swaps; a further update with new reasons repeats nothing", async () => {
    const compute = world();
    const provider = osDiskSwapProvider(compute);
    const closed = await provider.create(
      inputs({ gate: { allowed: false, reasons: ["dryRun=true"] } }),
    );
    expect(closed.outs.swapped).toBe(false);
    const opened = await provider.update("id", closed.outs, inputs());
    expect(opened.outs).toMatchObject({ swapped: true, osDiskId: COPY });
    expect(compute.vm("rg-app-prod", "app-vm-01")).toMatchObject({
      osDiskId: COPY,
      powerState: "running",
    });
    const before = compute.writes().length;
    await provider.update(
      "id",
      opened.outs,
      inputs({ gate: { allowed: true, reasons: ["later"] } }),
    );
    expect(compute.writes()).toHaveLength(before);
  });

  test("a gate that closes after the swap changes nothing and still reports the VM on the copy", async () => {
    const compute = world();
    const provider = osDiskSwapProvider(compute);
    const { outs } = await provider.create(inputs());
    const before = compute.writes().length;
    const closed = await provider.update(
      "id",
      outs,
      inputs({ gate: { allowed: false, reasons: ["dryRun=true"] } }),
    );
    expect(closed.outs).toMatchObject({
      swapped: true,
      osDiskId: COPY,
      serialBaseline: outs.serialBaseline,
      reasons: [expect.stringMatching(/already the OS disk/), "dryRun=true"],
    });
    expect(compute.writes()).toHaveLength(before);
  });

  test("read reports the VM's OS disk now: after a swap-back by hand, swapped is false and the swap is not redone", async () => {
    const compute = world();
    const provider = osDiskSwapProvider(compute);
    const { outs } = await provider.create(inputs());
    expect(await provider.read("id", outs)).toEqual(outs);
    compute.vm("rg-app-prod", "app-vm-01").osDiskId = ORIGINAL;
    const live = (await provider.read("id", outs))!;
    expect(live).toMatchObject({ swapped: false, osDiskId: ORIGINAL, rolledBack: true });
    const before = compute.writes().length;
    const again = await provider.update(
      "id",
      live,
      inputs({ gate: { allowed: true, reasons: ["x"] } }),
    );
    expect(again.outs).toMatchObject({ swapped: false, rolledBack: true });
    expect(compute.writes()).toHaveLength(before);
    compute.vms.clear();
    expect(await provider.read("id", outs)).toBeNull();
  });

  test("an API error stops the swap with one line naming the step and Azure's code", async () => {
    const compute = world();
    compute.failures.set(
      "deallocate",
      Object.assign(new Error("Operation not allowed while a backup is running."), {
        statusCode: 409,
        code: "OperationNotAllowed",
      }),
    );
    await expect(osDiskSwapProvider(compute).create(inputs())).rejects.toThrow(
      "deallocating VM app-vm-01 failed (HTTP 409 OperationNotAllowed): Operation not allowed while a backup is running.",
    );
    expect(compute.vm("rg-app-prod", "app-vm-01").osDiskId).toBe(ORIGINAL);
  });

  test("a VM whose OS disk was changed by someone else is left alone", async () => {
    const compute = world();
    compute.vm("rg-app-prod", "app-vm-01").osDiskId = `${DISKS}/someone-elses-disk`;
    await expect(runOsDiskSwap(compute, inputs())).rejects.toThrow(
      /changed outside this rescue, so nothing is swapped/,
    );
    expect(compute.writes()).toEqual([]);
  });

  test("a copy already detached from the helper is not detached again", async () => {
    const compute = world();
    compute.vm("rg-app-prod", "inc-4711-helper").dataDiskIds = [];
    await osDiskSwapProvider(compute).create(inputs());
    expect(compute.writes().filter((c) => c.startsWith("detachDataDisk"))).toEqual([]);
  });

  test("diff: only what names the VM and its disks replaces; a changed gate, repair or generation is an update; delete touches nothing", async () => {
    const compute = world();
    const kind = osDiskSwapKind(fixedRuntime(compute));
    const d = (o: Partial<OsDiskSwapInputs>) =>
      diffStep(kind, inputs() as never, inputs(o) as never);
    expect(d({ gate: { allowed: false, reasons: ["dryRun=true"] } })).toMatchObject({
      changes: true,
      replaces: [],
    });
    expect(d({ repairRunCommandId: "repair-rc-2" })).toMatchObject({ changes: true, replaces: [] });
    expect(d({ helperVmName: "inc-4711-helper-2" })).toMatchObject({ changes: true, replaces: [] });
    expect(d({ swapGeneration: 1 })).toMatchObject({ changes: true, replaces: [] });
    expect(d({ copyDiskId: `${DISKS}/other-copy` }).replaces).toEqual(["copyDiskId"]);
    expect(d({ vmName: "other-vm" }).replaces).toEqual(["vmName"]);
    await osDiskSwapProvider(compute).delete("id", {
      ...inputs(),
      swapped: true,
      reasons: [],
      osDiskId: COPY,
      serialBaseline: null,
      rolledBack: false,
    });
    expect(compute.calls).toEqual([]);
  });
});

/** The pre-swap crash the boot diagnostics still hold when the swap starts (a boot loop on the original disk). */
const CRASH_LOG =
  'Boot\r\n<INSTANCE CLASSNAME="BLUESCREEN"><PROPERTY NAME="STOPCODE" TYPE="string"><VALUE>"0x1000007E"</VALUE></PROPERTY></INSTANCE>\r\n';

describe("OsDiskSwap records the serial log's baseline", () => {
  /** Boot diagnostics that keep the earlier boots' lines, with the crash of the original disk in them. */
  function keepingWorld() {
    const compute = world();
    compute.serialLogOnStart = "append";
    compute.vm("rg-app-prod", "app-vm-01").serialLog = CRASH_LOG;
    return compute;
  }
  const verifyInputs = (o: OsDiskSwapOutputs) => ({
    subscriptionId: SUB,
    resourceGroupName: "rg-app-prod",
    vmName: "app-vm-01",
    rescueId: "inc-4711",
    swapped: o.swapped,
    osDiskId: o.osDiskId,
    serialBaseline: o.serialBaseline,
    timeoutMinutes: 5,
  });

  test("the baseline is the log after the deallocation; the verification then ignores the old crash", async () => {
    const compute = keepingWorld();
    const o = await runOsDiskSwap(compute, inputs());
    expect(o.serialBaseline).toEqual({
      length: CRASH_LOG.length,
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      tail: CRASH_LOG,
    });
    // After the start the log holds the old crash and the good boot of the copy.
    expect(compute.vm("rg-app-prod", "app-vm-01").serialLog).toMatch(
      /BLUESCREEN[\s\S]*SAC started/,
    );
    const verified = await runBootVerification(compute, verifyInputs(o), new SimulatedClock());
    expect(verified).toMatchObject({ booted: true, bugCheck: null });
    // Without the baseline the same log reads as a crash: the baseline is what makes the difference.
    const blind = await runBootVerification(
      compute,
      { ...verifyInputs(o), serialBaseline: null },
      new SimulatedClock(),
    );
    expect(blind).toMatchObject({ booted: false, bugCheck: expect.stringMatching(/BLUESCREEN/) });
  });

  test("a log that grows while the VM is still crashing before the deallocation: the later read is the baseline", async () => {
    const compute = keepingWorld();
    const deallocate = compute.deallocate.bind(compute);
    compute.deallocate = async (rg, name) => {
      compute.vm(rg, name).serialLog += CRASH_LOG; // one more crash before the VM stops
      await deallocate(rg, name);
    };
    const o = await runOsDiskSwap(compute, inputs());
    expect(o.serialBaseline?.length).toBe(2 * CRASH_LOG.length);
    expect(await runBootVerification(compute, verifyInputs(o), new SimulatedClock())).toMatchObject(
      { booted: true },
    );
  });

  test("boot diagnostics unreadable after the deallocation: the read before it is kept; unreadable both times: no baseline", async () => {
    const compute = keepingWorld();
    const diag = compute.bootDiagnostics.bind(compute);
    let n = 0;
    compute.bootDiagnostics = async (rg, name) => {
      if (++n === 2) throw new Error("boot diagnostics are not available for a deallocated VM");
      return diag(rg, name);
    };
    expect((await runOsDiskSwap(compute, inputs())).serialBaseline?.length).toBe(CRASH_LOG.length);
    const off = world();
    off.bootDiagnostics = async () => {
      throw new Error("boot diagnostics are disabled");
    };
    expect((await runOsDiskSwap(off, inputs())).serialBaseline).toBeNull();
  });

  test("a re-run that finds the VM already swapped keeps the recorded baseline", async () => {
    const compute = keepingWorld();
    const provider = osDiskSwapProvider(compute);
    const first = (await provider.create(inputs())).outs as OsDiskSwapOutputs;
    expect(first.serialBaseline).not.toBeNull();
    const again = (
      await provider.update(
        "id",
        first,
        inputs({ gate: { allowed: true, reasons: ["re-planned"] } }),
      )
    ).outs as OsDiskSwapOutputs;
    expect(again).toMatchObject({
      swapped: true,
      serialBaseline: first.serialBaseline,
      reasons: [expect.stringMatching(/already the OS disk/)],
    });
    // Without a recorded run (no olds) the baseline the swap recorded on the copy is used (its
    // length and hash), not the log after the swap: nothing is invented.
    expect((await runOsDiskSwap(compute, inputs())).serialBaseline).toEqual({
      length: first.serialBaseline!.length,
      sha256: first.serialBaseline!.sha256,
    });
  });
});

describe("OsDiskSwap after a rollback", () => {
  /** Swapped by the provider, then rolled back by the rollback resource: returns the swap's recorded outputs. */
  async function swappedThenRolledBack(compute = world()) {
    const swapped = (await osDiskSwapProvider(compute).create(inputs())).outs as OsDiskSwapOutputs;
    await runOsDiskRollback(compute, rollbackInputs());
    compute.calls.length = 0;
    return { compute, swapped };
  }

  test("a changed gate does not swap again: the copy's rolled-back tag and the recorded outputs say it was rolled back", async () => {
    const { compute, swapped } = await swappedThenRolledBack();
    const provider = osDiskSwapProvider(compute);
    const r = (
      await provider.update(
        "id",
        swapped,
        inputs({ gate: { allowed: true, reasons: ["allowIncompatibleDrivers=true"] } }),
      )
    ).outs as OsDiskSwapOutputs;
    expect(r).toMatchObject({
      swapped: false,
      rolledBack: true,
      osDiskId: ORIGINAL,
      serialBaseline: null,
    });
    expect(r.reasons[0]).toMatch(
      /rolled back .*rolled-back-copy-of.*previous run swapped the copy in.*set swapGeneration to 1$/,
    );
    expect(compute.writes()).toEqual([]);
    expect(compute.vm("rg-app-prod", "app-vm-01").osDiskId).toBe(ORIGINAL);
  });

  test("the copy's tags alone (no recorded outputs: a new resource) are enough", async () => {
    const { compute } = await swappedThenRolledBack();
    const r = await runOsDiskSwap(compute, inputs());
    expect(r).toMatchObject({ swapped: false, rolledBack: true });
    expect(compute.writes()).toEqual([]);
  });

  test("the recorded outputs alone are enough (a rollback by hand left no tag)", async () => {
    const { compute, swapped } = await swappedThenRolledBack();
    compute.diskTags.delete(COPY.toLowerCase());
    const r = await runOsDiskSwap(compute, inputs(), swapped);
    expect(r).toMatchObject({
      swapped: false,
      rolledBack: true,
      reasons: [expect.stringMatching(/previous run swapped the copy in/)],
    });
    // And that refusal is remembered by the next run.
    expect(await runOsDiskSwap(compute, inputs(), r)).toMatchObject({
      swapped: false,
      rolledBack: true,
    });
    expect(compute.writes()).toEqual([]);
  });

  test("swapGeneration 1 swaps again; after a second rollback generation 1 stays rolled back and 2 swaps", async () => {
    const { compute, swapped } = await swappedThenRolledBack();
    const provider = osDiskSwapProvider(compute);
    const again = (await provider.update("id", swapped, inputs({ swapGeneration: 1 })))
      .outs as OsDiskSwapOutputs;
    expect(again).toMatchObject({
      swapped: true,
      rolledBack: false,
      osDiskId: COPY,
      reasons: [expect.stringMatching(/redone: swapGeneration 1/)],
    });
    expect(compute.writes()).toEqual(
      expect.arrayContaining([`setOsDisk rg-app-prod/app-vm-01 ${COPY}`]),
    );
    expect(compute.diskTags.get(COPY.toLowerCase())).toMatchObject({
      "vm-rescue:swap-generation": "1",
    });
    await runOsDiskRollback(compute, rollbackInputs());
    compute.calls.length = 0;
    expect(await runOsDiskSwap(compute, inputs({ swapGeneration: 1 }), again)).toMatchObject({
      swapped: false,
      reasons: [expect.stringMatching(/set swapGeneration to 2$/)],
    });
    expect(await runOsDiskSwap(compute, inputs({ swapGeneration: 1 }))).toMatchObject({
      swapped: false,
    });
    expect(compute.writes()).toEqual([]);
    expect(await runOsDiskSwap(compute, inputs({ swapGeneration: 2 }), again)).toMatchObject({
      swapped: true,
    });
    expect(compute.vm("rg-app-prod", "app-vm-01").osDiskId).toBe(COPY);
  });

  test("decideReswap: no sign of a rollback swaps; a rolled-back tag of another VM does not count", () => {
    expect(decideReswap(inputs(), VM_ID, {}, undefined)).toEqual({ swap: true, reasons: [] });
    expect(
      decideReswap(inputs(), VM_ID, {
        "vm-rescue:rolled-back-copy-of":
          "/subscriptions/x/resourceGroups/y/providers/Microsoft.Compute/virtualMachines/other",
      }),
    ).toMatchObject({ swap: true });
    expect(
      decideReswap(inputs(), VM_ID, {
        "VM-RESCUE:ROLLED-BACK-COPY-OF": VM_ID.toUpperCase(),
        "vm-rescue:swap-generation": "3",
      }),
    ).toMatchObject({ swap: false, rolledBackGeneration: 3 });
    expect(
      decideReswap(inputs({ swapGeneration: 4 }), VM_ID, {
        "vm-rescue:rolled-back-copy-of": VM_ID,
        "vm-rescue:swap-generation": "3",
      }),
    ).toMatchObject({ swap: true });
  });

  test("a missing copy is one line and changes nothing; swapGeneration must be a whole number", async () => {
    const compute = world();
    compute.deletedDisks.add(COPY);
    await expect(runOsDiskSwap(compute, inputs())).rejects.toThrow(
      `the repaired copy ${COPY} no longer exists, so nothing is swapped`,
    );
    expect(compute.writes()).toEqual([]);
    expect(() => validateSwapGeneration(-1)).toThrow(/swapGeneration must be a whole number/);
    expect(() => validateSwapGeneration(1.5)).toThrow(/swapGeneration/);
    expect(() => validateSwapGeneration(2)).not.toThrow();
    expect(() => validateSwapGeneration(undefined)).not.toThrow();
  });
});

describe("OsDiskRollback", () => {
  test("puts the original back after a swap and tags the copy; a re-run changes nothing; delete touches nothing", async () => {
    const compute = world();
    await osDiskSwapProvider(compute).create(inputs());
    compute.calls.length = 0;
    const provider = osDiskRollbackProvider(compute);
    const r = await provider.create(rollbackInputs());
    expect(r.outs).toMatchObject({ rolledBack: true, reasons: [], osDiskId: ORIGINAL });
    expect(compute.writes()).toEqual([
      `addDiskTags ${COPY} vm-rescue:id,vm-rescue:rolled-back-copy-of`,
      `addDiskTags ${ORIGINAL} vm-rescue:rollback-phase`,
      "deallocate rg-app-prod/app-vm-01",
      `addDiskTags ${ORIGINAL} vm-rescue:rollback-phase,vm-rescue:serial-baseline`,
      `setOsDisk rg-app-prod/app-vm-01 ${ORIGINAL}`,
      "start rg-app-prod/app-vm-01",
      `addDiskTags ${ORIGINAL} vm-rescue:rollback-phase`,
    ]);
    expect(compute.vm("rg-app-prod", "app-vm-01").osDiskId).toBe(ORIGINAL);
    compute.calls.length = 0;
    expect((await provider.update("id", r.outs, rollbackInputs())).outs).toMatchObject({
      rolledBack: true,
      reasons: [expect.stringMatching(/already/)],
    });
    expect(compute.writes()).toEqual([]);
    compute.calls.length = 0;
    await provider.delete("id", r.outs);
    expect(compute.calls).toEqual([]);
  });

  test("a missing original disk is one line and the VM stays on the copy", async () => {
    const compute = world();
    await osDiskSwapProvider(compute).create(inputs());
    compute.deletedDisks.add(ORIGINAL.toUpperCase());
    compute.calls.length = 0;
    await expect(runOsDiskRollback(compute, rollbackInputs())).rejects.toThrow(
      `the original OS disk ${ORIGINAL} no longer exists, so nothing is rolled back (VM app-vm-01 stays on ${COPY})`,
    );
    expect(compute.writes()).toEqual([]);
    expect(compute.vm("rg-app-prod", "app-vm-01").osDiskId).toBe(COPY);
  });

  test("a VM on neither disk is refused", async () => {
    const compute = world();
    compute.vm("rg-app-prod", "app-vm-01").osDiskId = `${DISKS}/someone-elses-disk`;
    await expect(runOsDiskRollback(compute, rollbackInputs())).rejects.toThrow(
      /changed outside this rescue, so nothing is rolled back/,
    );
    expect(compute.writes()).toEqual([]);
  });

  test("an API error is one clear line", async () => {
    const compute = world();
    await osDiskSwapProvider(compute).create(inputs());
    compute.failures.set(
      "start",
      Object.assign(new Error("Allocation failed."), { statusCode: 409, code: "AllocationFailed" }),
    );
    await expect(osDiskRollbackProvider(compute).create(rollbackInputs())).rejects.toThrow(
      "starting VM app-vm-01 failed (HTTP 409 AllocationFailed): Allocation failed.",
    );
  });
});
