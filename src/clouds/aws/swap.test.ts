/** The swap steps (stop and detach the root, move the repaired volume in) and the chain after them, against a fake EC2 and a fake clock. */
import { rootDetachStep, rootSwapStep } from "./swap";
import { verifyStep } from "./bootVerification";
import { rollbackStep } from "./rollback";
import { base, closed, open, world } from "../../../tests/helpers/ec2World";

describe("rootDetachStep", () => {
  test("stops the instance and detaches its root, keeping the volume; a second run changes nothing", async () => {
    const w = world();
    const out = await rootDetachStep(w.ctx, {
      ...base,
      instanceId: "i-broken",
      rootVolumeId: "vol-orig",
      snapshotId: "snap-1",
      gate: open,
    });
    expect(out).toEqual({
      stopped: true,
      detached: true,
      detachedVolumeId: "vol-orig",
      forcedStop: false,
      reason: "",
      attachedTo: "",
    });
    expect(w.instances["i-broken"].state).toBe("stopped");
    expect(w.volumes["vol-orig"].state).toBe("available");
    const before = w.calls.length;
    await rootDetachStep(w.ctx, {
      ...base,
      instanceId: "i-broken",
      rootVolumeId: "vol-orig",
      snapshotId: "snap-1",
      gate: open,
    });
    expect(w.calls.slice(before).filter((c) => !c.startsWith("Describe"))).toEqual([]);
    expect(w.calls).not.toContain("DeleteVolume");
  });

  test("stopOnly (copy mode, beside the repair): stops the instance and leaves its root attached for the swap", async () => {
    const w = world();
    const out = await rootDetachStep(w.ctx, {
      ...base,
      instanceId: "i-broken",
      rootVolumeId: "vol-orig",
      snapshotId: "snap-1",
      gate: open,
      stopOnly: true,
    });
    expect(out).toMatchObject({ stopped: true, detached: false, detachedVolumeId: "" });
    expect(w.instances["i-broken"]).toMatchObject({
      state: "stopped",
      devices: { "/dev/sda1": { volumeId: "vol-orig" } },
    });
    expect(w.calls).not.toContain("DetachVolume");
  });

  test("a closed gate leaves the instance running with its root: no call at all, the reason in the outputs", async () => {
    const w = world();
    const out = await rootDetachStep(w.ctx, {
      ...base,
      instanceId: "i-broken",
      rootVolumeId: "vol-orig",
      snapshotId: "snap-1",
      gate: closed,
    });
    expect(out).toMatchObject({
      detached: false,
      detachedVolumeId: "",
      reason: expect.stringMatching(/not stopped.*ena blocks the swap/),
    });
    expect(w.calls).toEqual([]);
    expect(w.instances["i-broken"]).toMatchObject({
      state: "running",
      devices: { "/dev/sda1": { volumeId: "vol-orig" } },
    });
  });

  test("refuses without a backup snapshot", async () => {
    const w = world();
    await expect(
      rootDetachStep(w.ctx, {
        ...base,
        instanceId: "i-broken",
        rootVolumeId: "vol-orig",
        snapshotId: "",
        gate: open,
      }),
    ).rejects.toThrow(/no backup snapshot/);
    expect(w.calls).toEqual([]);
  });

  test("a stop that hangs in stopping is forced after half the timeout", async () => {
    const w = world();
    w.instances["i-broken"].stopHangs = true;
    const out = await rootDetachStep(w.ctx, {
      ...base,
      instanceId: "i-broken",
      rootVolumeId: "vol-orig",
      snapshotId: "snap-1",
      gate: open,
    });
    expect(out.forcedStop).toBe(true);
    expect(w.calls.filter((c) => c === "gentle" || c === "force")).toEqual(["gentle", "force"]);
  });

  test("a root volume that will not detach times out with what to do, never force-detaching", async () => {
    const w = world();
    w.hooks.detachStuck = "vol-orig";
    await expect(
      rootDetachStep(w.ctx, {
        ...base,
        instanceId: "i-broken",
        rootVolumeId: "vol-orig",
        snapshotId: "snap-1",
        gate: open,
      }),
    ).rejects.toThrow(/did not detach from i-broken within 600 s.*never force-detaches/);
    expect(w.clock()).toBeGreaterThanOrEqual(600_000);
  });
});

describe("rootSwapStep, verifyStep, rollbackStep", () => {
  const swap = {
    ...base,
    instanceId: "i-broken",
    rootDeviceName: "/dev/sda1",
    volumeId: "vol-copy",
    helperInstanceId: "i-helper",
    deleteOnTermination: true,
    gate: open,
    reattachWhenClosed: false,
  };
  const verify = {
    ...base,
    instanceId: "i-broken",
    rollbackVolumeId: "vol-orig",
    swapped: true,
    swapReason: "",
  };

  test("moves the repaired volume to the original root device name, restores DeleteOnTermination, starts; the original is kept", async () => {
    const w = world();
    w.hooks.attachFails = 2; // VolumeInUse right after the detach: retried
    const out = await rootSwapStep(w.ctx, swap);
    expect(out).toEqual({
      swapped: true,
      rootVolumeId: "vol-copy",
      previousRootVolumeId: "vol-orig",
      consoleBaseline: expect.objectContaining({ length: 23 }),
      reason: "",
      rolledBack: false,
    });
    expect(w.instances["i-broken"].devices["/dev/sda1"]).toEqual({
      volumeId: "vol-copy",
      dot: true,
    });
    expect(w.instances["i-broken"].state).toBe("running");
    expect(w.volumes["vol-orig"].state).toBe("available");
    expect(w.calls).not.toContain("DeleteVolume");
  });

  test("copy: a swap blocked by the driver check changes nothing and does not fail; the verification says why there is no boot", async () => {
    const w = world();
    const out = await rootSwapStep(w.ctx, { ...swap, gate: closed });
    expect(out).toEqual({
      swapped: false,
      rootVolumeId: "",
      previousRootVolumeId: "",
      consoleBaseline: null,
      reason: expect.stringMatching(
        /swap was not done and the instance keeps its original root: guest driver ena/,
      ),
      rolledBack: false,
    });
    const v = await verifyStep(w.ctx, {
      ...verify,
      finalState: "running",
      swapped: out.swapped,
      swapReason: out.reason,
    });
    expect(v).toMatchObject({
      healthy: false,
      reason: expect.stringMatching(/no boot to verify: the swap was not done/),
    });
    expect(w.calls).toEqual([]);
  });

  test("inPlace: with the gate closed the root goes back (DeleteOnTermination restored) and the instance stays stopped", async () => {
    const w = world();
    // inPlace: the instance is stopped and its root is on the helper as xvdf.
    w.instances["i-broken"] = { state: "stopped", devices: {} };
    w.instances["i-helper"].devices.xvdf = { volumeId: "vol-orig", dot: false };
    w.volumes["vol-orig"].attachments = [
      { InstanceId: "i-helper", Device: "xvdf", State: "attached" },
    ];
    const out = await rootSwapStep(w.ctx, {
      ...swap,
      volumeId: "vol-orig",
      gate: { allowed: false, reasons: ["dryRun=true"] },
      reattachWhenClosed: true,
    });
    expect(out).toMatchObject({
      swapped: false,
      rootVolumeId: "vol-orig",
      reason: expect.stringMatching(/back in place.*left stopped: dryRun=true/),
    });
    expect(w.instances["i-broken"]).toMatchObject({
      state: "stopped",
      devices: { "/dev/sda1": { volumeId: "vol-orig", dot: true } },
    });
    expect(w.calls).not.toContain("StartInstances");
  });

  test("a volume in use elsewhere is refused", async () => {
    const w = world();
    w.volumes["vol-copy"].attachments = [
      { InstanceId: "i-other", Device: "xvdg", State: "attached" },
    ];
    await expect(rootSwapStep(w.ctx, swap)).rejects.toThrow(/attached to i-other/);
  });

  test("a clean boot passes; a re-crash fails the step and offers the rollback, which puts the original back", async () => {
    const w = world();
    await rootSwapStep(w.ctx, swap);
    await expect(verifyStep(w.ctx, { ...verify, finalState: "running" })).resolves.toMatchObject({
      healthy: true,
    });
    w.hooks.console = "*** STOP: 0x1000007E (0xFFFFFFFFC0000005, ...)";
    await expect(verifyStep(w.ctx, { ...verify, finalState: "running" })).rejects.toThrow(
      /did not boot cleanly.*Roll back \(puts vol-orig back as root.*: vm-rescue rollback --cloud aws --instance-id i-broken --region eu-west-1 \(or, while the stack exists: pulumi config set vm-rescue:rollback true && pulumi up\)$/,
    );
    const rb = await rollbackStep(w.ctx, {
      ...base,
      instanceId: "i-broken",
      rootDeviceName: "/dev/sda1",
      volumeId: "vol-orig",
      deleteOnTermination: true,
      finalState: "running",
    });
    expect(rb).toEqual({
      restoredVolumeId: "vol-orig",
      replacedVolumeId: "vol-copy",
      changed: true,
      consoleBaseline: expect.objectContaining({ length: w.hooks.console!.length }),
      rootVolumeId: "vol-orig",
    });
    expect(w.instances["i-broken"].devices["/dev/sda1"]).toEqual({
      volumeId: "vol-orig",
      dot: true,
    });
    expect(w.volumes["vol-copy"].state).toBe("available");
  });

  test("a rollback when the original still is the root (no swap ran) stops and detaches nothing", async () => {
    const w = world();
    const rb = await rollbackStep(w.ctx, {
      ...base,
      instanceId: "i-broken",
      rootDeviceName: "/dev/sda1",
      volumeId: "vol-orig",
      deleteOnTermination: true,
      finalState: "running",
    });
    expect(rb).toEqual({
      restoredVolumeId: "vol-orig",
      replacedVolumeId: "",
      changed: false,
      consoleBaseline: null,
      rootVolumeId: "vol-orig",
    });
    expect(w.calls.filter((c) => !c.startsWith("Describe"))).toEqual([]);
  });

  test("an impaired instance status is a re-crash; a stopped original is stopped again after a clean boot", async () => {
    const w = world();
    await rootSwapStep(w.ctx, swap);
    w.hooks.status = ["ok", "impaired"];
    await expect(verifyStep(w.ctx, { ...verify, finalState: "running" })).rejects.toThrow(
      /instance status check failed/,
    );
    w.hooks.status = ["ok", "ok"];
    await verifyStep(w.ctx, { ...verify, finalState: "stopped" });
    expect(w.instances["i-broken"].state).toBe("stopped");
  });
});
