/**
 * Disk access for the evidence readers: where a broken VM's disk bytes come from (image files,
 * VHD/VHDX, an HTTP range source, EBS direct blocks), its partition table, and the FAT ESP.
 * The NTFS reader sits on the same ByteSource.
 */
export { assertReadRange, bufferSource, sliceSource, type ByteSource } from "./byteSource";
export { cachedSource, type CachedByteSource, type CacheOptions } from "./cachedSource";
export { crc32, crc32c } from "./crc";
export {
  openDiskImage,
  openDiskImageSource,
  type DiskImage,
  type DiskImageFormat,
  type OpenDiskImage,
} from "./diskImage";
export {
  ebsSnapshotSource,
  EBS_BLOCK_SIZE,
  type EbsDirectClient,
  type EbsGetSnapshotBlockOutput,
  type EbsListSnapshotBlocksOutput,
  type EbsSnapshotSource,
  type EbsSourceOptions,
} from "./ebsSnapshotSource";
export { FatVolume, openFatVolume, type FatDirEntry, type FatExtent } from "./fatVolume";
export type { FatGeometry, FatType } from "./fatBoot";
export { openFileSource, type FileByteSource } from "./fileSource";
export {
  httpRangeSource,
  type HttpRangeOptions,
  type HttpRangeSource,
  type HttpStats,
} from "./httpRangeSource";
export {
  findEfiSystemPartition,
  findNtfsPartitions,
  findWindowsPartition,
  partitionOemId,
  readPartitions,
} from "./partitions";
export { GPT_TYPE, MBR_TYPE, type Partition, type PartitionTable } from "./partitionTypes";
export { openVhd } from "./vhd";
export { openVhdx } from "./vhdx";
