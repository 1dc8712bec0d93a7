/**
 * Builds transaction logs for tests from two states of a real hive: the primary as it is on disk
 * and the state a write would have brought it to. The logs are laid out as the format describes
 * them (base block copy, then HvLE entries with Marvin32 hashes, or a dirty vector and pages), so
 * replay can be tested where no real log of that kind exists, and crafted logs can carry valid
 * hashes as an attacker's would.
 */
import { marvin32 } from "../marvin32";

export function xorChecksum(block: Buffer): number {
  let sum = 0;
  for (let i = 0; i < 508; i += 4) sum ^= block.readUInt32LE(i);
  return sum >>> 0;
}

/** The primary with its primary sequence number bumped: a write that started and never ended. */
export function dirtyCopy(primary: Buffer): Buffer {
  const dirty = Buffer.from(primary);
  dirty.writeUInt32LE(primary.readUInt32LE(4) + 1, 4);
  dirty.writeUInt32LE(xorChecksum(dirty), 508);
  return dirty;
}

/** 4096-byte pages of `modified`'s bins that differ from `primary` (or lie past its end). */
export function changedPages(primary: Buffer, modified: Buffer): number[] {
  const binsSize = modified.readUInt32LE(40);
  const pages: number[] = [];
  for (let offset = 0; offset < binsSize; offset += 4096) {
    const at = 4096 + offset;
    const after = modified.subarray(at, at + 4096);
    if (at + 4096 > primary.length || !primary.subarray(at, at + 4096).equals(after)) {
      pages.push(offset);
    }
  }
  return pages;
}

/** Recomputes both hashes of the HvLE entry at `at` (after a test changed it). */
export function rehashEntry(log: Buffer, at: number): void {
  const size = log.readUInt32LE(at + 4);
  const end = Math.min(at + size, log.length);
  log.writeBigUInt64LE(marvin32(log, undefined, at + 40, Math.max(at + 40, end)), at + 24);
  log.writeBigUInt64LE(marvin32(log, undefined, at, at + 32), at + 32);
}

/** A new-format log whose one entry (sequence `sequence`) turns `primary` into `modified`. */
export function newFormatLog(primary: Buffer, modified: Buffer, sequence: number): Buffer {
  const header = Buffer.from(modified.subarray(0, 512));
  header.writeUInt32LE(6, 28);
  header.writeUInt32LE(sequence, 4);
  header.writeUInt32LE(sequence, 8);
  header.writeUInt32LE(xorChecksum(header), 508);
  const offsets = changedPages(primary, modified);
  const refs = Buffer.alloc(8 * offsets.length);
  offsets.forEach((offset, i) => {
    refs.writeUInt32LE(offset, 8 * i);
    refs.writeUInt32LE(4096, 8 * i + 4);
  });
  const pages = offsets.map((offset) => modified.subarray(4096 + offset, 8192 + offset));
  const unpadded = 40 + refs.length + 4096 * pages.length;
  const entry = Buffer.concat([Buffer.alloc(40), refs, ...pages], Math.ceil(unpadded / 512) * 512);
  entry.write("HvLE", 0, "latin1");
  entry.writeUInt32LE(entry.length, 4);
  entry.writeUInt32LE(modified.readUInt32LE(144) & 1, 8);
  entry.writeUInt32LE(sequence, 12);
  entry.writeUInt32LE(modified.readUInt32LE(40), 16);
  entry.writeUInt32LE(offsets.length, 20);
  rehashEntry(entry, 0);
  return Buffer.concat([header, entry]);
}

/** An old-format log (dirty vector + 512-byte pages) that turns `primary` into `modified`. */
export function oldFormatLog(original: Buffer, modified: Buffer): { log: Buffer; pages: number } {
  const header = Buffer.from(modified.subarray(0, 512));
  header.writeUInt32LE(1, 28); // file type: old-format transaction log
  header.writeUInt32LE(xorChecksum(header), 508);
  const binsSize = modified.readUInt32LE(40);
  const bitmap = Buffer.alloc(binsSize / 512 / 8);
  const pages: Buffer[] = [];
  for (let page = 0; page < binsSize / 512; page += 1) {
    const at = 4096 + page * 512;
    const after = modified.subarray(at, at + 512);
    if (at + 512 <= original.length && original.subarray(at, at + 512).equals(after)) continue;
    bitmap[page >> 3] |= 1 << (page & 7);
    pages.push(after);
  }
  const vector = Buffer.concat([Buffer.from("DIRT", "latin1"), bitmap]);
  const padding = Buffer.alloc(512 - (vector.length % 512));
  return { log: Buffer.concat([header, vector, padding, ...pages]), pages: pages.length };
}
