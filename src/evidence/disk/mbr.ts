import { FormatError } from "../formatError";
import type { ByteSource } from "./byteSource";
import { MBR_TYPE, mbrTypeName, mbrTypeString, type Partition } from "./partitionTypes";

/** Logical partitions followed in an extended partition's EBR chain at most. */
export const MBR_MAX_LOGICAL_PARTITIONS = 128;

export interface MbrEntry {
  slot: number;
  bootable: boolean;
  type: number;
  firstLba: number;
  sectors: number;
}

export interface MbrSector {
  diskSignature: number;
  entries: MbrEntry[];
}

const EXTENDED_TYPES = new Set<number>([
  MBR_TYPE.extendedChs,
  MBR_TYPE.extendedLba,
  MBR_TYPE.extendedLinux,
]);

/** Parses a boot sector's four entries; `what` names it in messages ("MBR", "EBR at LBA n"). */
export function parseMbrSector(sector: Buffer, label: string, what: string): MbrSector {
  if (sector.length < 512 || sector[510] !== 0x55 || sector[511] !== 0xaa) {
    throw new FormatError("mbr-signature", `${label}: ${what} lacks the 55 AA signature`);
  }
  const entries: MbrEntry[] = [];
  for (let slot = 0; slot < 4; slot++) {
    const e = 446 + slot * 16;
    entries.push({
      slot,
      bootable: sector[e] === 0x80,
      type: sector[e + 4],
      firstLba: sector.readUInt32LE(e + 8),
      sectors: sector.readUInt32LE(e + 12),
    });
  }
  return { diskSignature: sector.readUInt32LE(440), entries };
}

export function isExtendedType(type: number): boolean {
  return EXTENDED_TYPES.has(type);
}

function toPartition(
  source: ByteSource,
  entry: MbrEntry,
  firstLba: number,
  index: number,
  sectorSize: number,
  what: string,
): Partition {
  const start = firstLba * sectorSize;
  const length = entry.sectors * sectorSize;
  if (firstLba === 0 || entry.sectors === 0 || start + length > source.size) {
    throw new FormatError(
      "mbr-partition-range",
      `${source.label}: ${what} entry ${entry.slot + 1} (LBA ${firstLba}, ${entry.sectors}` +
        ` sectors) lies outside the disk`,
    );
  }
  return {
    index,
    start,
    length,
    type: mbrTypeString(entry.type),
    typeName: mbrTypeName(entry.type),
    bootable: entry.bootable,
  };
}

/**
 * The partitions of an MBR disk: primaries 1–4 in slot order, then the logicals of the extended
 * partition (5, 6, …). Each EBR's first entry is a logical relative to that EBR, its second the
 * next EBR relative to the start of the extended partition; the chain is bounded and cycle-checked.
 */
export async function readMbrPartitions(
  source: ByteSource,
  mbr: MbrSector,
  sectorSize: number,
): Promise<Partition[]> {
  const partitions: Partition[] = [];
  let extended: MbrEntry | undefined;
  for (const entry of mbr.entries) {
    if (entry.type === 0) continue;
    if (isExtendedType(entry.type)) {
      if (extended) {
        throw new FormatError("mbr-two-extended", `${source.label}: MBR has two extended entries`);
      }
      toPartition(source, entry, entry.firstLba, entry.slot + 1, sectorSize, "MBR");
      extended = entry;
      continue;
    }
    partitions.push(toPartition(source, entry, entry.firstLba, entry.slot + 1, sectorSize, "MBR"));
  }
  if (extended) partitions.push(...(await readLogicals(source, extended, sectorSize)));
  return partitions;
}

async function readLogicals(
  source: ByteSource,
  extended: MbrEntry,
  sectorSize: number,
): Promise<Partition[]> {
  const base = extended.firstLba;
  const end = base + extended.sectors;
  const seen = new Set<number>();
  const logicals: Partition[] = [];
  let ebrLba = base;
  for (;;) {
    const what = `EBR at LBA ${ebrLba}`;
    if (seen.has(ebrLba)) {
      throw new FormatError("mbr-ebr-loop", `${source.label}: ${what} is reached twice (a loop)`);
    }
    if (seen.size >= MBR_MAX_LOGICAL_PARTITIONS) {
      throw new FormatError(
        "mbr-too-many-logical",
        `${source.label}: more than ${MBR_MAX_LOGICAL_PARTITIONS} logical partitions`,
      );
    }
    seen.add(ebrLba);
    const ebr = parseMbrSector(await source.read(ebrLba * sectorSize, 512), source.label, what);
    const [logical, next] = ebr.entries;
    if (logical.type !== 0 && logical.sectors !== 0) {
      const firstLba = ebrLba + logical.firstLba;
      if (firstLba + logical.sectors > end) {
        throw new FormatError(
          "mbr-logical-range",
          `${source.label}: ${what}: logical partition ends past the extended partition`,
        );
      }
      const index = 5 + logicals.length;
      logicals.push(toPartition(source, logical, firstLba, index, sectorSize, what));
    }
    if (next.type === 0 || next.sectors === 0) return logicals;
    ebrLba = base + next.firstLba;
    if (next.firstLba === 0 || ebrLba >= end) {
      throw new FormatError(
        "mbr-ebr-range",
        `${source.label}: ${what}: next EBR at LBA ${ebrLba} is outside the extended partition`,
      );
    }
  }
}
