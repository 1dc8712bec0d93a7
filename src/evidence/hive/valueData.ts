import { HiveBins } from "./bins";
import { What, describeWhat, hex, regfError } from "./errors";
import { BIG_DATA_SEGMENT_SIZE, BIG_DATA_THRESHOLD, MAX_BIG_DATA_SEGMENTS } from "./limits";
import { NO_CELL, ValueRecord } from "./records";

/** High bit of the data size field: the data (at most 4 bytes) sits in the data offset field. */
const DATA_RESIDENT = 0x80000000;

/**
 * The raw bytes of a value: resident in the vk record, in one data cell, or spread over the
 * segments of a big-data (db) record (hives of format 1.4 and later, data over 16344 bytes).
 * Data that claims more bytes than its cells hold is a FormatError, never a short read.
 */
export function readValueBytes(
  bins: HiveBins,
  value: ValueRecord,
  minorVersion: number,
  what: What,
  label: string,
  chargeBytes: (count: number) => void,
): Buffer {
  const image = bins.image;
  const length = (value.dataSizeField & ~DATA_RESIDENT) >>> 0;
  if ((value.dataSizeField & DATA_RESIDENT) !== 0) {
    if (length > 4) {
      const detail = `value at ${hex(value.offset)} keeps ${length} bytes in its 4-byte data field`;
      throw regfError("regf-resident-data-size", label, what, detail);
    }
    return copyOut(image, value.residentAt, length);
  }
  if (length === 0) return Buffer.alloc(0);
  if (value.dataOffset === NO_CELL) {
    throw regfError("regf-value-data-missing", label, what, `${length} bytes but no data cell`);
  }
  const cell = bins.cell(value.dataOffset, () => `${describeWhat(what)} data`);
  const isBigData =
    minorVersion >= 4 &&
    length > BIG_DATA_THRESHOLD &&
    cell.size >= 8 &&
    image[cell.start] === 0x64 &&
    image[cell.start + 1] === 0x62;
  if (isBigData) {
    const pieces = readBigData(bins, cell.start, cell.offset, length, what, label);
    chargeBytes(length);
    return Buffer.concat(pieces, length);
  }
  if (length > cell.size) {
    const detail = `${length} bytes of data in a ${cell.size}-byte cell at ${hex(cell.offset)}`;
    throw regfError("regf-value-data-overrun", label, what, detail);
  }
  chargeBytes(length);
  return copyOut(image, cell.start, length);
}

/** A copy of `length` bytes at `start`, so values never alias the hive image. */
function copyOut(image: Buffer, start: number, length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  image.copy(out, 0, start, start + length);
  return out;
}

/** The segments of a db record (views into the image); each carries up to 16344 bytes. */
function readBigData(
  bins: HiveBins,
  dbStart: number,
  dbOffset: number,
  length: number,
  what: What,
  label: string,
): Buffer[] {
  const image = bins.image;
  const segments = image.readUInt16LE(dbStart + 2);
  const needed = Math.ceil(length / BIG_DATA_SEGMENT_SIZE);
  if (segments < needed || segments > MAX_BIG_DATA_SEGMENTS) {
    const detail = `big data at ${hex(dbOffset)} has ${segments} segments for ${length} bytes`;
    throw regfError("regf-big-data-segments", label, what, detail);
  }
  const listOffset = image.readUInt32LE(dbStart + 4);
  const list = bins.cell(listOffset, () => `${describeWhat(what)} big-data segment list`);
  if (needed * 4 > list.size) {
    const detail = `segment list at ${hex(list.offset)} is ${list.size} bytes, ${needed} segments`;
    throw regfError("regf-big-data-list-overrun", label, what, detail);
  }
  const pieces: Buffer[] = [];
  let remaining = length;
  for (let i = 0; i < needed; i += 1) {
    const segmentOffset = image.readUInt32LE(list.start + 4 * i);
    const segment = bins.cell(segmentOffset, () => `${describeWhat(what)} segment ${i}`);
    const take = Math.min(remaining, BIG_DATA_SEGMENT_SIZE);
    if (take > segment.size) {
      const detail = `segment ${i} at ${hex(segment.offset)} holds ${segment.size} of ${take}`;
      throw regfError("regf-big-data-overrun", label, what, detail);
    }
    pieces.push(image.subarray(segment.start, segment.start + take));
    remaining -= take;
  }
  return pieces;
}
