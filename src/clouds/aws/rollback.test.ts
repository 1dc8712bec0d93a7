/** The rollback step on an instance left without a root, against a fake EC2. */
import { rollbackStep } from "./rollback";
import { base, world } from "../../../tests/helpers/ec2World";

describe("rollbackStep on an instance without a root", () => {
  test("an up that failed between the detach and the swap: the original is attached at the root device, the instance started", async () => {
    const w = world();
    w.instances["i-broken"] = { state: "stopped", devices: {} };
    w.volumes["vol-orig"] = { state: "available", attachments: [] };
    const rb = await rollbackStep(w.ctx, {
      ...base,
      instanceId: "i-broken",
      rootDeviceName: "/dev/sda1",
      volumeId: "vol-orig",
      deleteOnTermination: false,
      finalState: "running",
    });
    expect(rb).toMatchObject({ restoredVolumeId: "vol-orig", replacedVolumeId: "", changed: true });
    expect(w.instances["i-broken"]).toMatchObject({
      state: "running",
      devices: { "/dev/sda1": { volumeId: "vol-orig", dot: false } },
    });
    expect(w.calls).not.toContain("DetachVolume");
  });
});
