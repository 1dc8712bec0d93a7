/** The backup snapshot and the volume from it, against a fake EC2 and a fake clock. */
import { backupSnapshotStep, createVolumeRequest, volumeFromSnapshotStep } from "./snapshots";
import { base, world } from "../../../tests/helpers/ec2World";

describe("backupSnapshotStep", () => {
  test("returns once EBS has the snapshot (pending), and adopts it on a retry", async () => {
    const w = world();
    const tags = { "vm-rescue:id": "inc-4711" };
    const a = await backupSnapshotStep(w.ctx, {
      ...base,
      volumeId: "vol-orig",
      description: "backup",
      tags,
    });
    expect(w.snapshots[a.snapshotId].state).toBe("pending");
    const b = await backupSnapshotStep(w.ctx, {
      ...base,
      volumeId: "vol-orig",
      description: "backup",
      tags,
    });
    expect(b.snapshotId).toBe(a.snapshotId);
    expect(w.calls.filter((c) => c === "CreateSnapshot")).toHaveLength(1);
  });
});

describe("volumeFromSnapshotStep", () => {
  const spec = {
    availabilityZone: "eu-west-1a",
    volumeType: "io2",
    iops: 6000,
    throughput: null,
    sizeGiB: 100,
    encrypted: true,
    kmsKeyId: "arn:aws:kms:eu-west-1:123456789012:key/k1",
  };
  const inputs = {
    ...base,
    snapshotId: "snap-b",
    originalVolumeId: "vol-orig",
    spec,
    tags: { "vm-rescue:id": "inc-4711", "vm-rescue:role": "rollback-from-backup" },
  };

  test("waits for the backup to complete, creates the volume with the original's settings tagged copy-of, waits for it; a re-run adopts it", async () => {
    const w = world();
    w.snapshots["snap-b"] = { state: "pending", volumeId: "vol-orig", tags: {} };
    w.hooks.snapshotPending = 2;
    w.hooks.volumeCreating = 2;
    const { volumeId } = await volumeFromSnapshotStep(w.ctx, inputs);
    expect(w.snapshots["snap-b"].state).toBe("completed");
    expect(w.volumes[volumeId]).toMatchObject({
      state: "available",
      tags: {
        "vm-rescue:id": "inc-4711",
        "vm-rescue:role": "rollback-from-backup",
        "vm-rescue:copy-of": "vol-orig",
      },
      extra: {
        SnapshotId: "snap-b",
        AvailabilityZone: "eu-west-1a",
        VolumeType: "io2",
        Iops: 6000,
        Size: 100,
        Encrypted: true,
        KmsKeyId: spec.kmsKeyId,
      },
    });
    expect(w.volumes[volumeId].extra).not.toHaveProperty("Throughput");
    const again = await volumeFromSnapshotStep(w.ctx, inputs);
    expect(again.volumeId).toBe(volumeId);
    expect(w.calls.filter((c) => c === "CreateVolume")).toHaveLength(1);
    expect(w.calls).not.toContain("DeleteVolume");
  });

  test("a failed backup fails the step before any volume is made", async () => {
    const w = world();
    w.snapshots["snap-b"] = { state: "error", volumeId: "vol-orig", tags: {} };
    await expect(volumeFromSnapshotStep(w.ctx, inputs)).rejects.toThrow(/snapshot snap-b failed/);
    expect(w.calls).not.toContain("CreateVolume");
  });

  test("createVolumeRequest keeps only what the type takes: gp3 IOPS and throughput, no KMS key unencrypted", () => {
    const gp3 = createVolumeRequest(
      "snap-1",
      {
        availabilityZone: "eu-west-1b",
        volumeType: "gp3",
        iops: 4000,
        throughput: 250,
        sizeGiB: 80,
        encrypted: false,
        kmsKeyId: null,
      },
      { a: "b" },
    );
    expect(gp3).toEqual({
      SnapshotId: "snap-1",
      AvailabilityZone: "eu-west-1b",
      VolumeType: "gp3",
      Iops: 4000,
      Throughput: 250,
      Size: 80,
      TagSpecifications: [{ ResourceType: "volume", Tags: [{ Key: "a", Value: "b" }] }],
    });
    const gp2 = createVolumeRequest(
      "snap-1",
      {
        availabilityZone: "eu-west-1b",
        volumeType: "gp2",
        iops: 300,
        throughput: 125,
        sizeGiB: null,
        encrypted: true,
        kmsKeyId: "k",
      },
      {},
    );
    expect(gp2).toEqual({
      SnapshotId: "snap-1",
      AvailabilityZone: "eu-west-1b",
      VolumeType: "gp2",
      Encrypted: true,
      KmsKeyId: "k",
      TagSpecifications: [{ ResourceType: "volume", Tags: [] }],
    });
  });
});
