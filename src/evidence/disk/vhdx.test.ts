import fc from "fast-check";
import * as fs from "fs";
import * as path from "path";
import { isFormatError } from "../formatError";
import { bufferSource } from "./byteSource";
import { crc32c, crcWithFieldZeroed } from "./crc";
import { openDiskImage, openDiskImageSource } from "./diskImage";
import { openVhdx, VHDX_REGION } from "./vhdx";
import { VHDX_METADATA_ITEM } from "./vhdxMetadata";
import { makeTempDir, missingTool, run } from "./testing/diskImages";

const missing = missingTool("qemu-img", "qemu-io");
if (missing) console.warn(`VHDX tests on qemu-written images skipped: ${missing} is not installed`);
const describeWithTools = missing ? describe.skip : describe;

const MiB = 1024 * 1024;

/** The 16 on-disk bytes of a GUID string (first three fields little-endian). */
function guidBytes(guid: string): Buffer {
  const hex = guid.replace(/-/g, "");
  const b = Buffer.from(hex, "hex");
  return Buffer.concat([
    Buffer.from(b.subarray(0, 4)).reverse(),
    Buffer.from(b.subarray(4, 6)).reverse(),
    Buffer.from(b.subarray(6, 8)).reverse(),
    b.subarray(8),
  ]);
}

/** File offset of a region named in the first region table (test-side parsing of qemu's file). */
function regionOffset(file: Buffer, guid: string): number {
  const at = file.indexOf(guidBytes(guid), 192 * 1024);
  return Number(file.readBigUInt64LE(at + 16));
}

/** The header (64 KiB or 128 KiB) with the larger sequence number: the one a reader uses. */
function currentHeaderOffset(file: Buffer): number {
  const seq = (at: number) => file.readBigUInt64LE(at + 8);
  return seq(128 * 1024) > seq(64 * 1024) ? 128 * 1024 : 64 * 1024;
}

function rewriteHeader(file: Buffer, at: number, edit: (header: Buffer) => void): void {
  const header = file.subarray(at, at + 4096);
  edit(header);
  header.writeUInt32LE(crcWithFieldZeroed(crc32c, header, 4), 4);
}

/**
 * Turns a cleanly closed qemu VHDX into one whose log must be replayed: qemu cleared the header's
 * LogGuid on close but the entries stay in the log, so the newest entry's GUID goes back into
 * the current header, and the BAT's first sector is wiped as if its write never reached its
 * place. Returns the log's file offset.
 */
function makeDirty(bytes: Buffer): number {
  const header = currentHeaderOffset(bytes);
  const logOffset = Number(bytes.readBigUInt64LE(header + 72));
  let newest = -1;
  for (let at = logOffset; at < logOffset + MiB; at += 4096) {
    if (bytes.toString("latin1", at, at + 4) !== "loge") continue;
    if (newest < 0 || bytes.readBigUInt64LE(at + 16) > bytes.readBigUInt64LE(newest + 16)) {
      newest = at;
    }
  }
  expect(newest).toBeGreaterThanOrEqual(logOffset);
  const logGuid = Buffer.from(bytes.subarray(newest + 32, newest + 48));
  rewriteHeader(bytes, header, (h) => logGuid.copy(h, 48));
  const bat = regionOffset(bytes, VHDX_REGION.bat);
  bytes.fill(0, bat, bat + 4096);
  return logOffset;
}

/** Recomputes the CRC-32C of every log entry (as far as its length stays inside the log). */
function resealLog(bytes: Buffer, logOffset: number): void {
  for (let at = logOffset; at < logOffset + MiB; at += 4096) {
    if (bytes.toString("latin1", at, at + 4) !== "loge") continue;
    const length = bytes.readUInt32LE(at + 8);
    if (length < 64 || at + length > logOffset + MiB) continue;
    const entry = bytes.subarray(at, at + length);
    entry.writeUInt32LE(crcWithFieldZeroed(crc32c, entry, 4), 4);
  }
}

describeWithTools("VHDX files written by qemu", () => {
  let dir: string;
  beforeAll(() => {
    dir = makeTempDir("vmr-vhdx-");
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** A dynamic 8 MiB VHDX with two patterns written by qemu-io (so qemu's log holds entries). */
  function writtenVhdx(name: string): string {
    const file = path.join(dir, name);
    run("qemu-img", ["create", "-q", "-f", "vhdx", "-o", "subformat=dynamic", file, "8M"]);
    run("qemu-io", ["-f", "vhdx", "-c", "write -P 0xab 0 64k", "-c", "write -P 0xcd 3M 8k", file]);
    return file;
  }

  async function virtualBytes(file: string): Promise<Buffer> {
    const image = await openDiskImage(file);
    try {
      return await image.source.read(0, image.source.size);
    } finally {
      await image.close();
    }
  }

  test("the data qemu-io wrote reads back; unwritten blocks are zeros", async () => {
    const file = writtenVhdx("plain.vhdx");
    const bytes = await virtualBytes(file);
    expect(bytes.length).toBe(8 * MiB);
    expect(bytes.subarray(0, 64 * 1024).every((b) => b === 0xab)).toBe(true);
    expect(bytes.subarray(3 * MiB, 3 * MiB + 8192).every((b) => b === 0xcd)).toBe(true);
    const raw = path.join(dir, "plain.raw");
    run("qemu-img", ["convert", "-f", "vhdx", "-O", "raw", file, raw]);
    expect(bytes.equals(fs.readFileSync(raw))).toBe(true);
  });

  test("a pending log is replayed in memory the way qemu replays it", async () => {
    const bytes = fs.readFileSync(writtenVhdx("dirty.vhdx"));
    makeDirty(bytes);
    const dirty = path.join(dir, "dirty-crafted.vhdx");
    fs.writeFileSync(dirty, bytes);
    expect(() => run("qemu-img", ["info", "-f", "vhdx", dirty])).toThrow(/log/i);

    const opened = await openVhdx(bufferSource(bytes, "dirty"));
    expect(opened.logEntriesReplayed).toBeGreaterThan(0);
    const ours = await virtualBytes(dirty);
    expect(ours.subarray(0, 64 * 1024).every((b) => b === 0xab)).toBe(true);

    const replayed = path.join(dir, "dirty-qemu.vhdx");
    fs.copyFileSync(dirty, replayed);
    run("qemu-img", ["check", "-q", "-r", "all", "-f", "vhdx", replayed]);
    const raw = path.join(dir, "dirty-qemu.raw");
    run("qemu-img", ["convert", "-f", "vhdx", "-O", "raw", replayed, raw]);
    expect(ours.equals(fs.readFileSync(raw))).toBe(true);
    // the evidence file itself is untouched
    expect(fs.readFileSync(dirty).equals(bytes)).toBe(true);
  });

  test("a crafted log (fields edited, CRCs valid) ends in a result or FormatError", async () => {
    const bytes = fs.readFileSync(writtenVhdx("crafted-log.vhdx"));
    const logOffset = makeDirty(bytes);
    const pristine = Buffer.from(bytes.subarray(logOffset, logOffset + MiB));
    const entries: number[] = [];
    for (let at = logOffset; at < logOffset + MiB; at += 4096) {
      if (bytes.toString("latin1", at, at + 4) === "loge") entries.push(at);
    }
    // entry header: length, tail, sequence, count, flushed and last file offsets; descriptors:
    // signature, trailing/zero length, leading bytes, file offset, sequence
    const fields = [8, 12, 16, 24, 48, 52, 56, 60, 64, 68, 72, 76, 80, 84, 88, 96, 104, 112];
    const edit = fc.record({
      entry: fc.nat(entries.length - 1),
      field: fc.constantFrom(...fields),
      value: fc.oneof(fc.constantFrom(0, 1, 4096, 0x100000, 0xffffffff), fc.nat(0xffffffff)),
    });
    const codes = new Set<string>();
    await fc.assert(
      fc.asyncProperty(fc.array(edit, { minLength: 1, maxLength: 3 }), async (edits) => {
        for (const e of edits) bytes.writeUInt32LE(e.value, entries[e.entry] + e.field);
        resealLog(bytes, logOffset);
        try {
          const opened = await openVhdx(bufferSource(bytes, "crafted"));
          await opened.source.read(0, 4 * MiB);
          codes.add(opened.logEntriesReplayed > 0 ? "replayed" : "nothing to replay");
        } catch (e) {
          if (!isFormatError(e)) throw e;
          codes.add(e.code);
        } finally {
          pristine.copy(bytes, logOffset);
        }
      }),
      { numRuns: Number(process.env.VMR_FUZZ_RUNS ?? 40) },
    );
    expect(codes.size).toBeGreaterThan(1);
  });

  test("a log GUID with no matching entries means nothing to replay", async () => {
    const bytes = fs.readFileSync(writtenVhdx("stale.vhdx"));
    rewriteHeader(bytes, currentHeaderOffset(bytes), (h) => h.fill(0x5a, 48, 64));
    const opened = await openVhdx(bufferSource(bytes, "stale"));
    expect(opened.logEntriesReplayed).toBe(0);
    const data = await opened.source.read(3 * MiB, 8192);
    expect(data.every((b) => b === 0xcd)).toBe(true);
  });

  test("the header with the higher sequence number wins; a damaged one is skipped", async () => {
    const bytes = fs.readFileSync(writtenVhdx("headers.vhdx"));
    const current = currentHeaderOffset(bytes);
    const other = current === 64 * 1024 ? 128 * 1024 : 64 * 1024;
    // make the other header current but point its log somewhere invalid: it must be chosen
    rewriteHeader(bytes, other, (h) => {
      h.writeBigUInt64LE(bytes.readBigUInt64LE(current + 8) + 1n, 8);
      h.fill(0x11, 48, 64);
      h.writeBigUInt64LE(3n, 72); // log offset not 1 MiB aligned
    });
    const error = await openVhdx(bufferSource(bytes, "seq")).catch((e: unknown) => e);
    expect(isFormatError(error, "vhdx-log-location")).toBe(true);
    bytes[other + 100] ^= 0xff; // now its CRC fails: the older header is used again
    const opened = await openVhdx(bufferSource(bytes, "seq"));
    expect((await opened.source.read(0, 1))[0]).toBe(0xab);
  });

  test("a differencing VHDX (qemu cannot make one) is refused in one line", async () => {
    const base = path.join(dir, "base.vhdx");
    run("qemu-img", ["create", "-q", "-f", "vhdx", base, "8M"]);
    const child = path.join(dir, "child.vhdx");
    let made = false;
    try {
      run("qemu-img", ["create", "-q", "-f", "vhdx", "-b", base, "-F", "vhdx", child]);
      made = true;
    } catch {
      // qemu's vhdx driver does not create differencing images: set HasParent in a copy
    }
    if (!made) {
      const bytes = fs.readFileSync(base);
      const metadata = regionOffset(bytes, VHDX_REGION.metadata);
      const entry = bytes.indexOf(guidBytes(VHDX_METADATA_ITEM.fileParameters), metadata);
      const value = metadata + bytes.readUInt32LE(entry + 16);
      bytes.writeUInt32LE(bytes.readUInt32LE(value + 4) | 2, value + 4);
      fs.writeFileSync(child, bytes);
    }
    const error = await openDiskImage(child).catch((e: unknown) => e);
    expect(isFormatError(error, "vhdx-differencing")).toBe(true);
    expect((error as Error).message).toBe(
      "child.vhdx: differencing VHDX (has a parent), not supported: merge it into its parent first",
    );
  });

  test("unknown required regions and metadata items are refused", async () => {
    const base = path.join(dir, "unknown.vhdx");
    run("qemu-img", ["create", "-q", "-f", "vhdx", base, "8M"]);
    const bytes = fs.readFileSync(base);
    const metadata = regionOffset(bytes, VHDX_REGION.metadata);
    const copy = Buffer.from(bytes);
    const entry = copy.indexOf(guidBytes(VHDX_METADATA_ITEM.virtualDiskId), metadata);
    copy[entry] ^= 0xff; // an item id nobody knows, still flagged required
    const e1 = await openDiskImageSource(bufferSource(copy, "m")).catch((e: unknown) => e);
    expect(isFormatError(e1, "vhdx-metadata-unknown-required")).toBe(true);

    const table = 192 * 1024;
    const regions = Buffer.from(bytes);
    const bat = regions.indexOf(guidBytes(VHDX_REGION.bat), table);
    regions[bat] ^= 0xff;
    regions.writeUInt32LE(1, bat + 28);
    for (const at of [table, 256 * 1024]) {
      regions.subarray(bat, bat + 32).copy(regions, at + (bat - table));
      const t = regions.subarray(at, at + 64 * 1024);
      t.writeUInt32LE(crcWithFieldZeroed(crc32c, t, 4), 4);
    }
    const e2 = await openDiskImageSource(bufferSource(regions, "r")).catch((e: unknown) => e);
    expect(isFormatError(e2, "vhdx-region-unknown-required")).toBe(true);
  });

  test("past 4 GiB the BAT skips a sector-bitmap entry every chunk (4096 × 1 MiB)", async () => {
    const file = path.join(dir, "large.vhdx");
    run("qemu-img", ["create", "-q", "-f", "vhdx", "-o", "block_size=1M", file, "5G"]);
    const far = 4 * 1024 * MiB + 512 * MiB;
    const writes = ["-c", "write -P 0x77 0 4k", "-c", `write -P 0x99 ${far} 8k`];
    run("qemu-io", ["-f", "vhdx", ...writes, file]);
    const image = await openDiskImage(file);
    try {
      expect(image.source.size).toBe(5 * 1024 * MiB);
      const at = await image.source.read(far - 4096, 16384);
      expect([...at.subarray(4090, 4100)]).toEqual([0, 0, 0, 0, 0, 0, 0x99, 0x99, 0x99, 0x99]);
      expect(at.subarray(4096, 4096 + 8192).every((b) => b === 0x99)).toBe(true);
      expect(at.subarray(4096 + 8192).every((b) => b === 0)).toBe(true);
      expect((await image.source.read(0, 4097)).subarray(4095)).toEqual(Buffer.from([0x77, 0]));
    } finally {
      await image.close();
    }
  });
});
