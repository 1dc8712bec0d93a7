/**
 * One interface for every place a disk's bytes come from: a local raw image, a VHD or VHDX file, an
 * HTTP range source (an Azure snapshot's read-only SAS), EBS direct blocks, or a partition or file
 * inside any of them. Readers above it (partitions, FAT, NTFS, the evidence readers) only ever call
 * `read`, so each layer is tested once and composes with the others.
 */
export interface ByteSource {
  /** Size in bytes of what this source exposes (a virtual disk's virtual size, a partition's length). */
  readonly size: number;
  /**
   * Exactly `length` bytes from `offset`. Reading past `size` is an error (a FormatError naming the
   * source), never a short buffer; holes of sparse containers read as zeros.
   */
  read(offset: number, length: number): Promise<Buffer>;
  /** A short description for messages (never a secret such as a SAS token). */
  readonly label: string;
}

/** A window [start, start+length) of another source: a partition, or a file's contiguous run. */
export function sliceSource(
  base: ByteSource,
  start: number,
  length: number,
  label: string,
): ByteSource {
  if (start < 0 || length < 0 || start + length > base.size) {
    throw new RangeError(
      `${label}: window ${start}+${length} is outside ${base.label} (${base.size} bytes)`,
    );
  }
  return {
    size: length,
    label,
    read(offset, len) {
      if (offset < 0 || len < 0 || offset + len > length) {
        return Promise.reject(
          new RangeError(`${label}: read ${offset}+${len} past its end (${length} bytes)`),
        );
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
      if (offset < 0 || len < 0 || offset + len > bytes.length) {
        return Promise.reject(
          new RangeError(`${label}: read ${offset}+${len} past its end (${bytes.length} bytes)`),
        );
      }
      return Promise.resolve(Buffer.from(bytes.subarray(offset, offset + len)));
    },
  };
}
