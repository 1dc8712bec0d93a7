import { FormatError } from "../formatError";
import { isPowerOfTwo } from "./bytes";

export type FatType = "FAT12" | "FAT16" | "FAT32";

/** Largest cluster read (64 KiB is the largest Windows formats; allow some headroom). */
export const FAT_MAX_CLUSTER_SIZE = 256 * 1024;
/** Cluster-count limits that decide the FAT type (fatgen103: the count, never the label). */
export const FAT12_MAX_CLUSTERS = 4084;
export const FAT16_MAX_CLUSTERS = 65524;
/** FAT32 uses 28 bits per entry. */
export const FAT32_MAX_CLUSTERS = 0x0ffffff5;

/** Where things are on a FAT volume, derived once from its boot sector (BPB). */
export interface FatGeometry {
  type: FatType;
  oemId: string;
  bytesPerSector: number;
  sectorsPerCluster: number;
  clusterSize: number;
  totalSectors: number;
  /** Byte offset and length of the FAT in use (FAT32 may disable mirroring and pick one). */
  fatOffset: number;
  fatBytes: number;
  /** FAT12/16 fixed root directory (byte offset, bytes); 0 bytes on FAT32. */
  rootDirOffset: number;
  rootDirBytes: number;
  /** FAT32 root directory's first cluster. */
  rootCluster: number;
  /** Byte offset of cluster 2. */
  dataOffset: number;
  clusterCount: number;
}

/**
 * Parses the BPB of a FAT boot sector and derives the layout. Every count is checked against the
 * volume size so that later reads (FAT entries, clusters) cannot point outside it.
 */
export function parseFatBootSector(sector: Buffer, volumeSize: number, label: string): FatGeometry {
  const fail = (code: string, problem: string) =>
    new FormatError(code, `${label}: FAT boot sector: ${problem}`);
  if (sector.length < 512 || sector[510] !== 0x55 || sector[511] !== 0xaa) {
    throw fail("fat-boot-signature", "no 55 AA signature at 510");
  }
  const bytesPerSector = sector.readUInt16LE(11);
  const sectorsPerCluster = sector[13];
  const reservedSectors = sector.readUInt16LE(14);
  const fatCount = sector[16];
  const rootEntryCount = sector.readUInt16LE(17);
  const totalSectors = sector.readUInt16LE(19) || sector.readUInt32LE(32);
  const fatSectors = sector.readUInt16LE(22) || sector.readUInt32LE(36);
  if (![512, 1024, 2048, 4096].includes(bytesPerSector)) {
    throw fail("fat-bytes-per-sector", `bytes per sector ${bytesPerSector} at offset 11`);
  }
  const clusterSize = bytesPerSector * sectorsPerCluster;
  if (!isPowerOfTwo(sectorsPerCluster) || clusterSize > FAT_MAX_CLUSTER_SIZE) {
    throw fail("fat-cluster-size", `sectors per cluster ${sectorsPerCluster} at offset 13`);
  }
  if (reservedSectors === 0 || fatCount === 0 || fatSectors === 0 || totalSectors === 0) {
    throw fail(
      "fat-bpb-zero",
      `reserved ${reservedSectors}, FATs ${fatCount}, FAT sectors ${fatSectors},` +
        ` total sectors ${totalSectors}`,
    );
  }
  if (totalSectors * bytesPerSector > volumeSize) {
    throw fail(
      "fat-volume-size",
      `${totalSectors} sectors exceed the partition (${volumeSize} bytes)`,
    );
  }
  const rootDirSectors = Math.ceil((rootEntryCount * 32) / bytesPerSector);
  const firstDataSector = reservedSectors + fatCount * fatSectors + rootDirSectors;
  if (firstDataSector >= totalSectors) {
    throw fail("fat-no-data", `data area starts at sector ${firstDataSector} of ${totalSectors}`);
  }
  const clusterCount = Math.floor((totalSectors - firstDataSector) / sectorsPerCluster);
  const type: FatType =
    clusterCount <= FAT12_MAX_CLUSTERS
      ? "FAT12"
      : clusterCount <= FAT16_MAX_CLUSTERS
        ? "FAT16"
        : "FAT32";
  if (clusterCount > FAT32_MAX_CLUSTERS) {
    throw fail("fat-cluster-count", `${clusterCount} clusters`);
  }
  const entryBits = type === "FAT12" ? 12 : type === "FAT16" ? 16 : 32;
  const fatBytes = fatSectors * bytesPerSector;
  if (Math.ceil(((clusterCount + 2) * entryBits) / 8) > fatBytes) {
    throw fail("fat-table-size", `${fatSectors} FAT sectors cannot map ${clusterCount} clusters`);
  }
  let activeFat = 0;
  let rootCluster = 0;
  if (type === "FAT32") {
    if (rootEntryCount !== 0) {
      throw fail("fat32-root-entries", `root entry count ${rootEntryCount}`);
    }
    const extFlags = sector.readUInt16LE(40);
    if (extFlags & 0x80) activeFat = extFlags & 0x0f;
    if (activeFat >= fatCount) throw fail("fat32-active-fat", `active FAT ${activeFat}`);
    rootCluster = sector.readUInt32LE(44);
    if (rootCluster < 2 || rootCluster >= clusterCount + 2) {
      throw fail("fat32-root-cluster", `root cluster ${rootCluster} of ${clusterCount}`);
    }
  } else if (rootEntryCount === 0) {
    throw fail("fat-root-entries", `${type} volume with a root entry count of 0`);
  }
  return {
    type,
    oemId: sector.toString("latin1", 3, 11),
    bytesPerSector,
    sectorsPerCluster,
    clusterSize,
    totalSectors,
    fatOffset: (reservedSectors + activeFat * fatSectors) * bytesPerSector,
    fatBytes,
    rootDirOffset: (reservedSectors + fatCount * fatSectors) * bytesPerSector,
    rootDirBytes: rootEntryCount * 32,
    rootCluster,
    dataOffset: firstDataSector * bytesPerSector,
    clusterCount,
  };
}
