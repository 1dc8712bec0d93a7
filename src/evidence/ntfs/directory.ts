import type { ByteSource } from "../disk/byteSource";
import { ntfsError } from "./bytes";
import { IndexEntry, parseIndexRecord, parseIndexRoot } from "./indexNode";
import { MAX_DIRECTORY_ENTRIES, MAX_INDEX_DEPTH, MAX_RESIDENT_BYTES } from "./limits";
import { findAttribute, MftFile } from "./mft";
import { AttributeType } from "./mftRecord";
import { nonResidentSource, VolumeIo } from "./stream";
import { UpCase } from "./upcase";

const I30 = "$I30";

/**
 * A directory's `$I30` index: a B+-tree of $FILE_NAME keys sorted by the volume's $UpCase order,
 * rooted in the resident $INDEX_ROOT, with larger directories continuing in `INDX` records of
 * $INDEX_ALLOCATION. Every walk bounds its depth and refuses to visit a node twice, so a crafted
 * child pointer back up the tree is an error rather than a loop.
 */
export class DirectoryIndex {
  private constructor(
    private readonly where: string,
    private readonly rootEntries: IndexEntry[],
    private readonly allocation: ByteSource | undefined,
    private readonly indexRecordSize: number,
    /** Bytes per index VCN: a cluster, or 512 when index records are smaller than a cluster. */
    private readonly vcnBytes: number,
  ) {}

  /** The index of `file`, or undefined when it has none (it is not a directory). */
  static open(io: VolumeIo, file: MftFile): DirectoryIndex | undefined {
    const where = `directory (MFT record ${file.record.number})`;
    const root = findAttribute(file, AttributeType.indexRoot, I30, io.clusterSize);
    if (!root) return undefined;
    if (!root.resident || root.value.length > MAX_RESIDENT_BYTES) {
      throw ntfsError("ntfs-index-root", `${where}: $INDEX_ROOT is not resident`);
    }
    const parsed = parseIndexRoot(root.value, where);
    const alloc = findAttribute(file, AttributeType.indexAllocation, I30, io.clusterSize);
    if (alloc?.resident) {
      throw ntfsError("ntfs-index-allocation", `${where}: $INDEX_ALLOCATION is resident`);
    }
    const source = alloc ? nonResidentSource(io, alloc, `${where} $INDEX_ALLOCATION`) : undefined;
    const vcnBytes = parsed.indexRecordSize >= io.clusterSize ? io.clusterSize : 512;
    return new DirectoryIndex(where, parsed.entries, source, parsed.indexRecordSize, vcnBytes);
  }

  private async node(vcn: number, visited: Set<number>, depth: number): Promise<IndexEntry[]> {
    const where = `${this.where} INDX record at VCN ${vcn}`;
    if (depth > MAX_INDEX_DEPTH) {
      throw ntfsError("ntfs-index-depth", `${where}: index deeper than ${MAX_INDEX_DEPTH} levels`);
    }
    if (visited.has(vcn)) {
      throw ntfsError("ntfs-index-cycle", `${where}: node reached twice (index cycle)`);
    }
    visited.add(vcn);
    const offset = vcn * this.vcnBytes;
    if (!this.allocation || offset + this.indexRecordSize > this.allocation.size) {
      throw ntfsError("ntfs-index-child", `${where}: outside $INDEX_ALLOCATION`);
    }
    const record = await this.allocation.read(offset, this.indexRecordSize);
    return parseIndexRecord(record, vcn, where);
  }

  /** Every entry with a key, in index order (DOS and Win32 names of one file appear apart). */
  async entries(): Promise<IndexEntry[]> {
    const out: IndexEntry[] = [];
    const visited = new Set<number>();
    const walk = async (entries: IndexEntry[], depth: number): Promise<void> => {
      for (const entry of entries) {
        if (entry.child !== undefined) {
          await walk(await this.node(entry.child, visited, depth + 1), depth + 1);
        }
        if (entry.key) {
          if (out.length >= MAX_DIRECTORY_ENTRIES) {
            throw ntfsError(
              "ntfs-index-count",
              `${this.where}: more than ${MAX_DIRECTORY_ENTRIES} entries`,
            );
          }
          out.push(entry);
        }
      }
    };
    await walk(this.rootEntries, 0);
    return out;
  }

  /**
   * The entry named `name` (any namespace, compared through $UpCase), or undefined. At each node
   * the search stops at the first key that sorts after the name and descends into its child.
   */
  async find(name: string, upcase: UpCase): Promise<IndexEntry | undefined> {
    const target = upcase.upcase(name);
    const visited = new Set<number>();
    let entries = this.rootEntries;
    for (let depth = 0; ; depth++) {
      let next: number | undefined;
      let descended = false;
      for (const entry of entries) {
        const order = entry.key ? UpCase.compareUpcased(target, upcase.upcase(entry.key.name)) : -1;
        if (order === 0) return entry;
        if (order < 0) {
          next = entry.child;
          descended = true;
          break;
        }
      }
      if (!descended || next === undefined) return undefined;
      entries = await this.node(next, visited, depth + 1);
    }
  }
}
