/** The backup's completion (what inPlace's verification waits for), against a fake EC2 and a fake clock. */
import { backupCompletionStep } from "./backupCompletion";
import { backupSnapshotStep } from "./snapshots";
import { base, world } from "../../../tests/helpers/ec2World";

const started = async (w: ReturnType<typeof world>) =>
  (await backupSnapshotStep(w.ctx, { ...base, volumeId: "vol-orig", description: "d", tags: {} }))
    .snapshotId;

describe("backupCompletionStep", () => {
  test("waits while the snapshot is pending and says when it completed", async () => {
    const w = world();
    const snapshotId = await started(w);
    w.hooks.snapshotPending = 3;
    const out = await backupCompletionStep(w.ctx, { ...base, snapshotId });
    expect(w.snapshots[snapshotId].state).toBe("completed");
    expect(out).toEqual({
      state: "completed",
      completedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
  });

  test("a failed snapshot fails the step and says the root has no backup from this rescue", async () => {
    const w = world();
    const snapshotId = await started(w);
    w.snapshots[snapshotId].state = "error";
    await expect(backupCompletionStep(w.ctx, { ...base, snapshotId })).rejects.toThrow(
      /backup is lost.*take a new snapshot/,
    );
  });
});
