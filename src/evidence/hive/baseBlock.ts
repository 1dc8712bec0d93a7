import { hex, regfError } from "./errors";

/** The fields of a regf base block (file header) the reader uses. */
export interface BaseBlock {
  /** Incremented when a write to the primary file starts. */
  readonly primarySequence: number;
  /** Set equal to the primary sequence when that write ends; a difference means a dirty hive. */
  readonly secondarySequence: number;
  readonly lastWritten: Date;
  readonly lastWrittenFiletime: bigint;
  readonly majorVersion: number;
  readonly minorVersion: number;
  /** 0 primary file, 1 or 2 old-format transaction log, 6 new-format transaction log. */
  readonly fileType: number;
  readonly fileFormat: number;
  /** Offset of the root key's cell, relative to the start of the hive bins data. */
  readonly rootCellOffset: number;
  readonly hiveBinsDataSize: number;
  readonly clusteringFactor: number;
  /** The (partial) file name Windows stores for debugging. */
  readonly fileName: string;
  readonly flags: number;
  readonly storedChecksum: number;
  readonly computedChecksum: number;
}

export const FILE_TYPE_PRIMARY = 0;
export const FILE_TYPE_OLD_LOG = 1;
export const FILE_TYPE_OLD_LOG_NT2000 = 2;
export const FILE_TYPE_NEW_LOG = 6;

/** Bytes the checksum covers; the checksum itself sits right after them. */
const CHECKSUM_COVERED = 508;

/** The part of a base block that transaction logs keep (their first sector). */
export const BASE_BLOCK_LOGGED_SIZE = 512;

/**
 * XOR of the first 127 little-endian uint32s of the base block, as Windows computes it: the
 * results 0 and 0xffffffff are stored as 1 and 0xfffffffe.
 */
export function baseBlockChecksum(bytes: Buffer, at = 0): number {
  let sum = 0;
  for (let i = 0; i < CHECKSUM_COVERED; i += 4) sum ^= bytes.readUInt32LE(at + i);
  sum >>>= 0;
  if (sum === 0xffffffff) return 0xfffffffe;
  if (sum === 0) return 1;
  return sum;
}

/** Recomputes and stores the checksum of a base block held in `bytes` at `at`. */
export function writeBaseBlockChecksum(bytes: Buffer, at = 0): void {
  bytes.writeUInt32LE(baseBlockChecksum(bytes, at), at + CHECKSUM_COVERED);
}

/** 100 ns ticks between 1601-01-01 (FILETIME epoch) and 1970-01-01. */
const FILETIME_UNIX_EPOCH = 116_444_736_000_000_000n;

/** A FILETIME as a Date (milliseconds; the 100 ns remainder is dropped). */
export function filetimeToDate(filetime: bigint): Date {
  return new Date(Number((filetime - FILETIME_UNIX_EPOCH) / 10_000n));
}

/**
 * Reads the first 512 bytes of a base block (all a log keeps; the rest of a primary's 4096 bytes
 * holds nothing the reader needs). Throws when the bytes are too short or not `regf`; a checksum
 * mismatch is reported through the fields, not thrown, because a dirty hive may have one.
 */
export function readBaseBlock(bytes: Buffer, label: string): BaseBlock {
  if (bytes.length < BASE_BLOCK_LOGGED_SIZE) {
    throw regfError(
      "regf-truncated",
      label,
      `base block: file is ${bytes.length} bytes, shorter than the 512-byte header`,
    );
  }
  const signature = bytes.toString("latin1", 0, 4);
  if (signature !== "regf") {
    throw regfError(
      "regf-bad-signature",
      label,
      `base block at 0x0: signature is ${JSON.stringify(signature)}, not "regf"`,
    );
  }
  const lastWrittenFiletime = bytes.readBigUInt64LE(12);
  const nameBytes = bytes.subarray(48, 112);
  const nameEnd = findUtf16Nul(nameBytes);
  return {
    primarySequence: bytes.readUInt32LE(4),
    secondarySequence: bytes.readUInt32LE(8),
    lastWritten: filetimeToDate(lastWrittenFiletime),
    lastWrittenFiletime,
    majorVersion: bytes.readUInt32LE(20),
    minorVersion: bytes.readUInt32LE(24),
    fileType: bytes.readUInt32LE(28),
    fileFormat: bytes.readUInt32LE(32),
    rootCellOffset: bytes.readUInt32LE(36),
    hiveBinsDataSize: bytes.readUInt32LE(40),
    clusteringFactor: bytes.readUInt32LE(44),
    fileName: nameBytes.toString("utf16le", 0, nameEnd),
    flags: bytes.readUInt32LE(144),
    storedChecksum: bytes.readUInt32LE(CHECKSUM_COVERED),
    computedChecksum: baseBlockChecksum(bytes),
  };
}

function findUtf16Nul(bytes: Buffer): number {
  for (let i = 0; i + 1 < bytes.length; i += 2) {
    if (bytes[i] === 0 && bytes[i + 1] === 0) return i;
  }
  return bytes.length & ~1;
}

/** True when the stored checksum matches the computed one. */
export function checksumValid(block: BaseBlock): boolean {
  return block.storedChecksum === block.computedChecksum;
}

/** "primary 4317, secondary 4316" for warnings. */
export function describeSequences(block: BaseBlock): string {
  return `primary ${block.primarySequence}, secondary ${block.secondarySequence}`;
}

/** Checks a version this reader understands: 1.3 to 1.6 (Windows NT 4 to Windows 11). */
export function checkVersion(block: BaseBlock, label: string): void {
  if (block.majorVersion !== 1 || block.minorVersion < 2 || block.minorVersion > 6) {
    throw regfError(
      "regf-unsupported-version",
      label,
      `base block version at 0x14: ${block.majorVersion}.${block.minorVersion} is not 1.2-1.6`,
    );
  }
}

/** Checks the root offset is plausible before anything follows it. */
export function checkRootOffset(block: BaseBlock, label: string): void {
  if (block.rootCellOffset % 8 !== 0 || block.rootCellOffset < 0x20) {
    throw regfError(
      "regf-bad-root-offset",
      label,
      `base block root cell offset at 0x24: ${hex(block.rootCellOffset)} is not a cell offset`,
    );
  }
}
