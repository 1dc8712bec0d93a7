import { isFormatError } from "../formatError";
import {
  EBS_MAX_CONCURRENT_GETS,
  ebsSnapshotSource,
  type EbsDirectClient,
  type EbsListSnapshotBlocksOutput,
} from "./ebsSnapshotSource";
import { patternBytes } from "./testing/diskImages";
import { FakeEbs, FAKE_EBS_BLOCK_SIZE } from "./testing/fakeEbs";

const SNAP = "snap-0a1b2c3d4e5f60718";
const BLOCK = FAKE_EBS_BLOCK_SIZE;

/** Written blocks 0, 1, 2 (pattern), 9 and 2047 (the last of 1 GiB); the rest never written. */
function sampleBlocks(): Map<number, Buffer> {
  const blocks = new Map<number, Buffer>();
  for (const i of [0, 1, 2, 9, 2047]) blocks.set(i, patternBytes(BLOCK, `ebs ${i}`));
  return blocks;
}

const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e as Error,
  );

describe("ebsSnapshotSource over the fake EBS direct APIs", () => {
  test("lists every page, reads written blocks and zeros elsewhere, caches blocks", async () => {
    const blocks = sampleBlocks();
    const fake = new FakeEbs(SNAP, 1, blocks, { emptyPagesFirst: 2 });
    const source = await ebsSnapshotSource(fake, SNAP, { maxResults: 100 });
    expect(source.size).toBe(1024 ** 3);
    expect(source.label).toBe(`ebs:${SNAP}`);
    expect(source.writtenBlocks).toBe(5);
    expect(source.stats.listCalls).toBe(3);
    const bytes = await source.read(BLOCK - 100, 2 * BLOCK + 200);
    expect(bytes.subarray(0, 100).equals(blocks.get(0)!.subarray(BLOCK - 100))).toBe(true);
    expect(bytes.subarray(100, 100 + BLOCK).equals(blocks.get(1)!)).toBe(true);
    expect(bytes.subarray(100 + BLOCK, 100 + 2 * BLOCK).equals(blocks.get(2)!)).toBe(true);
    expect(bytes.subarray(100 + 2 * BLOCK).every((b) => b === 0)).toBe(true);
    expect(fake.calls.get).toBe(3);
    await source.read(0, 10); // cached
    const tail = await source.read(1024 ** 3 - 10, 10);
    expect(tail.equals(blocks.get(2047)!.subarray(BLOCK - 10))).toBe(true);
    expect(fake.calls.get).toBe(4);
    expect(source.stats).toEqual({ listCalls: 3, getCalls: 4, bytes: 4 * BLOCK });
  });

  test("small pages: pagination with NextToken collects every block once", async () => {
    const blocks = new Map<number, Buffer>();
    for (let i = 0; i < 450; i++) blocks.set(i * 3, Buffer.from([i & 0xff, 1]));
    const fake = new FakeEbs(SNAP, 1, blocks, { pageLimit: 100 });
    const source = await ebsSnapshotSource(fake, SNAP, { maxResults: 100 });
    expect(source.writtenBlocks).toBe(450);
    expect(fake.calls.list).toBe(5);
    expect([...(await source.read(3 * 449 * BLOCK, 2))]).toEqual([449 & 0xff, 1]);
    expect([...(await source.read(3 * 449 * BLOCK + BLOCK, 2))]).toEqual([0, 0]);
  });

  test("a long read keeps at most EBS_MAX_CONCURRENT_GETS calls in flight", async () => {
    const blocks = new Map<number, Buffer>();
    for (let i = 0; i < 40; i++) blocks.set(i, Buffer.from([i]));
    const fake = new FakeEbs(SNAP, 1, blocks);
    let running = 0;
    let most = 0;
    const slow: EbsDirectClient = {
      listSnapshotBlocks: (input) => fake.listSnapshotBlocks(input),
      getSnapshotBlock: async (input) => {
        most = Math.max(most, ++running);
        await new Promise((r) => setTimeout(r, 5));
        running--;
        return fake.getSnapshotBlock(input);
      },
    };
    const source = await ebsSnapshotSource(slow, SNAP);
    const bytes = await source.read(0, 40 * BLOCK);
    expect(bytes[39 * BLOCK]).toBe(39);
    expect(most).toBe(EBS_MAX_CONCURRENT_GETS);
  });

  test("a block whose SHA-256 does not match its checksum is a FormatError", async () => {
    const fake = new FakeEbs(SNAP, 1, sampleBlocks(), {
      tamper: (index, out) => {
        if (index === 9) Buffer.from(out.BlockData!.buffer)[77] ^= 1;
        return out;
      },
    });
    const source = await ebsSnapshotSource(fake, SNAP);
    await source.read(0, 10);
    const error = await failure(source.read(9 * BLOCK, 10));
    expect(isFormatError(error, "ebs-checksum")).toBe(true);
    expect(error!.message).toMatch(/^ebs:snap-0a1b2c3d4e5f60718: GetSnapshotBlock 9: SHA-256 /);
  });

  test("wrong algorithm, short data, bad BlockSize are refused", async () => {
    const algo = new FakeEbs(SNAP, 1, sampleBlocks(), {
      tamper: (_, out) => ({ ...out, ChecksumAlgorithm: "CRC32" }),
    });
    const e1 = await failure((await ebsSnapshotSource(algo, SNAP)).read(0, 1));
    expect(isFormatError(e1, "ebs-checksum-algorithm")).toBe(true);
    const short = new FakeEbs(SNAP, 1, sampleBlocks(), {
      tamper: (_, out) => ({ ...out, BlockData: out.BlockData!.subarray(0, 4096) }),
    });
    const e2 = await failure((await ebsSnapshotSource(short, SNAP)).read(0, 1));
    expect(isFormatError(e2, "ebs-block-length")).toBe(true);
  });

  /** A client whose pages are given literally. */
  function scripted(pages: EbsListSnapshotBlocksOutput[]): EbsDirectClient {
    let n = 0;
    return {
      listSnapshotBlocks: async () => pages[Math.min(n++, pages.length - 1)],
      getSnapshotBlock: async () => {
        throw new Error("not used");
      },
    };
  }
  const page = (extra: Partial<EbsListSnapshotBlocksOutput>): EbsListSnapshotBlocksOutput => ({
    Blocks: [],
    BlockSize: BLOCK,
    VolumeSize: 1,
    ...extra,
  });

  test.each([
    ["ebs-list-loop", [page({ NextToken: "AAAA" }), page({ NextToken: "AAAA" })]],
    ["ebs-block-size", [page({ BlockSize: 4096 })]],
    ["ebs-volume-size", [page({ NextToken: "AA" }), page({ VolumeSize: 2 })]],
    ["ebs-volume-size", [page({ VolumeSize: 0 })]],
    ["ebs-block-index", [page({ Blocks: [{ BlockIndex: 2048, BlockToken: "t" }] })]],
    ["ebs-block-token", [page({ Blocks: [{ BlockIndex: 1 }] })]],
    [
      "ebs-duplicate-block",
      [
        page({ Blocks: [{ BlockIndex: 1, BlockToken: "a" }], NextToken: "B" }),
        page({ Blocks: [{ BlockIndex: 1, BlockToken: "b" }] }),
      ],
    ],
  ] as [string, EbsListSnapshotBlocksOutput[]][])("%s from a hostile list", async (code, pages) => {
    const error = await failure(ebsSnapshotSource(scripted(pages), SNAP));
    expect(isFormatError(error, code)).toBe(true);
    expect(error!.message).toMatch(/^ebs:snap-0a1b2c3d4e5f60718: ListSnapshotBlocks page \d+: /);
  });
});
