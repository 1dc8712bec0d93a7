import { bufferSource } from "../disk/byteSource";
import { openNtfs } from ".";
import { findAttribute, Mft } from "./mft";
import { AttributeType } from "./mftRecord";
import { keptImage, missingTool } from "./testing/oracle";

/**
 * Hand-made corruptions of the kept volume for the loops a crafted disk could set up: an
 * attribute list naming a record that is not the file's extension, an index child pointing back
 * at its own node, runs mapping the same clusters twice. Each must end in its FormatError.
 */
const missing = missingTool("xz");
if (missing) console.warn(`ntfs crafted-volume tests skipped: ${missing} is not installed`);
const describeCrafted = missing ? describe.skip : describe;

/** Fixups keep the real bytes of each 512-byte stride's last two bytes elsewhere: avoid them. */
const clearOfFixups = (offset: number, length: number) => {
  for (let i = offset; i < offset + length; i++) if (i % 512 >= 510) return false;
  return true;
};

describeCrafted("crafted NTFS structures", () => {
  let pristine: Buffer;
  beforeAll(() => {
    pristine = keptImage();
  });

  /** Byte offset of MFT record `n` (the kept $MFT's first run starts at LCN 4 and holds it). */
  const recordOffset = (image: Buffer, n: number) => {
    for (let at = 0; at + 1024 <= image.length; at += 1024) {
      const isFile = image.toString("latin1", at, at + 4) === "FILE";
      if (isFile && image.readUInt32LE(at + 44) === n && at > 2 * 4096) return at;
    }
    throw new Error(`record ${n} not found`);
  };

  /** Offset (in the record) of the first attribute of `type`. */
  const attributeAt = (image: Buffer, record: number, type: number) => {
    for (let pos = image.readUInt16LE(record + 20); ; pos += image.readUInt32LE(record + pos + 4)) {
      const t = image.readUInt32LE(record + pos);
      if (t === type) return pos;
      if (t === 0xffffffff) throw new Error(`no attribute 0x${type.toString(16)}`);
    }
  };

  test("an attribute list naming another file's record", async () => {
    const volume = await openNtfs(bufferSource(pristine, "kept"));
    const target = (await volume.lookup("\\manylinks\\target.txt"))!;
    const image = Buffer.from(pristine);
    const record = recordOffset(image, target.mftRef);
    const attr = record + attributeAt(image, record, AttributeType.attributeList);
    // 41 names need a list longer than a record holds: it is non-resident, in one run.
    expect(image[attr + 8]).toBe(1);
    const runlist = attr + image.readUInt16LE(attr + 32);
    const header = image[runlist];
    const lcn = image.readUIntLE(runlist + 1 + (header & 0xf), header >> 4);
    const value = lcn * volume.boot.clusterSize;
    const end = value + Number(image.readBigUInt64LE(attr + 48));
    let patched = false;
    for (let entry = value; entry < end && !patched; entry += image.readUInt16LE(entry + 4)) {
      const ref = entry + 16;
      if (image.readUIntLE(ref, 6) !== target.mftRef) {
        image.writeUIntLE(5, ref, 6); // the root directory: not an extension of this file
        patched = true;
      }
    }
    expect(patched).toBe(true);
    const crafted = await openNtfs(bufferSource(image, "crafted"));
    await expect(crafted.lookup("\\manylinks\\target.txt")).rejects.toMatchObject({
      code: "ntfs-attribute-list-record",
    });
  });

  test("an index child pointing back at its own node", async () => {
    const volume = await openNtfs(bufferSource(pristine, "kept"));
    const many = (await volume.lookup("\\many"))!;
    const boot = volume.boot;
    const io = {
      source: bufferSource(pristine, "kept"),
      clusterSize: boot.clusterSize,
      clusterLimit: boot.clusterCount,
    };
    const mft = await Mft.open(io, boot.mftLcn, boot.mftMirrorLcn, boot.mftRecordSize);
    const dir = await mft.file({ record: many.mftRef, sequence: many.sequence });
    const alloc = findAttribute(dir, AttributeType.indexAllocation, "$I30", boot.clusterSize);
    if (!alloc || alloc.resident) throw new Error("expected $INDEX_ALLOCATION");
    const image = Buffer.from(pristine);
    let patched = false;
    for (const run of alloc.runs) {
      for (let c = 0; c < run.length && !patched; c++) {
        const node = (run.lcn! + c) * boot.clusterSize;
        const vcn = run.vcn + c;
        let pos = 24 + image.readUInt32LE(node + 24);
        for (;;) {
          const length = image.readUInt16LE(node + pos + 8);
          const flags = image.readUInt32LE(node + pos + 12);
          const child = pos + length - 8;
          if (flags & 1 && clearOfFixups(child, 8)) {
            image.writeBigUInt64LE(BigInt(vcn), node + child);
            patched = true;
            break;
          }
          if (flags & 2) break;
          pos += length;
        }
      }
    }
    expect(patched).toBe(true);
    const crafted = await openNtfs(bufferSource(image, "crafted"));
    await expect(crafted.list("\\many")).rejects.toMatchObject({ code: "ntfs-index-cycle" });
  });

  test("a runlist whose second run maps the first run's clusters again", async () => {
    const volume = await openNtfs(bufferSource(pristine, "kept"));
    const text = (await volume.lookup("\\Windows\\System32\\config\\SYSTEM"))!;
    const image = Buffer.from(pristine);
    const record = recordOffset(image, text.mftRef);
    const attr = record + attributeAt(image, record, AttributeType.data);
    expect(image[attr + 8]).toBe(1); // non-resident
    const runlist = attr + image.readUInt16LE(attr + 32);
    // One run of 5 clusters at LCN 0x700, then 3 more that go back 2 clusters: they overlap.
    const crafted = Buffer.from([0x21, 0x05, 0x00, 0x07, 0x11, 0x03, 0xfe, 0x00]);
    expect(clearOfFixups(runlist - record, crafted.length)).toBe(true);
    crafted.copy(image, runlist);
    image.writeBigUInt64LE(7n, attr + 24); // highest VCN: 8 clusters in all
    const volume2 = await openNtfs(bufferSource(image, "crafted"));
    await expect(volume2.readFile("\\Windows\\System32\\config\\SYSTEM")).rejects.toMatchObject({
      code: "ntfs-runlist-overlap",
    });
  });
});
