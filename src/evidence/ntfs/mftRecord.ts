import { need, ntfsError, s64, u64, utf16 } from "./bytes";
import { applyFixups } from "./fixups";
import { MAX_ATTRIBUTES_PER_RECORD } from "./limits";
import { decodeRunlist, Run } from "./runlist";

/** Attribute type codes the reader uses. */
export const AttributeType = {
  standardInformation: 0x10,
  attributeList: 0x20,
  fileName: 0x30,
  data: 0x80,
  indexRoot: 0x90,
  indexAllocation: 0xa0,
  bitmap: 0xb0,
  reparsePoint: 0xc0,
} as const;

/** A 48-bit record number and the 16-bit sequence number it must carry to be the same file. */
export interface FileReference {
  record: number;
  sequence: number;
}

interface AttributeCommon {
  type: number;
  /** The attribute name ("" for the unnamed $DATA, "$I30" for directory indexes, a stream name). */
  name: string;
  /** 0x0001 LZNT1 compressed (0x00FF mask), 0x4000 encrypted, 0x8000 sparse. */
  flags: number;
  /** MFT record holding this attribute (the base record or an extension). */
  recordNumber: number;
}

export interface ResidentAttribute extends AttributeCommon {
  resident: true;
  value: Buffer;
}

export interface NonResidentAttribute extends AttributeCommon {
  resident: false;
  lowestVcn: number;
  /** Last VCN of this segment; lowestVcn - 1 for an empty attribute. */
  highestVcn: number;
  /** log2 of clusters per compression unit (0 = not compressed). */
  compressionUnit: number;
  /** Sizes are meaningful only in the segment whose lowestVcn is 0. */
  allocatedSize: number;
  dataSize: number;
  initializedSize: number;
  runs: Run[];
}

export type Attribute = ResidentAttribute | NonResidentAttribute;

export interface MftRecord {
  number: number;
  sequence: number;
  linkCount: number;
  inUse: boolean;
  isDirectory: boolean;
  /** Set for extension records: the base record they belong to. */
  base: FileReference | undefined;
  attributes: Attribute[];
}

/** Splits a 64-bit file reference into record number and sequence. */
export function readFileReference(buf: Buffer, offset: number): FileReference {
  need(buf, offset, 8, "file reference");
  return { record: buf.readUIntLE(offset, 6), sequence: buf.readUInt16LE(offset + 6) };
}

/**
 * Parses one MFT record (`record` holds exactly one record as read from the MFT; its fixups are
 * applied in place). Every attribute's extent is checked against the record's used size, and
 * non-resident runlists against the volume's `clusterLimit`.
 */
export function parseMftRecord(record: Buffer, number: number, clusterLimit: number): MftRecord {
  const where = `MFT record ${number}`;
  const signature = record.toString("latin1", 0, 4);
  if (signature !== "FILE") {
    const code = signature === "BAAD" ? "ntfs-record-baad" : "ntfs-record-signature";
    throw ntfsError(code, `${where}: signature ${JSON.stringify(signature)} is not "FILE"`);
  }
  applyFixups(record, where);
  if (record.readUInt16LE(4) >= 48 && record.readUInt32LE(44) !== number) {
    throw ntfsError(
      "ntfs-record-number",
      `${where}: header says record ${record.readUInt32LE(44)} (offset 44)`,
    );
  }
  const flags = record.readUInt16LE(22);
  const usedSize = record.readUInt32LE(24);
  if (usedSize > record.length || usedSize < 24) {
    throw ntfsError("ntfs-record-size", `${where}: used size ${usedSize} (offset 24)`);
  }
  const baseRef = readFileReference(record, 32);
  const attributes: Attribute[] = [];
  let pos = record.readUInt16LE(20);
  for (;;) {
    need(record.subarray(0, usedSize), pos, 4, `${where} attribute at offset ${pos}`);
    const type = record.readUInt32LE(pos);
    if (type === 0xffffffff) break;
    if (attributes.length >= MAX_ATTRIBUTES_PER_RECORD) {
      throw ntfsError("ntfs-attribute-count", `${where}: more than ${MAX_ATTRIBUTES_PER_RECORD}`);
    }
    need(record.subarray(0, usedSize), pos, 24, `${where} attribute at offset ${pos}`);
    const length = record.readUInt32LE(pos + 4);
    if (length < 24 || length % 8 !== 0 || pos + length > usedSize) {
      throw ntfsError(
        "ntfs-attribute-length",
        `${where}: attribute at offset ${pos} has length ${length}`,
      );
    }
    const attribute = record.subarray(pos, pos + length);
    attributes.push(parseAttribute(attribute, number, clusterLimit, where));
    pos += length;
  }
  return {
    number,
    sequence: record.readUInt16LE(16),
    linkCount: record.readUInt16LE(18),
    inUse: (flags & 0x1) !== 0,
    isDirectory: (flags & 0x2) !== 0,
    base: baseRef.record === 0 && baseRef.sequence === 0 ? undefined : baseRef,
    attributes,
  };
}

function parseAttribute(
  attr: Buffer,
  recordNumber: number,
  clusterLimit: number,
  where: string,
): Attribute {
  const type = attr.readUInt32LE(0);
  const here = `${where} attribute 0x${type.toString(16)}`;
  const nameLength = attr[9];
  const name =
    nameLength === 0 ? "" : utf16(attr, attr.readUInt16LE(10), nameLength, `${here} name`);
  const common = { type, name, flags: attr.readUInt16LE(12), recordNumber };
  if (attr[8] === 0) {
    const valueLength = attr.readUInt32LE(16);
    const valueOffset = attr.readUInt16LE(20);
    need(attr, valueOffset, valueLength, `${here} resident value`);
    const value = attr.subarray(valueOffset, valueOffset + valueLength);
    return { ...common, resident: true, value };
  }
  need(attr, 0, 64, `${here} non-resident header`);
  const lowestVcn = s64(attr, 16, `${here} lowest VCN`);
  const highestVcn = s64(attr, 24, `${here} highest VCN`);
  const runlistOffset = attr.readUInt16LE(32);
  const vcnsOk = lowestVcn >= 0 && highestVcn >= lowestVcn - 1;
  if (!vcnsOk || runlistOffset < 64 || runlistOffset >= attr.length) {
    throw ntfsError(
      "ntfs-attribute-vcn",
      `${here}: VCNs ${lowestVcn}..${highestVcn}, runlist offset ${runlistOffset}`,
    );
  }
  const runs = decodeRunlist(attr, runlistOffset, attr.length, lowestVcn, clusterLimit, here);
  const last = runs[runs.length - 1];
  const end = last ? last.vcn + last.length : lowestVcn;
  if (end !== highestVcn + 1 && !(runs.length === 0 && highestVcn < lowestVcn)) {
    throw ntfsError(
      "ntfs-runlist-extent",
      `${here}: runs end at VCN ${end} but the header's last VCN is ${highestVcn}`,
    );
  }
  const compressionUnit = attr.readUInt16LE(34);
  return {
    ...common,
    resident: false,
    lowestVcn,
    highestVcn,
    compressionUnit,
    allocatedSize: u64(attr, 40, `${here} allocated size`),
    dataSize: u64(attr, 48, `${here} data size`),
    initializedSize: u64(attr, 56, `${here} initialized size`),
    runs,
  };
}
