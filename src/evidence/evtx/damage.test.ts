/**
 * Damage to copies (in memory) of the real System.evtx: a damaged chunk is skipped with a warning
 * and every other chunk still read; a record that fails to parse inside an intact chunk costs that
 * record alone; only bytes that are not an event log at all raise a FormatError.
 */
import { FormatError } from "../formatError";
import { crc32 } from "./crc32";
import { CHUNK_SIZE, FILE_HEADER_SIZE } from "./limits";
import { EvtxReadResult, readEvtx } from "./readEvtx";
import { fixChunkCrcs } from "./testing/builder";
import { loadSystemEvtx } from "./testing/evtxexport";

const original = loadSystemEvtx();
const describeFixture = original ? describe : describe.skip;

/** File offset of chunk `n`. */
const chunkAt = (n: number) => FILE_HEADER_SIZE + n * CHUNK_SIZE;

function damaged(edit: (copy: Buffer) => void): Buffer {
  const copy = Buffer.from(original as Buffer);
  edit(copy);
  return copy;
}

const ids = (result: EvtxReadResult) => result.records.map((r) => r.recordId);
const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

describeFixture("damaged copies of the real System.evtx", () => {
  test("a flipped byte in chunk 5's records: chunk 5 (records 572-701) skipped, rest read", () => {
    const copy = damaged((b) => (b[chunkAt(5) + 1000] ^= 0x40));
    const result = readEvtx(copy, { label: "system.evtx" });
    expect(ids(result)).toEqual([...range(1, 571), ...range(702, 1881)]);
    expect(result.warnings).toEqual([
      expect.stringMatching(
        new RegExp(
          "^system\\.evtx chunk 5 \\(file offset 0x51000\\): " +
            "record data CRC32 0x[0-9a-f]+ != stored 0x456229; chunk skipped$",
        ),
      ),
      "system.evtx: header counts 3 chunks, 14 readable chunks found",
    ]);
  });

  test("with salvage, the damaged chunk's records are read and marked unverified", () => {
    const copy = damaged((b) => (b[chunkAt(5) + 1000] ^= 0x40));
    const result = readEvtx(copy, { label: "system.evtx", salvage: true });
    expect(ids(result)).toEqual(range(1, 1881));
    const unverified = result.records.filter((r) => r.unverified).map((r) => r.recordId);
    expect(unverified).toEqual(range(572, 701));
    expect(result.warnings[0]).toMatch(
      /chunk 5 .*: record data CRC32 .*; 130 records read unverified \(salvage\)$/,
    );
  });

  test("a flipped byte in a chunk header fails the header CRC32", () => {
    const copy = damaged((b) => (b[chunkAt(3) + 20] ^= 0x01));
    const result = readEvtx(copy);
    expect(result.records).toHaveLength(1881 - 118);
    expect(result.warnings[0]).toMatch(/chunk 3 .*: header CRC32 0x[0-9a-f]+ != stored 0xcd266e3f/);
  });

  test("a chunk without its ElfChnk signature is skipped", () => {
    const copy = damaged((b) => b.write("XlfChnk", chunkAt(0), "latin1"));
    const result = readEvtx(copy);
    expect(ids(result)).toEqual(range(109, 1881));
    expect(result.warnings[0]).toMatch(/chunk 0 .*: no ElfChnk signature; chunk skipped/);
  });

  test("a file cut inside its last chunk keeps the whole chunks before it", () => {
    const copy = (original as Buffer).subarray(0, chunkAt(14) + 30000);
    const result = readEvtx(copy);
    expect(result.records).toHaveLength(1828);
    expect(result.warnings[0]).toMatch(/chunk 14 .*: truncated \(30000 of 65536 bytes\)/);
  });

  test("a record whose BinXML is broken (CRCs made to match) costs that record alone", () => {
    // Record 572 opens chunk 5 and carries the template definitions later records refer to by
    // offset; those are still found, so only record 572 is lost.
    const copy = damaged((b) => {
      b[chunkAt(5) + 512 + 24] = 0xff;
      fixChunkCrcs(b.subarray(chunkAt(5), chunkAt(6)));
    });
    const result = readEvtx(copy);
    expect(ids(result)).toEqual([...range(1, 571), ...range(573, 1881)]);
    expect(result.warnings[0]).toMatch(
      /chunk 5 .* record at 0x200 skipped: EVTX .*: BinXML unexpected token 0xff in fragment/,
    );
  });

  test("a record whose size copy disagrees ends that chunk's records there", () => {
    const copy = damaged((b) => {
      const chunk = b.subarray(chunkAt(14), chunkAt(15));
      const size = chunk.readUInt32LE(512 + 4);
      chunk.writeUInt32LE(size + 8, 512 + size - 4);
      fixChunkCrcs(chunk);
    });
    const result = readEvtx(copy);
    expect(ids(result)).toEqual(range(1, 1828));
    expect(result.warnings[0]).toMatch(/record at 0x200: record size \d+ invalid/);
  });

  test("a file header CRC mismatch is a warning; the records are all read", () => {
    const copy = damaged((b) => (b[60] ^= 0xff));
    const result = readEvtx(copy, { label: "system.evtx" });
    expect(result.records).toHaveLength(1881);
    expect(result.warnings[0]).toBe(
      "system.evtx: file header CRC32 does not match (header fields not trusted)",
    );
  });

  test("the header's dirty and full flags are reported", () => {
    expect(readEvtx(original as Buffer)).toMatchObject({ dirty: true, full: false, chunks: 15 });
    // Only the header matters here: the header plus the last chunk keeps the test quick.
    const withFlags = (value: number) => {
      const header = Buffer.from((original as Buffer).subarray(0, FILE_HEADER_SIZE));
      header.writeUInt32LE(value, 120);
      header.writeUInt32LE(crc32(header.subarray(0, 120)), 124);
      return readEvtx(Buffer.concat([header, (original as Buffer).subarray(chunkAt(14))]));
    };
    expect(withFlags(0)).toMatchObject({ dirty: false, full: false, chunks: 1 });
    expect(withFlags(3)).toMatchObject({ dirty: true, full: true, chunks: 1 });
  });

  test("bytes that are no event log raise a FormatError naming the problem", () => {
    const notEvtx = damaged((b) => b.write("ElfFilX", 0, "latin1"));
    expect(() => readEvtx(notEvtx, { label: "x.evtx" })).toThrow(
      new FormatError("evtx-bad-signature", "EVTX x.evtx: no ElfFile signature at offset 0"),
    );
    expect(() => readEvtx((original as Buffer).subarray(0, 100))).toThrow(
      expect.objectContaining({ code: "evtx-truncated" }),
    );
    expect(() => readEvtx(Buffer.alloc(0))).toThrow(FormatError);
  });
});
