import type { ByteSource } from "../disk/byteSource";
import { ntfsError } from "./bytes";
import { MAX_COMPRESSION_UNIT_BYTES } from "./limits";
import { decompressLznt1 } from "./lznt1";
import { findRun, Run } from "./runlist";

/** What a stream needs of the volume: its bytes and the cluster geometry. */
export interface VolumeIo {
  source: ByteSource;
  clusterSize: number;
  /** Clusters that may be addressed: the volume's count, cut to what the source holds. */
  clusterLimit: number;
}

/** A non-resident attribute's content once its segments are merged. */
export interface StreamLayout {
  runs: Run[];
  dataSize: number;
  initializedSize: number;
  /** log2 of clusters per compression unit; 0 when the stream is not LZNT1-compressed. */
  compressionUnit: number;
}

function checkRange(label: string, size: number, offset: number, length: number): void {
  if (
    !Number.isSafeInteger(offset) ||
    !Number.isSafeInteger(length) ||
    offset < 0 ||
    length < 0 ||
    offset + length > size
  ) {
    throw ntfsError(
      "ntfs-read-range",
      `${label}: read ${offset}+${length} past its end (${size} bytes)`,
    );
  }
}

/** A ByteSource over bytes held in an MFT record (resident data). */
export function residentSource(value: Buffer, label: string): ByteSource {
  return {
    size: value.length,
    label,
    async read(offset, length) {
      checkRange(label, value.length, offset, length);
      return Buffer.from(value.subarray(offset, offset + length));
    },
  };
}

/**
 * A ByteSource over a non-resident attribute: the runlist maps file clusters to volume clusters,
 * sparse runs and bytes past the initialized size read as zeros, and LZNT1 units are decompressed
 * one at a time (the last one is kept, since callers such as hive readers read sequentially).
 */
export function nonResidentSource(io: VolumeIo, layout: StreamLayout, label: string): ByteSource {
  const reader = new StreamReader(io, layout, label);
  return { size: layout.dataSize, label, read: (offset, length) => reader.read(offset, length) };
}

class StreamReader {
  private readonly unitBytes: number;
  private cachedUnit: { index: number; bytes: Buffer } | undefined;

  constructor(
    private readonly io: VolumeIo,
    private readonly layout: StreamLayout,
    private readonly label: string,
  ) {
    this.unitBytes = 0;
    if (layout.compressionUnit !== 0) {
      const unitBytes = io.clusterSize * 2 ** layout.compressionUnit;
      if (layout.compressionUnit > 16 || unitBytes > MAX_COMPRESSION_UNIT_BYTES) {
        throw ntfsError(
          "ntfs-compression-unit",
          `${label}: compression unit of 2^${layout.compressionUnit} clusters is too large`,
        );
      }
      this.unitBytes = unitBytes;
    }
  }

  async read(offset: number, length: number): Promise<Buffer> {
    checkRange(this.label, this.layout.dataSize, offset, length);
    const out = Buffer.alloc(length);
    const validEnd = Math.min(offset + length, this.layout.initializedSize);
    if (offset >= validEnd) return out;
    if (this.unitBytes === 0) await this.readPlain(offset, validEnd, out, 0);
    else await this.readCompressed(offset, validEnd, out);
    return out;
  }

  /** Copies bytes [start, end) of the stream, mapped through the runs, to `out` at `outPos`. */
  private async readPlain(start: number, end: number, out: Buffer, outPos: number): Promise<void> {
    const cs = this.io.clusterSize;
    let pos = start;
    while (pos < end) {
      const run = this.runAt(Math.floor(pos / cs));
      const runEnd = Math.min(end, (run.vcn + run.length) * cs);
      const take = runEnd - pos;
      if (run.lcn !== null) {
        const bytes = await this.io.source.read(run.lcn * cs + (pos - run.vcn * cs), take);
        bytes.copy(out, outPos + (pos - start));
      }
      pos = runEnd;
    }
  }

  private runAt(vcn: number): Run {
    const index = findRun(this.layout.runs, vcn);
    if (index < 0) {
      throw ntfsError("ntfs-runlist-hole", `${this.label}: no run maps VCN ${vcn}`);
    }
    return this.layout.runs[index];
  }

  private async readCompressed(start: number, end: number, out: Buffer): Promise<void> {
    for (let unit = Math.floor(start / this.unitBytes); unit * this.unitBytes < end; unit++) {
      const bytes = await this.unit(unit);
      const unitStart = unit * this.unitBytes;
      const from = Math.max(start, unitStart);
      const to = Math.min(end, unitStart + this.unitBytes);
      bytes.copy(out, from - start, from - unitStart, to - unitStart);
    }
  }

  /**
   * One compression unit: no allocated cluster = zeros; allocated clusters followed by sparse
   * ones = LZNT1 data padded to the unit; allocated clusters only (the whole unit, or up to the
   * end of the runlist in the last unit) = stored as is.
   */
  private async unit(index: number): Promise<Buffer> {
    if (this.cachedUnit?.index === index) return this.cachedUnit.bytes;
    const cs = this.io.clusterSize;
    const unitClusters = this.unitBytes / cs;
    const firstVcn = index * unitClusters;
    const lastRun = this.layout.runs[this.layout.runs.length - 1];
    const runsEnd = lastRun ? lastRun.vcn + lastRun.length : 0;
    const pieces: { vcn: number; count: number }[] = [];
    let allocated = 0;
    let sparse = false;
    for (let vcn = firstVcn; vcn < Math.min(firstVcn + unitClusters, runsEnd);) {
      const run = this.runAt(vcn);
      const count = Math.min(run.vcn + run.length, firstVcn + unitClusters) - vcn;
      if (run.lcn === null) sparse = true;
      else {
        pieces.push({ vcn, count });
        allocated += count;
      }
      vcn += count;
    }
    const bytes = Buffer.alloc(this.unitBytes);
    if (allocated > 0) {
      const stored = sparse ? Buffer.alloc(allocated * cs) : bytes;
      let at = 0;
      for (const piece of pieces) {
        await this.readPlain(piece.vcn * cs, (piece.vcn + piece.count) * cs, stored, at);
        at += piece.count * cs;
      }
      if (sparse) decompressLznt1(stored, bytes, `${this.label} compression unit ${index}`);
    }
    this.cachedUnit = { index, bytes };
    return bytes;
  }
}
