/** One partition of a disk, whatever the table that described it. */
export interface Partition {
  /** 1-based number as Windows and Linux count them (MBR logicals start at 5). */
  index: number;
  /** Byte offset of the partition on the disk. */
  start: number;
  /** Length in bytes. */
  length: number;
  /** GPT: the type GUID in upper case; MBR: the type byte as "0x07". */
  type: string;
  typeName: string;
  /** GPT partition name (UTF-16 in the entry). */
  name?: string;
  /** GPT unique partition GUID. */
  guid?: string;
  /** MBR active flag (0x80): the partition a BIOS boots from. */
  bootable?: boolean;
}

export interface PartitionTable {
  scheme: "mbr" | "gpt";
  /** Sector size the table's LBAs were counted in. */
  sectorSize: number;
  /** MBR disk signature (offset 440), which Windows uses to name the disk in BCD. */
  diskSignature?: number;
  /** GPT disk GUID. */
  diskGuid?: string;
  /** GPT: "backup" when the primary header or array was unusable and the end copy was read. */
  gptHeader?: "primary" | "backup";
  partitions: Partition[];
}

export const GPT_TYPE = {
  efiSystem: "C12A7328-F81F-11D2-BA4B-00A0C93EC93B",
  microsoftBasicData: "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7",
  microsoftReserved: "E3C9E316-0B5C-4DB8-817D-F92DF00215AE",
  windowsRecovery: "DE94BBA4-06D1-4D40-A16A-BFD50179D6AC",
  ldmMetadata: "5808C8AA-7E8F-42E0-85D2-E1E90434CFB3",
  ldmData: "AF9B60A0-1431-4F62-BC68-3311714A69AD",
  linuxFilesystem: "0FC63DAF-8483-4772-8E79-3D69D8477DE4",
} as const;

const GPT_TYPE_NAMES: Record<string, string> = {
  [GPT_TYPE.efiSystem]: "EFI system partition",
  [GPT_TYPE.microsoftBasicData]: "Microsoft basic data",
  [GPT_TYPE.microsoftReserved]: "Microsoft reserved",
  [GPT_TYPE.windowsRecovery]: "Windows recovery environment",
  [GPT_TYPE.ldmMetadata]: "LDM metadata (dynamic disk)",
  [GPT_TYPE.ldmData]: "LDM data (dynamic disk)",
  [GPT_TYPE.linuxFilesystem]: "Linux filesystem",
};

export const MBR_TYPE = {
  fat12: 0x01,
  fat16Small: 0x04,
  extendedChs: 0x05,
  fat16: 0x06,
  ntfs: 0x07,
  fat32Chs: 0x0b,
  fat32Lba: 0x0c,
  fat16Lba: 0x0e,
  extendedLba: 0x0f,
  windowsRecovery: 0x27,
  ldm: 0x42,
  linux: 0x83,
  extendedLinux: 0x85,
  gptProtective: 0xee,
  efiSystem: 0xef,
} as const;

const MBR_TYPE_NAMES: Record<number, string> = {
  [MBR_TYPE.fat12]: "FAT12",
  [MBR_TYPE.fat16Small]: "FAT16 (< 32 MiB)",
  [MBR_TYPE.extendedChs]: "extended",
  [MBR_TYPE.fat16]: "FAT16",
  [MBR_TYPE.ntfs]: "NTFS / exFAT",
  [MBR_TYPE.fat32Chs]: "FAT32 (CHS)",
  [MBR_TYPE.fat32Lba]: "FAT32 (LBA)",
  [MBR_TYPE.fat16Lba]: "FAT16 (LBA)",
  [MBR_TYPE.extendedLba]: "extended (LBA)",
  [MBR_TYPE.windowsRecovery]: "Windows recovery (hidden NTFS)",
  [MBR_TYPE.ldm]: "LDM (dynamic disk)",
  [MBR_TYPE.linux]: "Linux",
  [MBR_TYPE.extendedLinux]: "Linux extended",
  [MBR_TYPE.gptProtective]: "GPT protective",
  [MBR_TYPE.efiSystem]: "EFI system partition",
};

export function gptTypeName(typeGuid: string): string {
  return GPT_TYPE_NAMES[typeGuid] ?? "unknown";
}

export function mbrTypeName(type: number): string {
  return MBR_TYPE_NAMES[type] ?? "unknown";
}

/** "0x07" for 7: how an MBR type appears in `Partition.type`. */
export function mbrTypeString(type: number): string {
  return `0x${type.toString(16).padStart(2, "0").toUpperCase()}`;
}
