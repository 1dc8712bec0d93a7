import { isPowerOfTwo, need, ntfsError, u64 } from "./bytes";
import { FileName, parseFileName } from "./fileName";
import { applyFixups } from "./fixups";
import { MAX_RECORD_SIZE } from "./limits";
import { AttributeType, FileReference, readFileReference } from "./mftRecord";

/** One entry of a directory index node. */
export interface IndexEntry {
  ref: FileReference;
  /** The indexed $FILE_NAME; undefined for the node's closing entry, which has no key. */
  key: FileName | undefined;
  /** VCN of the child node holding the names that sort before this entry. */
  child: number | undefined;
}

/** $INDEX_ROOT of a directory's $I30 index. */
export interface IndexRoot {
  indexRecordSize: number;
  entries: IndexEntry[];
}

const ENTRY_HAS_CHILD = 0x1;
const ENTRY_LAST = 0x2;
const COLLATION_FILENAME = 1;

/**
 * Parses the entries of one node: the node header at `header` (entries offset, used size,
 * allocated size, flags, all relative to the header) and the entries up to the closing one.
 * Each entry's length and key length are checked against the node, so a crafted entry cannot
 * point outside it; a node without a closing entry is an error.
 */
export function parseNodeEntries(node: Buffer, header: number, where: string): IndexEntry[] {
  need(node, header, 16, `${where} node header`);
  const start = header + node.readUInt32LE(header);
  const end = header + node.readUInt32LE(header + 4);
  if (end > node.length || start < header + 16 || start > end) {
    throw ntfsError("ntfs-index-node", `${where}: entries [${start}, ${end}) outside the node`);
  }
  const entries: IndexEntry[] = [];
  for (let pos = start; ;) {
    if (pos + 16 > end) {
      throw ntfsError("ntfs-index-entry", `${where}: node ends without a closing entry`);
    }
    const length = node.readUInt16LE(pos + 8);
    const keyLength = node.readUInt16LE(pos + 10);
    const flags = node.readUInt32LE(pos + 12);
    const hasChild = (flags & ENTRY_HAS_CHILD) !== 0;
    const last = (flags & ENTRY_LAST) !== 0;
    const minimum = 16 + (last ? 0 : keyLength) + (hasChild ? 8 : 0);
    if (length % 8 !== 0 || length < minimum || pos + length > end || (!last && keyLength < 66)) {
      throw ntfsError(
        "ntfs-index-entry",
        `${where}: entry at offset ${pos} has length ${length}, key length ${keyLength}`,
      );
    }
    const entryWhere = `${where} entry at offset ${pos}`;
    entries.push({
      ref: readFileReference(node, pos),
      key: last
        ? undefined
        : parseFileName(node.subarray(pos + 16, pos + 16 + keyLength), entryWhere),
      child: hasChild ? u64(node, pos + length - 8, `${entryWhere} child VCN`) : undefined,
    });
    if (last) return entries;
    pos += length;
  }
}

/** Parses the resident $INDEX_ROOT value of a directory's `$I30` index. */
export function parseIndexRoot(value: Buffer, where: string): IndexRoot {
  need(value, 0, 32, `${where} $INDEX_ROOT`);
  const indexedType = value.readUInt32LE(0);
  const collation = value.readUInt32LE(4);
  const indexRecordSize = value.readUInt32LE(8);
  if (indexedType !== AttributeType.fileName || collation !== COLLATION_FILENAME) {
    throw ntfsError(
      "ntfs-index-root",
      `${where}: $INDEX_ROOT indexes type 0x${indexedType.toString(16)} by collation ${collation}`,
    );
  }
  const sizeOk = indexRecordSize >= 512 && indexRecordSize <= MAX_RECORD_SIZE;
  if (!isPowerOfTwo(indexRecordSize) || !sizeOk) {
    throw ntfsError("ntfs-index-root", `${where}: index record size ${indexRecordSize}`);
  }
  return { indexRecordSize, entries: parseNodeEntries(value, 16, `${where} $INDEX_ROOT`) };
}

/**
 * Parses one `INDX` record of $INDEX_ALLOCATION (fixups applied in place). The record states its
 * own VCN; it must be the one the parent pointed to, which catches misdirected child pointers.
 */
export function parseIndexRecord(record: Buffer, vcn: number, where: string): IndexEntry[] {
  const signature = record.toString("latin1", 0, 4);
  if (signature !== "INDX") {
    throw ntfsError(
      "ntfs-index-signature",
      `${where}: signature ${JSON.stringify(signature)} is not "INDX"`,
    );
  }
  applyFixups(record, where);
  const ownVcn = u64(record, 16, `${where} VCN`);
  if (ownVcn !== vcn) {
    throw ntfsError("ntfs-index-vcn", `${where}: record says VCN ${ownVcn}`);
  }
  return parseNodeEntries(record, 24, where);
}
