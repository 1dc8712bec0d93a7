import type { ByteSource } from "../disk/byteSource";
import { isFormatError } from "../formatError";
import { ntfsError } from "./bytes";
import { MAX_ATTRIBUTE_LIST_BYTES, MAX_EXTENSION_RECORDS, RECORD_CACHE_ENTRIES } from "./limits";
import {
  Attribute,
  AttributeType,
  FileReference,
  MftRecord,
  NonResidentAttribute,
  parseMftRecord,
  readFileReference,
} from "./mftRecord";
import { checkRunsDisjoint } from "./runlist";
import { nonResidentSource, residentSource, StreamLayout, VolumeIo } from "./stream";

/** A file's base record with the attributes of all its extension records gathered. */
export interface MftFile {
  record: MftRecord;
  attributes: Attribute[];
}

/** The content of one attribute (all its segments): a resident value or a merged runlist. */
export type AttributeContent =
  { resident: true; flags: number; value: Buffer } | NonResidentContent;

export type NonResidentContent = {
  resident: false;
  flags: number;
  allocatedSize: number;
} & StreamLayout;

/**
 * Merges the segments of one non-resident attribute (spread over extension records by an
 * $ATTRIBUTE_LIST) into one runlist. Segments must chain without gap or overlap from VCN 0; the
 * sizes come from the first one. `partial` (bootstrapping $MFT from record 0 alone) cuts the
 * size to what the known segments map instead of refusing it.
 */
export function mergeSegments(
  segments: readonly NonResidentAttribute[],
  clusterSize: number,
  where: string,
  partial = false,
): NonResidentContent {
  const sorted = [...segments].sort((a, b) => a.lowestVcn - b.lowestVcn);
  const first = sorted[0];
  let next = 0;
  const runs = [];
  for (const segment of sorted) {
    if (segment.lowestVcn !== next) {
      throw ntfsError(
        "ntfs-attribute-segments",
        `${where}: segment starts at VCN ${segment.lowestVcn}, expected ${next}`,
      );
    }
    runs.push(...segment.runs);
    next = segment.highestVcn + 1;
  }
  checkRunsDisjoint(runs, where);
  const allocatedSize = first.allocatedSize;
  const dataSize = partial ? Math.min(first.dataSize, next * clusterSize) : first.dataSize;
  const initializedSize = Math.min(first.initializedSize, dataSize);
  if (dataSize > allocatedSize || dataSize > next * clusterSize) {
    throw ntfsError(
      "ntfs-attribute-size",
      `${where}: data size ${dataSize} exceeds the ${next} clusters its runs map`,
    );
  }
  const compressionUnit = (first.flags & 0x00ff) !== 0 ? first.compressionUnit : 0;
  return {
    resident: false,
    flags: first.flags,
    allocatedSize,
    runs,
    dataSize,
    initializedSize,
    compressionUnit,
  };
}

/** The attribute `type` named `name` of a file, merged over its segments, or undefined. */
export function findAttribute(
  file: MftFile,
  type: number,
  name: string,
  clusterSize: number,
): AttributeContent | undefined {
  const matches = file.attributes.filter((a) => a.type === type && a.name === name);
  if (matches.length === 0) return undefined;
  const where = `MFT record ${file.record.number} attribute 0x${type.toString(16)} "${name}"`;
  const resident = matches.filter((a) => a.resident);
  if (resident.length > 0) {
    if (matches.length > 1) {
      throw ntfsError("ntfs-attribute-duplicate", `${where}: appears ${matches.length} times`);
    }
    const only = matches[0] as { flags: number; value: Buffer };
    return { resident: true, flags: only.flags, value: only.value };
  }
  return mergeSegments(matches as NonResidentAttribute[], clusterSize, where);
}

/** A ByteSource over an attribute's content. */
export function contentSource(io: VolumeIo, content: AttributeContent, label: string): ByteSource {
  return content.resident
    ? residentSource(content.value, label)
    : nonResidentSource(io, content, label);
}

/** Reads a whole attribute value that must be small (an attribute list, a reparse point). */
export async function readSmallAttribute(
  io: VolumeIo,
  content: AttributeContent,
  limit: number,
  label: string,
): Promise<Buffer> {
  if (content.resident) return content.value;
  if (content.dataSize > limit) {
    throw ntfsError("ntfs-attribute-size", `${label}: ${content.dataSize} bytes, limit ${limit}`);
  }
  return nonResidentSource(io, content, label).read(0, content.dataSize);
}

/** Record numbers named by an $ATTRIBUTE_LIST value (entries of at least 26 bytes). */
export function attributeListRecords(list: Buffer, where: string): Set<number> {
  const records = new Set<number>();
  let pos = 0;
  while (pos + 26 <= list.length) {
    const length = list.readUInt16LE(pos + 4);
    if (length < 26 || pos + length > list.length) {
      throw ntfsError(
        "ntfs-attribute-list",
        `${where}: entry at offset ${pos} has length ${length}`,
      );
    }
    records.add(readFileReference(list, pos + 16).record);
    if (records.size > MAX_EXTENSION_RECORDS) {
      throw ntfsError(
        "ntfs-attribute-list",
        `${where}: more than ${MAX_EXTENSION_RECORDS} records`,
      );
    }
    pos += length;
  }
  return records;
}

/** Record 0 read straight from the cluster where `what` ($MFT or $MFTMirr) starts. */
async function readFirstRecord(
  io: VolumeIo,
  lcn: number,
  recordSize: number,
  what: string,
): Promise<MftRecord> {
  const end = lcn * io.clusterSize + recordSize;
  if (lcn >= io.clusterLimit || end > io.clusterLimit * io.clusterSize) {
    throw ntfsError(
      "ntfs-boot-geometry",
      `boot sector: ${what} at LCN ${lcn} runs past the volume`,
    );
  }
  return parseMftRecord(await io.source.read(lcn * io.clusterSize, recordSize), 0, io.clusterLimit);
}

function mftSegments(attributes: Attribute[]): NonResidentAttribute[] {
  return attributes.filter(
    (a): a is NonResidentAttribute => a.type === AttributeType.data && a.name === "" && !a.resident,
  );
}

/**
 * The Master File Table: record N lives at N × record size in $MFT's own unnamed $DATA, which
 * may be fragmented and even spread over extension records, so it is bootstrapped from record 0.
 */
export class Mft {
  private readonly cache = new Map<number, MftRecord>();

  private constructor(
    readonly io: VolumeIo,
    readonly recordSize: number,
    private readonly data: ByteSource,
    readonly recordCount: number,
  ) {}

  /**
   * Opens the MFT from the boot sector's $MFT LCN. When record 0 there is torn or damaged, its
   * copy in $MFTMirr (which mirrors records 0-3) is used, as Windows does.
   */
  static async open(
    io: VolumeIo,
    mftLcn: number,
    mirrorLcn: number,
    recordSize: number,
  ): Promise<Mft> {
    let record0: MftRecord;
    try {
      record0 = await readFirstRecord(io, mftLcn, recordSize, "$MFT");
    } catch (e) {
      if (!isFormatError(e)) throw e;
      try {
        record0 = await readFirstRecord(io, mirrorLcn, recordSize, "$MFTMirr");
      } catch {
        throw e;
      }
    }
    const attributes = [...record0.attributes];
    const listContent = findAttribute(
      { record: record0, attributes },
      AttributeType.attributeList,
      "",
      io.clusterSize,
    );
    if (listContent) {
      // $MFT's extension records must be reachable through the runs record 0 holds itself.
      const partial = Mft.over(io, recordSize, mftSegments(attributes), true);
      const where = "$MFT $ATTRIBUTE_LIST";
      const list = await readSmallAttribute(io, listContent, MAX_ATTRIBUTE_LIST_BYTES, where);
      for (const n of attributeListRecords(list, where)) {
        if (n === 0) continue;
        const ext = await partial.extensionRecord(n, { record: 0, sequence: record0.sequence });
        attributes.push(...ext.attributes);
      }
    }
    return Mft.over(io, recordSize, mftSegments(attributes), false);
  }

  private static over(
    io: VolumeIo,
    recordSize: number,
    segments: NonResidentAttribute[],
    partial: boolean,
  ): Mft {
    if (segments.length === 0) {
      throw ntfsError("ntfs-mft-data", "MFT record 0: $MFT has no non-resident $DATA");
    }
    const content = mergeSegments(segments, io.clusterSize, "$MFT $DATA", partial);
    const layout = { ...content, compressionUnit: 0 };
    const count = Math.floor(layout.dataSize / recordSize);
    return new Mft(io, recordSize, nonResidentSource(io, layout, "$MFT"), count);
  }

  /** Record `n`, parsed and checked (cached: directory walks revisit the same records). */
  async record(n: number): Promise<MftRecord> {
    const cached = this.cache.get(n);
    if (cached) return cached;
    if (!Number.isSafeInteger(n) || n < 0 || n >= this.recordCount) {
      throw ntfsError(
        "ntfs-record-range",
        `MFT record ${n} is past the MFT's ${this.recordCount} records`,
      );
    }
    const raw = await this.data.read(n * this.recordSize, this.recordSize);
    const record = parseMftRecord(raw, n, this.io.clusterLimit);
    if (this.cache.size >= RECORD_CACHE_ENTRIES) {
      this.cache.delete(this.cache.keys().next().value as number);
    }
    this.cache.set(n, record);
    return record;
  }

  private async extensionRecord(n: number, base: FileReference): Promise<MftRecord> {
    const ext = await this.record(n);
    if (!ext.inUse || ext.base?.record !== base.record || ext.base.sequence !== base.sequence) {
      throw ntfsError(
        "ntfs-attribute-list-record",
        `MFT record ${n}: listed as an extension of record ${base.record} but is not one`,
      );
    }
    return ext;
  }

  /**
   * The file a reference points to, with its extension records' attributes gathered. The
   * sequence number is checked (0 means "any"), so a stale directory entry that points to a
   * reused record is an error, not a different file.
   */
  async file(ref: FileReference): Promise<MftFile> {
    const record = await this.record(ref.record);
    if (!record.inUse) {
      throw ntfsError("ntfs-record-free", `MFT record ${ref.record}: not in use`);
    }
    if (record.base !== undefined) {
      throw ntfsError(
        "ntfs-record-extension",
        `MFT record ${ref.record}: an extension, not a base record`,
      );
    }
    if (ref.sequence !== 0 && record.sequence !== ref.sequence) {
      throw ntfsError(
        "ntfs-stale-reference",
        `MFT record ${ref.record}: sequence ${record.sequence}, reference expects ${ref.sequence}`,
      );
    }
    const attributes = [...record.attributes];
    const listAttr = findAttribute(
      { record, attributes },
      AttributeType.attributeList,
      "",
      this.io.clusterSize,
    );
    if (listAttr) {
      const where = `MFT record ${ref.record} $ATTRIBUTE_LIST`;
      const list = await readSmallAttribute(this.io, listAttr, MAX_ATTRIBUTE_LIST_BYTES, where);
      for (const n of attributeListRecords(list, where)) {
        if (n === ref.record) continue;
        const base = { record: ref.record, sequence: record.sequence };
        const ext = await this.extensionRecord(n, base);
        attributes.push(...ext.attributes.filter((a) => a.type !== AttributeType.attributeList));
      }
    }
    return { record, attributes };
  }
}
