import { ntfsError } from "./bytes";
import { MAX_RUNS_PER_ATTRIBUTE } from "./limits";

/** One run of a non-resident attribute: `length` clusters from `vcn`, at `lcn` or sparse (null). */
export interface Run {
  vcn: number;
  lcn: number | null;
  length: number;
}

/** Little-endian integer of 1..8 bytes, signed or not, refused past 2^53. */
function readVarInt(
  buf: Buffer,
  offset: number,
  size: number,
  signed: boolean,
  what: string,
): number {
  if (size <= 6) return signed ? buf.readIntLE(offset, size) : buf.readUIntLE(offset, size);
  let value = 0n;
  for (let i = size - 1; i >= 0; i--) value = (value << 8n) | BigInt(buf[offset + i]);
  if (signed && buf[offset + size - 1] & 0x80) value -= 1n << BigInt(size * 8);
  const limit = BigInt(Number.MAX_SAFE_INTEGER);
  if (value > limit || value < -limit) {
    throw ntfsError("ntfs-runlist-range", `${what}: a ${size}-byte field is out of range`);
  }
  return Number(value);
}

/**
 * Decodes the mapping pairs of a non-resident attribute segment (bytes [start, end) of its
 * record). Each pair is a header byte (low nibble: size of the run length, high nibble: size of
 * the LCN delta), the length, then the delta from the previous run's LCN, signed; no delta means
 * a sparse run. Every LCN is checked against the volume's `clusterLimit` here, so readers above
 * never address a cluster past the end.
 */
export function decodeRunlist(
  record: Buffer,
  start: number,
  end: number,
  firstVcn: number,
  clusterLimit: number,
  where: string,
): Run[] {
  const runs: Run[] = [];
  let pos = start;
  let vcn = firstVcn;
  let lcn = 0;
  for (;;) {
    if (pos >= end) {
      throw ntfsError("ntfs-runlist-truncated", `${where}: runlist has no terminator`);
    }
    const header = record[pos];
    if (header === 0) break;
    const lengthSize = header & 0x0f;
    const deltaSize = header >> 4;
    const sizesOk = lengthSize > 0 && lengthSize <= 8 && deltaSize <= 8;
    if (!sizesOk || pos + 1 + lengthSize + deltaSize > end) {
      throw ntfsError(
        "ntfs-runlist-header",
        `${where}: run header 0x${header.toString(16)} at offset ${pos} is invalid`,
      );
    }
    const length = readVarInt(record, pos + 1, lengthSize, false, where);
    if (length <= 0 || vcn + length > Number.MAX_SAFE_INTEGER) {
      throw ntfsError("ntfs-runlist-length", `${where}: run length ${length} at offset ${pos}`);
    }
    let runLcn: number | null = null;
    if (deltaSize > 0) {
      lcn += readVarInt(record, pos + 1 + lengthSize, deltaSize, true, where);
      if (lcn < 0 || lcn + length > clusterLimit) {
        throw ntfsError(
          "ntfs-runlist-cluster",
          `${where}: run of ${length} clusters at LCN ${lcn} is outside the volume's ` +
            `${clusterLimit} clusters`,
        );
      }
      runLcn = lcn;
    }
    if (runs.length >= MAX_RUNS_PER_ATTRIBUTE) {
      throw ntfsError("ntfs-runlist-count", `${where}: more than ${MAX_RUNS_PER_ATTRIBUTE} runs`);
    }
    runs.push({ vcn, lcn: runLcn, length });
    vcn += length;
    pos += 1 + lengthSize + deltaSize;
  }
  return runs;
}

/**
 * Refuses runs that share clusters. A sound volume never maps one cluster twice within an
 * attribute; a crafted runlist that points back over itself would make "reads" repeat the same
 * bytes (a decompression or index walk over them could loop), so it is a format error.
 */
export function checkRunsDisjoint(runs: readonly Run[], where: string): void {
  const allocated = runs.filter((r) => r.lcn !== null).sort((a, b) => a.lcn! - b.lcn!);
  for (let i = 1; i < allocated.length; i++) {
    const prev = allocated[i - 1];
    if (prev.lcn! + prev.length > allocated[i].lcn!) {
      throw ntfsError(
        "ntfs-runlist-overlap",
        `${where}: runs at VCN ${prev.vcn} and ${allocated[i].vcn} share LCN ${allocated[i].lcn}`,
      );
    }
  }
}

/** Index of the run holding `vcn` (runs sorted and contiguous by VCN), or -1. */
export function findRun(runs: readonly Run[], vcn: number): number {
  let lo = 0;
  let hi = runs.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const run = runs[mid];
    if (vcn < run.vcn) hi = mid - 1;
    else if (vcn >= run.vcn + run.length) lo = mid + 1;
    else return mid;
  }
  return -1;
}
