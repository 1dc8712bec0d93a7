import { FormatError } from "../formatError";

/**
 * One interface for every place a disk's bytes come from: a local raw image, a VHD or VHDX file, an
 * HTTP range source (an Azure snapshot's read-only SAS), EBS direct blocks, or a partition or file
 * inside any of them. Readers above it (partitions, FAT, NTFS, the evidence readers) only ever call
 * `read`, so each layer is tested once and composes with the others.
 */
export interface ByteSource {
  /** Size in bytes of what this source exposes (a virtual disk's virtual size, a partition's). */
  readonly size: number;
  /**
   * Exactly `length` bytes from `offset`. Reading past `size` is an error (a FormatError naming the
   * source), never a short buffer; holes of sparse containers read as zeros.
   */
  read(offset: number, length: number): Promise<Buffer>;
  /** A short description for messages (never a secret such as a SAS token). */
  readonly label: string;
}

/**
 * Throws the FormatError every source uses for a read outside [0, size): offsets come from hostile
 * bytes, so a bad one must surface as a format problem of the layer above, never as a short buffer.
 */
export function assertReadRange(label: string, size: number, offset: number, length: number): void {
  if (
    !Number.isSafeInteger(offset) ||
    !Number.isSafeInteger(length) ||
    offset < 0 ||
    length < 0 ||
    offset + length > size
  ) {
    throw new FormatError(
      "read-out-of-range",
      `${label}: read ${offset}+${length} is outside the source (${size} bytes)`,
    );
  }
}

/** A window [start, start+length) of another source: a partition, or a file's contiguous run. */
export function sliceSource(
  base: ByteSource,
  start: number,
  length: number,
  label: string,
): ByteSource {
  if (
    !Number.isSafeInteger(start) ||
    !Number.isSafeInteger(length) ||
    start < 0 ||
    length < 0 ||
    start + length > base.size
  ) {
    throw new FormatError(
      "slice-out-of-range",
      `${label}: window ${start}+${length} is outside ${base.label} (${base.size} bytes)`,
    );
  }
  return {
    size: length,
    label,
    read(offset, len) {
      try {
        assertReadRange(label, length, offset, len);
      } catch (e) {
        return Promise.reject(e);
      }
      return base.read(start + offset, len);
    },
  };
}

/** A source over bytes already in memory (tests, small files, a hive read whole). */
export function bufferSource(bytes: Buffer, label: string): ByteSource {
  return {
    size: bytes.length,
    label,
    read(offset, len) {
      try {
        assertReadRange(label, bytes.length, offset, len);
      } catch (e) {
        return Promise.reject(e);
      }
      return Promise.resolve(Buffer.from(bytes.subarray(offset, offset + len)));
    },
  };
}
