import { bufferSource } from "../disk/byteSource";
import { openNtfs } from ".";
import { parseBootSector } from "./bootSector";
import { parseIndexRecord, parseIndexRoot } from "./indexNode";
import { findAttribute, Mft } from "./mft";
import { AttributeType, NonResidentAttribute } from "./mftRecord";
import { nonResidentSource, VolumeIo } from "./stream";
import { keptImage, missingTool } from "./testing/oracle";

/**
 * Checks that the kept volume really holds the hard cases (so the read-back tests in
 * volume.test.ts exercise them): a fragmented $MFT, negative LCN deltas, $DATA split over
 * extension records, a three-level index.
 */
const missing = missingTool("xz");
if (missing) console.warn(`ntfs structure tests skipped: ${missing} is not installed`);
const describeKept = missing ? describe.skip : describe;

describeKept("structures of the kept volume", () => {
  let io: VolumeIo;
  let mft: Mft;
  let lookupRef: (path: string) => Promise<{ record: number; sequence: number }>;
  beforeAll(async () => {
    const source = bufferSource(keptImage(), "nested.img");
    const boot = parseBootSector(await source.read(0, 512));
    io = { source, clusterSize: boot.clusterSize, clusterLimit: boot.clusterCount };
    mft = await Mft.open(io, boot.mftLcn, boot.mftMirrorLcn, boot.mftRecordSize);
    const volume = await openNtfs(source);
    lookupRef = async (path) => {
      const e = (await volume.lookup(path))!;
      return { record: e.mftRef, sequence: e.sequence };
    };
  });

  test("$MFT is fragmented and read through its own runlist", async () => {
    const record0 = await mft.file({ record: 0, sequence: 0 });
    const data = findAttribute(record0, AttributeType.data, "", io.clusterSize);
    expect(data?.resident).toBe(false);
    expect(data!.resident === false && data!.runs.length).toBeGreaterThan(2);
    expect(mft.recordCount).toBe(1446912 / 1024);
  });

  test("the fragmented file has many runs, some going backwards (negative deltas)", async () => {
    const file = await mft.file(await lookupRef("\\frag\\fragmented.txt"));
    const data = findAttribute(file, AttributeType.data, "", io.clusterSize);
    if (!data || data.resident) throw new Error("expected non-resident $DATA");
    expect(data.runs.length).toBeGreaterThan(50);
    const backwards = data.runs.filter((r, i) => i > 0 && r.lcn! < data.runs[i - 1].lcn!);
    expect(backwards.length).toBeGreaterThan(0);
  });

  test("many-runs.bin keeps $DATA in two records behind an $ATTRIBUTE_LIST", async () => {
    const file = await mft.file(await lookupRef("\\sparse\\many-runs.bin"));
    expect(file.record.attributes.some((a) => a.type === AttributeType.attributeList)).toBe(true);
    const segments = file.attributes.filter(
      (a): a is NonResidentAttribute => a.type === AttributeType.data && !a.resident,
    );
    expect(segments.length).toBeGreaterThanOrEqual(2);
    expect(new Set(segments.map((s) => s.recordNumber)).size).toBe(segments.length);
    expect(segments.map((s) => s.lowestVcn).sort((a, b) => a - b)[0]).toBe(0);
    expect(segments.some((s) => s.runs.some((r) => r.lcn === null))).toBe(true);
  });

  test("\\many's index has a root, inner nodes and leaves", async () => {
    const dir = await mft.file(await lookupRef("\\many"));
    const root = findAttribute(dir, AttributeType.indexRoot, "$I30", io.clusterSize);
    const alloc = findAttribute(dir, AttributeType.indexAllocation, "$I30", io.clusterSize);
    if (!root?.resident || !alloc || alloc.resident) throw new Error("expected a large index");
    const parsed = parseIndexRoot(root.value, "root");
    const source = nonResidentSource(io, alloc, "alloc");
    let depth = 0;
    let entries = parsed.entries;
    while (entries[0].child !== undefined) {
      const vcn = entries[0].child;
      entries = parseIndexRecord(await source.read(vcn * io.clusterSize, 4096), vcn, "node");
      depth++;
    }
    expect(depth).toBeGreaterThanOrEqual(2);
  });
});
