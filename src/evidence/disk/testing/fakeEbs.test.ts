import * as crypto from "crypto";
import { EbsApiError, FakeEbs, FAKE_EBS_BLOCK_SIZE } from "./fakeEbs";

/** The fake's behaviour against what the ListSnapshotBlocks / GetSnapshotBlock reference says. */
describe("FakeEbs follows the EBS direct API reference", () => {
  const snap = "snap-0123456789abcdef0";
  const written = new Map<number, Buffer>();
  for (const i of [0, 1, 7, 250, 2047]) written.set(i, Buffer.from(`block ${i}`));
  const fake = () => new FakeEbs(snap, 1, written);

  const rejection = (p: Promise<unknown>) =>
    p.then(
      () => undefined,
      (e: unknown) => e as EbsApiError,
    );

  test("BlockSize 524288, VolumeSize in GiB, only written blocks, ascending", async () => {
    const out = await fake().listSnapshotBlocks({ SnapshotId: snap, MaxResults: 100 });
    expect(out.BlockSize).toBe(524288);
    expect(out.VolumeSize).toBe(1);
    expect(out.Blocks!.map((b) => b.BlockIndex)).toEqual([0, 1, 7, 250, 2047]);
    expect(out.NextToken).toBeUndefined();
    expect(new Set(out.Blocks!.map((b) => b.BlockToken)).size).toBe(5);
  });

  test("MaxResults outside 100-10000 is a ValidationException", async () => {
    for (const max of [99, 10001]) {
      const listing = fake().listSnapshotBlocks({ SnapshotId: snap, MaxResults: max });
      const error = await rejection(listing);
      expect(error).toMatchObject({
        name: "ValidationException",
        $metadata: { httpStatusCode: 400 },
      });
    }
  });

  test("pages follow NextToken; StartingBlockIndex is ignored with a token", async () => {
    const client = new FakeEbs(snap, 1, written, { pageLimit: 2 });
    const indexes: number[] = [];
    const tokens: string[] = [];
    let token: string | undefined;
    do {
      const out = await client.listSnapshotBlocks({
        SnapshotId: snap,
        MaxResults: 100,
        NextToken: token,
        StartingBlockIndex: 2000,
      });
      indexes.push(...out.Blocks!.map((b) => b.BlockIndex!));
      token = out.NextToken ?? undefined;
      if (token) {
        expect(token).toMatch(/^[A-Za-z0-9+/=]+$/);
        tokens.push(token);
      }
    } while (token);
    expect(indexes).toEqual([2047]); // the first call has no token: StartingBlockIndex applies
    const all = new FakeEbs(snap, 1, written, { pageLimit: 2 });
    const first = await all.listSnapshotBlocks({ SnapshotId: snap, MaxResults: 100 });
    const second = await all.listSnapshotBlocks({
      SnapshotId: snap,
      NextToken: first.NextToken!,
      StartingBlockIndex: 2000,
    });
    expect(second.Blocks!.map((b) => b.BlockIndex)).toEqual([7, 250]);
  });

  test("a page may be empty and still carry a NextToken", async () => {
    const client = new FakeEbs(snap, 1, written, { emptyPagesFirst: 1 });
    const first = await client.listSnapshotBlocks({ SnapshotId: snap });
    expect(first.Blocks).toEqual([]);
    const next = { SnapshotId: snap, NextToken: first.NextToken! };
    const second = await client.listSnapshotBlocks(next);
    expect(second.Blocks).toHaveLength(5);
  });

  test("GetSnapshotBlock: 512 KiB, Checksum is base64 SHA-256, algorithm SHA256", async () => {
    const client = fake();
    const listed = await client.listSnapshotBlocks({ SnapshotId: snap });
    const block = listed.Blocks!.find((b) => b.BlockIndex === 7)!;
    const out = await client.getSnapshotBlock({
      SnapshotId: snap,
      BlockIndex: 7,
      BlockToken: block.BlockToken!,
    });
    expect(out.DataLength).toBe(FAKE_EBS_BLOCK_SIZE);
    expect(out.BlockData!.length).toBe(524288);
    expect(Buffer.from(out.BlockData!).toString("latin1", 0, 7)).toBe("block 7");
    expect(out.ChecksumAlgorithm).toBe("SHA256");
    const expected = crypto.createHash("sha256").update(out.BlockData!).digest();
    expect(Buffer.from(out.Checksum!, "base64").equals(expected)).toBe(true);
  });

  test("a token of another block, an unknown snapshot, a malformed id are rejected", async () => {
    const client = fake();
    const listed = await client.listSnapshotBlocks({ SnapshotId: snap });
    const token1 = listed.Blocks![1].BlockToken!;
    const wrong = { SnapshotId: snap, BlockIndex: 7, BlockToken: token1 };
    const e1 = await rejection(client.getSnapshotBlock(wrong));
    expect(e1).toMatchObject({ name: "ValidationException" });
    const e2 = await rejection(client.listSnapshotBlocks({ SnapshotId: "snap-0ffff" }));
    expect(e2).toMatchObject({
      name: "ResourceNotFoundException",
      $metadata: { httpStatusCode: 404 },
    });
    const e3 = await rejection(client.listSnapshotBlocks({ SnapshotId: "vol-123" }));
    expect(e3).toMatchObject({ name: "ValidationException" });
    const bogus = { SnapshotId: snap, NextToken: "bogus!" };
    const e4 = await rejection(client.listSnapshotBlocks(bogus));
    expect(e4).toMatchObject({ name: "ValidationException" });
  });

  test("fromDisk lists exactly the non-zero 512 KiB blocks", async () => {
    const disk = Buffer.alloc(4 * FAKE_EBS_BLOCK_SIZE);
    disk[FAKE_EBS_BLOCK_SIZE * 2 + 5] = 1;
    const client = FakeEbs.fromDisk(snap, disk);
    const out = await client.listSnapshotBlocks({ SnapshotId: snap });
    expect(out.Blocks!.map((b) => b.BlockIndex)).toEqual([2]);
    expect(out.VolumeSize).toBe(1);
  });
});
