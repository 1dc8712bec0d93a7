import type { EvidenceFile } from "../bundle";
import {
  findEfiSystemPartition,
  findNtfsPartitions,
  openFatVolume,
  readPartitions,
  sliceSource,
  type ByteSource,
  type Partition,
  type PartitionTable,
} from "../disk";
import { FormatError } from "../formatError";
import { openNtfs, type NtfsVolume } from "../ntfs";
import { ESP_BCD_PATH, WINDOWS_PATHS, type EvidenceCaps } from "./caps";
import { fileProblem, formatBytes, noteFailure, type ReadContext } from "./problems";
import { readNtfsFile } from "./windowsFiles";

/** The OEM ID of an NTFS boot sector: a disk that starts with one is a volume, not a table. */
const NTFS_OEM_ID = "NTFS    ";

/** The disk's partition table, or null for a disk that is one NTFS volume (no table at all). */
export async function readLayout(disk: ByteSource): Promise<PartitionTable | null> {
  if (disk.size < 512) {
    throw new FormatError("disk-truncated", `${disk.label}: ${disk.size} bytes, no first sector`);
  }
  const first = await disk.read(0, 512);
  if (first.toString("latin1", 3, 11) === NTFS_OEM_ID) return null;
  return readPartitions(disk);
}

/** A partition standing for the whole disk, when the disk is one NTFS volume. */
function wholeDisk(disk: ByteSource): Partition {
  return { index: 0, start: 0, length: disk.size, type: "", typeName: "whole-disk NTFS volume" };
}

export function partitionName(p: Partition): string {
  return p.index === 0 ? "the whole-disk volume" : `partition ${p.index}`;
}

export interface WindowsVolume {
  partition: Partition;
  volume: NtfsVolume;
  /** False when only `\Windows` was found (the SYSTEM hive is missing: said in problems). */
  hasSystemHive: boolean;
}

/** An NTFS partition opened, or what stopped it from opening. */
export interface OpenedVolume {
  partition: Partition;
  volume?: NtfsVolume;
  error?: string;
}

/**
 * Opens every NTFS candidate (basic-data or type-0x07 partitions whose boot sector says NTFS, or
 * the whole disk) and returns the first whose `\Windows\System32\config\SYSTEM` exists; failing
 * that, the first with a `\Windows` folder. A disk with neither is refused: there is nothing to
 * diagnose, and when a candidate would not open that is the message.
 */
export async function findWindowsVolume(
  ctx: ReadContext,
  table: PartitionTable | null,
): Promise<{ windows: WindowsVolume; opened: OpenedVolume[] }> {
  const { disk } = ctx;
  const candidates = table ? await findNtfsPartitions(disk, table) : [wholeDisk(disk)];
  const opened: OpenedVolume[] = [];
  let fallback: WindowsVolume | undefined;
  for (const partition of candidates) {
    const name = partitionName(partition);
    const source = sliceSource(disk, partition.start, partition.length, `${disk.label} ${name}`);
    let volume: NtfsVolume;
    try {
      volume = await openNtfs(source);
    } catch (e) {
      opened.push({ partition, error: fileProblem(ctx, `${name} (NTFS)`, e) });
      continue;
    }
    opened.push({ partition, volume });
    try {
      if (await volume.lookup(WINDOWS_PATHS.systemHive)) {
        return { windows: { partition, volume, hasSystemHive: true }, opened };
      }
      const windowsDir = await volume.lookup(WINDOWS_PATHS.windows);
      if (windowsDir?.isDirectory && !fallback) {
        fallback = { partition, volume, hasSystemHive: false };
      }
    } catch (e) {
      noteFailure(ctx, `${name} \\Windows`, e);
    }
  }
  if (fallback) return { windows: fallback, opened };
  const failed = opened.find((o) => o.error);
  if (failed) throw new FormatError("disk-no-windows", `${disk.label}: ${failed.error}`);
  const looked = candidates.length === 1 ? "1 NTFS volume" : `${candidates.length} NTFS volumes`;
  throw new FormatError(
    "disk-no-windows",
    `${disk.label}: no Windows volume (${looked} looked at, none holds \\Windows)`,
  );
}

export interface BcdFound {
  bcd: EvidenceFile | null;
  generation: 1 | 2 | null;
  /** Index of the partition the BCD was read from (0: the whole-disk volume). */
  partition: number | null;
}

/**
 * The BCD store. With an EFI system partition (Gen2): `\EFI\Microsoft\Boot\BCD` on it, read
 * through FAT, and nowhere else (another store would not be the one the firmware boots). Without
 * one (Gen1): `\Boot\BCD` on the active partition, then on the Windows volume.
 */
export async function readBcd(
  ctx: ReadContext,
  table: PartitionTable | null,
  windows: WindowsVolume,
  opened: OpenedVolume[],
  caps: EvidenceCaps,
): Promise<BcdFound> {
  const esp = table ? findEfiSystemPartition(table) : undefined;
  if (table && esp) return { ...(await readEspBcd(ctx, esp, caps)), generation: 2 };
  const generation = table?.scheme === "mbr" ? 1 : null;
  if (table?.scheme === "gpt") {
    ctx.problems.push(`GPT disk without an EFI system partition: looked for \\Boot\\BCD instead`);
  }
  const order = [
    ...opened.filter((o) => o.partition.bootable && o.partition !== windows.partition),
    ...opened.filter((o) => o.partition === windows.partition),
  ];
  for (const { partition, volume } of order) {
    const name = partitionName(partition);
    let present = false;
    try {
      present = volume !== undefined && (await volume.lookup(WINDOWS_PATHS.biosBcd)) !== undefined;
    } catch (e) {
      noteFailure(ctx, `${name} ${WINDOWS_PATHS.biosBcd}`, e);
    }
    if (!present || !volume) continue;
    const where = partition === windows.partition ? "" : `${name} `;
    const bcd = await readNtfsFile(ctx, volume, WINDOWS_PATHS.biosBcd, caps.bcdBytes, where);
    return { bcd, generation, partition: bcd ? partition.index : null };
  }
  const places = order.map((o) => partitionName(o.partition)).join(", ");
  ctx.problems.push(`${WINDOWS_PATHS.biosBcd}: absent (looked on ${places})`);
  return { bcd: null, generation, partition: null };
}

async function readEspBcd(
  ctx: ReadContext,
  esp: Partition,
  caps: EvidenceCaps,
): Promise<Omit<BcdFound, "generation">> {
  const where = `${partitionName(esp)} (EFI system partition) ${ESP_BCD_PATH}`;
  try {
    const { disk } = ctx;
    const fat = await openFatVolume(sliceSource(disk, esp.start, esp.length, `${disk.label} ESP`));
    const entry = await fat.stat(ESP_BCD_PATH);
    if (!entry || entry.isDirectory) {
      ctx.problems.push(`${where}: ${entry ? "a directory, not a file" : "absent"}`);
      return { bcd: null, partition: null };
    }
    if (entry.size > caps.bcdBytes) {
      const sizes = `${formatBytes(entry.size)}, over the cap of ${formatBytes(caps.bcdBytes)}`;
      ctx.problems.push(`${where}: not read: ${sizes}`);
      return { bcd: null, partition: null };
    }
    const bytes = await fat.readFile(ESP_BCD_PATH, caps.bcdBytes);
    return { bcd: { path: ESP_BCD_PATH, bytes }, partition: esp.index };
  } catch (e) {
    noteFailure(ctx, where, e);
    return { bcd: null, partition: null };
  }
}
