import { isPowerOfTwo, need, ntfsError, u64 } from "./bytes";
import { MAX_CLUSTER_SIZE, MAX_RECORD_SIZE } from "./limits";

/** The geometry an NTFS boot sector ($Boot, offset 0 of the volume) declares. */
export interface NtfsBootSector {
  bytesPerSector: number;
  clusterSize: number;
  totalSectors: number;
  /** Clusters the volume claims (total sectors / sectors per cluster). */
  clusterCount: number;
  mftLcn: number;
  mftMirrorLcn: number;
  mftRecordSize: number;
  indexRecordSize: number;
  /** The 64-bit volume serial number as 16 hex digits (what `vol` shows is its low half). */
  serial: string;
}

/**
 * Sizes in the boot sector use one signed byte: 0..127 counts clusters, a negative n means 2^-n
 * bytes (so 1 KiB MFT records read the same whatever the cluster size).
 */
function recordSize(raw: number, clusterSize: number, field: string): number {
  const signed = raw > 127 ? raw - 256 : raw;
  let size: number;
  if (signed > 0) size = signed * clusterSize;
  else if (signed <= -9 && signed >= -31) size = 2 ** -signed;
  else size = 0;
  if (!isPowerOfTwo(size) || size < 512 || size > MAX_RECORD_SIZE) {
    throw ntfsError("ntfs-boot-geometry", `boot sector: ${field} 0x${raw.toString(16)} is invalid`);
  }
  return size;
}

/** Parses and checks the first sector of an NTFS volume. */
export function parseBootSector(sector: Buffer): NtfsBootSector {
  need(sector, 0, 512, "boot sector");
  if (sector.toString("latin1", 3, 11) !== "NTFS    ") {
    const oem = JSON.stringify(sector.toString("latin1", 3, 11));
    throw ntfsError(
      "ntfs-bad-signature",
      `boot sector: OEM id at offset 3 is ${oem}, not "NTFS    "`,
    );
  }
  if (sector[510] !== 0x55 || sector[511] !== 0xaa) {
    throw ntfsError("ntfs-bad-signature", "boot sector: no 55 AA marker at offset 510");
  }
  const bytesPerSector = sector.readUInt16LE(11);
  if (!isPowerOfTwo(bytesPerSector) || bytesPerSector < 256 || bytesPerSector > 4096) {
    throw ntfsError(
      "ntfs-boot-geometry",
      `boot sector: bytes per sector ${bytesPerSector} (offset 11)`,
    );
  }
  // Sectors per cluster: 1..128 literally; 244..255 encode 2^(256-n) for clusters past 64 KiB.
  const spcRaw = sector[13];
  const sectorsPerCluster = spcRaw <= 0x80 ? spcRaw : spcRaw >= 0xf4 ? 2 ** (256 - spcRaw) : 0;
  const clusterSize = sectorsPerCluster * bytesPerSector;
  if (!isPowerOfTwo(sectorsPerCluster) || clusterSize > MAX_CLUSTER_SIZE) {
    throw ntfsError(
      "ntfs-boot-geometry",
      `boot sector: sectors per cluster 0x${spcRaw.toString(16)}`,
    );
  }
  const totalSectors = u64(sector, 40, "boot sector total sectors");
  const clusterCount = Math.floor(totalSectors / sectorsPerCluster);
  const mftLcn = u64(sector, 48, "boot sector $MFT LCN");
  const mftMirrorLcn = u64(sector, 56, "boot sector $MFTMirr LCN");
  if (clusterCount === 0 || mftLcn >= clusterCount) {
    throw ntfsError(
      "ntfs-boot-geometry",
      `boot sector: $MFT LCN ${mftLcn} is outside the volume's ${clusterCount} clusters`,
    );
  }
  return {
    bytesPerSector,
    clusterSize,
    totalSectors,
    clusterCount,
    mftLcn,
    mftMirrorLcn,
    mftRecordSize: recordSize(sector[64], clusterSize, "clusters per MFT record"),
    indexRecordSize: recordSize(sector[68], clusterSize, "clusters per index record"),
    serial: sector.readBigUInt64LE(72).toString(16).padStart(16, "0"),
  };
}
