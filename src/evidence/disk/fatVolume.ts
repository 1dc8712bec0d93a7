import { FormatError } from "../formatError";
import { sliceSource, type ByteSource } from "./byteSource";
import { cachedSource } from "./cachedSource";
import { parseFatBootSector, type FatGeometry } from "./fatBoot";
import { FAT_ATTR, parseDirectoryEntries, type FatDirEntry } from "./fatDirectory";

export type { FatDirEntry } from "./fatDirectory";

/** FAT directories hold at most 65536 entries (fatgen103), i.e. 2 MiB. */
export const FAT_MAX_DIRECTORY_BYTES = 65536 * 32;
/** Default cap on a file read whole; the evidence on an ESP (BCD and its logs) is far smaller. */
export const FAT_DEFAULT_MAX_FILE_BYTES = 256 * 1024 * 1024;
export const FAT_MAX_PATH_DEPTH = 64;

/** A contiguous piece of a file on the volume: byte offset in the volume and length. */
export interface FatExtent {
  offset: number;
  length: number;
}

/**
 * A read-only FAT12/16/32 volume over a partition's bytes: enough to find and read the boot files
 * on an EFI system partition (`\EFI\Microsoft\Boot\BCD`). Paths use `\` or `/` and match
 * case-insensitively against long and 8.3 names.
 */
export class FatVolume {
  private readonly fat: ByteSource;

  private constructor(
    private readonly source: ByteSource,
    readonly geometry: FatGeometry,
  ) {
    this.fat = cachedSource(
      sliceSource(source, geometry.fatOffset, geometry.fatBytes, `${source.label} FAT`),
      { blockSize: 16 * 1024, maxBlocks: 64 },
    );
  }

  static async open(source: ByteSource): Promise<FatVolume> {
    if (source.size < 512) {
      throw new FormatError(
        "fat-truncated",
        `${source.label}: ${source.size} bytes, no boot sector`,
      );
    }
    const geometry = parseFatBootSector(await source.read(0, 512), source.size, source.label);
    return new FatVolume(source, geometry);
  }

  private get label(): string {
    return this.source.label;
  }

  /** The FAT entry of `cluster` (the next cluster, or an end/bad/free marker). */
  private async entry(cluster: number): Promise<number> {
    const { type } = this.geometry;
    if (type === "FAT32") return (await this.fat.read(cluster * 4, 4)).readUInt32LE(0) & 0x0fffffff;
    if (type === "FAT16") return (await this.fat.read(cluster * 2, 2)).readUInt16LE(0);
    const pair = (await this.fat.read(cluster + (cluster >> 1), 2)).readUInt16LE(0);
    return cluster & 1 ? pair >> 4 : pair & 0x0fff;
  }

  /**
   * The first `maxClusters` clusters of the chain from `first` (fewer when it ends sooner). Every
   * step is range-checked; a cluster seen twice is a loop; free or bad clusters end with an error.
   */
  async chain(first: number, maxClusters: number, what: string): Promise<number[]> {
    const { type, clusterCount } = this.geometry;
    const endOfChain = type === "FAT32" ? 0x0ffffff8 : type === "FAT16" ? 0xfff8 : 0xff8;
    const bad = endOfChain - 1;
    const clusters: number[] = [];
    const seen = new Set<number>();
    let cluster = first;
    while (clusters.length < maxClusters) {
      if (cluster < 2 || cluster >= clusterCount + 2) {
        throw new FormatError(
          "fat-chain-range",
          `${this.label}: ${what}: cluster ${cluster} is outside 2..${clusterCount + 1}`,
        );
      }
      if (seen.has(cluster)) {
        throw new FormatError(
          "fat-chain-loop",
          `${this.label}: ${what}: cluster ${cluster} repeats`,
        );
      }
      seen.add(cluster);
      clusters.push(cluster);
      const next = await this.entry(cluster);
      if (next >= endOfChain) break;
      if (next === bad || next === 0) {
        throw new FormatError(
          "fat-chain-broken",
          `${this.label}: ${what}: FAT entry of cluster ${cluster} is` +
            ` ${next === 0 ? "free" : "bad"}`,
        );
      }
      cluster = next;
    }
    return clusters;
  }

  /** Consecutive clusters merged into byte extents of the volume. */
  private extents(clusters: number[], bytes: number): FatExtent[] {
    const { clusterSize, dataOffset } = this.geometry;
    const extents: FatExtent[] = [];
    let left = bytes;
    for (const cluster of clusters) {
      if (left <= 0) break;
      const offset = dataOffset + (cluster - 2) * clusterSize;
      const length = Math.min(clusterSize, left);
      const last = extents[extents.length - 1];
      if (last && last.offset + last.length === offset) last.length += length;
      else extents.push({ offset, length });
      left -= length;
    }
    return extents;
  }

  private async readExtents(extents: FatExtent[]): Promise<Buffer> {
    const parts: Buffer[] = [];
    for (const e of extents) parts.push(await this.source.read(e.offset, e.length));
    return Buffer.concat(parts);
  }

  private async directoryBytes(dir: FatDirEntry | undefined, path: string): Promise<Buffer> {
    const g = this.geometry;
    if (!dir && g.type !== "FAT32") return this.source.read(g.rootDirOffset, g.rootDirBytes);
    const first = dir ? dir.firstCluster : g.rootCluster;
    const maxClusters = Math.ceil(FAT_MAX_DIRECTORY_BYTES / g.clusterSize);
    const clusters = await this.chain(first, maxClusters + 1, `directory ${path || "\\"}`);
    if (clusters.length > maxClusters) {
      throw new FormatError(
        "fat-directory-too-large",
        `${this.label}: directory ${path || "\\"} is longer than ${FAT_MAX_DIRECTORY_BYTES} bytes`,
      );
    }
    return this.readExtents(this.extents(clusters, clusters.length * g.clusterSize));
  }

  private async resolve(path: string): Promise<{ entry?: FatDirEntry; found: boolean }> {
    const parts = path.split(/[\\/]+/).filter((p) => p.length > 0);
    if (parts.length > FAT_MAX_PATH_DEPTH) {
      throw new FormatError("fat-path-depth", `${this.label}: path ${path} is too deep`);
    }
    let dir: FatDirEntry | undefined;
    let walked = "";
    for (const part of parts) {
      if (dir && !dir.isDirectory) return { found: false };
      const wanted = part.toUpperCase();
      const listing = parseDirectoryEntries(
        await this.directoryBytes(dir, walked),
        this.geometry.type === "FAT32",
      );
      dir = listing.find(
        (e) => e.name.toUpperCase() === wanted || e.shortName.toUpperCase() === wanted,
      );
      if (!dir) return { found: false };
      walked += `\\${dir.name}`;
    }
    return { entry: dir, found: true };
  }

  /** The entry at `path`, or undefined; the root ("\\") yields a directory stub. */
  async stat(path: string): Promise<FatDirEntry | undefined> {
    const { entry, found } = await this.resolve(path);
    if (!found) return undefined;
    return entry ?? rootEntry();
  }

  /** The entries of the directory at `path` ("\\" or "" for the root). */
  async listDirectory(path: string): Promise<FatDirEntry[]> {
    const { entry, found } = await this.resolve(path);
    if (!found || (entry && !entry.isDirectory)) {
      throw new FormatError("fat-not-a-directory", `${this.label}: no directory ${path}`);
    }
    const bytes = await this.directoryBytes(entry, path);
    return parseDirectoryEntries(bytes, this.geometry.type === "FAT32");
  }

  /** Where the file's bytes lie on the volume (more than one extent when it is fragmented). */
  async fileExtents(path: string, maxBytes = FAT_DEFAULT_MAX_FILE_BYTES): Promise<FatExtent[]> {
    const entry = await this.stat(path);
    if (!entry || entry.isDirectory) {
      throw new FormatError("fat-not-found", `${this.label}: no file ${path}`);
    }
    if (entry.size > maxBytes) {
      throw new FormatError(
        "fat-file-too-large",
        `${this.label}: ${path} is ${entry.size} bytes (limit ${maxBytes})`,
      );
    }
    if (entry.size === 0) return [];
    const needed = Math.ceil(entry.size / this.geometry.clusterSize);
    const clusters = await this.chain(entry.firstCluster, needed, path);
    if (clusters.length < needed) {
      throw new FormatError(
        "fat-chain-short",
        `${this.label}: ${path}: chain of ${clusters.length} clusters for ${entry.size} bytes`,
      );
    }
    return this.extents(clusters, entry.size);
  }

  /** The whole file at `path` (at most `maxBytes`, default 256 MiB). */
  async readFile(path: string, maxBytes = FAT_DEFAULT_MAX_FILE_BYTES): Promise<Buffer> {
    return this.readExtents(await this.fileExtents(path, maxBytes));
  }
}

function rootEntry(): FatDirEntry {
  return {
    name: "\\",
    shortName: "\\",
    isDirectory: true,
    attributes: FAT_ATTR.directory,
    size: 0,
    firstCluster: 0,
  };
}

/** Opens the FAT volume on `source` (a partition's bytes). */
export function openFatVolume(source: ByteSource): Promise<FatVolume> {
  return FatVolume.open(source);
}
