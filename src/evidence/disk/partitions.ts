import { FormatError } from "../formatError";
import type { ByteSource } from "./byteSource";
import { hasGptSignature, readGpt } from "./gpt";
import { MBR_TYPE, mbrTypeString, type Partition, type PartitionTable } from "./partitionTypes";
import { GPT_TYPE } from "./partitionTypes";
import { parseMbrSector, readMbrPartitions } from "./mbr";

export type { Partition, PartitionTable } from "./partitionTypes";

/**
 * Reads the disk's partition table. A protective (0xEE) entry in the MBR means GPT; the sector
 * size is 512 unless the GPT header sits at 4096 (a 4Kn disk). An MBR without 0xEE is read as
 * MBR even if stale GPT bytes remain at LBA 1 (that is how Windows sees such a disk too).
 */
export async function readPartitions(source: ByteSource): Promise<PartitionTable> {
  if (source.size < 512) {
    throw new FormatError("mbr-truncated", `${source.label}: ${source.size} bytes, no MBR`);
  }
  const mbr = parseMbrSector(await source.read(0, 512), source.label, "MBR at LBA 0");
  const protective = mbr.entries.some((e) => e.type === MBR_TYPE.gptProtective);
  if (protective) {
    const sectorSize =
      !(await hasGptSignature(source, 512)) && (await hasGptSignature(source, 4096)) ? 4096 : 512;
    const gpt = await readGpt(source, sectorSize);
    return {
      scheme: "gpt",
      sectorSize,
      diskGuid: gpt.header.diskGuid,
      gptHeader: gpt.which,
      partitions: gpt.partitions,
    };
  }
  return {
    scheme: "mbr",
    sectorSize: 512,
    diskSignature: mbr.diskSignature,
    partitions: await readMbrPartitions(source, mbr, 512),
  };
}

/** The EFI system partition (GPT type C12A7328-…, or MBR type 0xEF), if the disk has one. */
export function findEfiSystemPartition(table: PartitionTable): Partition | undefined {
  const wanted = table.scheme === "gpt" ? GPT_TYPE.efiSystem : mbrTypeString(MBR_TYPE.efiSystem);
  return table.partitions.find((p) => p.type === wanted);
}

/** OEM IDs at offset 3 of a volume's boot sector that matter when looking for Windows. */
export const NTFS_OEM_ID = "NTFS    ";
export const BITLOCKER_OEM_ID = "-FVE-FS-";

function mayHoldWindows(table: PartitionTable, p: Partition): boolean {
  return table.scheme === "gpt"
    ? p.type === GPT_TYPE.microsoftBasicData
    : p.type === mbrTypeString(MBR_TYPE.ntfs);
}

/** The 8-byte OEM ID of the partition's first sector ("" when the partition is shorter). */
export async function partitionOemId(source: ByteSource, p: Partition): Promise<string> {
  if (p.length < 512) return "";
  return (await source.read(p.start + 3, 8)).toString("latin1");
}

/**
 * Basic-data (GPT) or type-0x07 (MBR) partitions whose boot sector says NTFS, in table order.
 * Only the OEM ID is checked; the caller opens each with the NTFS reader to confirm it holds
 * `\Windows`. A disk whose only candidates are BitLocker volumes is refused with its own code.
 */
export async function findNtfsPartitions(
  source: ByteSource,
  table: PartitionTable,
): Promise<Partition[]> {
  const ntfs: Partition[] = [];
  const bitlocker: Partition[] = [];
  for (const p of table.partitions) {
    if (!mayHoldWindows(table, p)) continue;
    const oem = await partitionOemId(source, p);
    if (oem === NTFS_OEM_ID) ntfs.push(p);
    else if (oem === BITLOCKER_OEM_ID) bitlocker.push(p);
  }
  if (ntfs.length === 0 && bitlocker.length > 0) {
    throw new FormatError(
      "disk-bitlocker",
      `${source.label}: partition ${bitlocker[0].index} is BitLocker-encrypted (-FVE-FS-)`,
    );
  }
  return ntfs;
}

/** The first NTFS candidate for the Windows volume (see {@link findNtfsPartitions}). */
export async function findWindowsPartition(
  source: ByteSource,
  table: PartitionTable,
): Promise<Partition | undefined> {
  return (await findNtfsPartitions(source, table))[0];
}
