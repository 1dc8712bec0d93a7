import type { EvidenceBundle, EvidenceRoute } from "../bundle";
import type { ByteSource, Partition } from "../disk";
import { resolveCaps, WINDOWS_PATHS, type EvidenceCaps } from "./caps";
import { countingSource } from "./countingSource";
import { printable, type ReadContext } from "./problems";
import { findWindowsVolume, readBcd, readLayout } from "./volumes";
import {
  memoryDumpSize,
  readMinidumps,
  readNtfsFile,
  readNtfsTail,
  readSystemLogs,
} from "./windowsFiles";

/** Requests and bytes a transport has fetched so far (an HTTP range source's `stats`). */
export interface TransportCounters {
  readonly requests: number;
  readonly bytes: number;
}

export interface DiskEvidenceOptions {
  route: EvidenceRoute;
  /** Overrides of `DEFAULT_EVIDENCE_CAPS`. */
  caps?: Partial<EvidenceCaps>;
  /**
   * The counters of the transport under the disk, read when the reader is done: an HTTP range
   * source's `stats`, or a counting source over the image file. Their totals include what was
   * read before (opening the container), which is what the link was charged.
   */
  transport?: () => TransportCounters;
}

export interface DiskEvidenceStats {
  /** Reads the evidence readers made of the virtual disk, and the bytes they asked for. */
  readonly diskReads: number;
  readonly diskBytes: number;
  /** What the transport fetched (requests and bytes), or null when the caller gave no counters. */
  readonly requests: number | null;
  readonly bytes: number | null;
}

/** How the disk is laid out and which parts of it the evidence came from. */
export interface DiskLayout {
  /** Partitions as the table lists them; empty for a disk that is one NTFS volume. */
  readonly partitions: readonly Partition[];
  /** The partition read as Windows (0 for a disk that is one NTFS volume). */
  readonly windowsPartition: number;
  /** The partition the BCD store was read from, or null. */
  readonly bcdPartition: number | null;
  /** The Windows volume's label and serial (the serial as 16 hex digits). */
  readonly volumeLabel: string;
  readonly volumeSerial: string;
}

export type DiskEvidence = EvidenceBundle & { stats: DiskEvidenceStats; layout: DiskLayout };

/**
 * Reads the evidence files of a Windows OS disk straight from its bytes: the partition table, the
 * Windows NTFS volume (the one holding `\Windows\System32\config\SYSTEM`), and from it only the
 * files the planner reads — the SYSTEM hive and its logs, SOFTWARE, the minidumps, the size of
 * MEMORY.DMP, System.evtx, the end of setupapi.dev.log and pending.xml — plus the BCD store from
 * the ESP (Gen2) or the system partition (Gen1). A missing or unreadable file, or one over its cap,
 * is a line in `problems`; a disk whose table, volume or bytes cannot be read is a FormatError.
 */
export async function readEvidenceFromDisk(
  source: ByteSource,
  opts: DiskEvidenceOptions,
): Promise<DiskEvidence> {
  const caps = resolveCaps(opts.caps);
  const disk = countingSource(source, caps.diskReadBytes);
  const ctx: ReadContext = { disk, problems: [] };
  const table = await readLayout(disk);
  const { windows, opened } = await findWindowsVolume(ctx, table);
  const { volume } = windows;
  for (const o of opened) {
    if (o.error && o.partition !== windows.partition) ctx.problems.push(o.error);
  }

  const systemHive = windows.hasSystemHive
    ? await readNtfsFile(ctx, volume, WINDOWS_PATHS.systemHive, caps.systemHiveBytes)
    : null;
  if (!windows.hasSystemHive) ctx.problems.push(`${WINDOWS_PATHS.systemHive}: absent`);
  const systemHiveLogs = systemHive ? await readSystemLogs(ctx, volume, caps) : [];
  const softwareHive =
    caps.softwareHiveBytes > 0
      ? await readNtfsFile(ctx, volume, WINDOWS_PATHS.softwareHive, caps.softwareHiveBytes)
      : null;
  if (caps.softwareHiveBytes === 0) {
    ctx.problems.push(`${WINDOWS_PATHS.softwareHive}: not read (turned off)`);
  }
  const bcd = await readBcd(ctx, table, windows, opened, caps);
  const minidumps = await readMinidumps(ctx, volume, caps);
  const memoryDumpBytes = await memoryDumpSize(ctx, volume);
  const systemEventLog = await readNtfsFile(
    ctx,
    volume,
    WINDOWS_PATHS.systemEventLog,
    caps.systemEventLogBytes,
  );
  const setupApiLog = await readNtfsTail(
    ctx,
    volume,
    WINDOWS_PATHS.setupApiLog,
    caps.setupApiLogTailBytes,
  );
  const pendingXml = await readNtfsFile(
    ctx,
    volume,
    WINDOWS_PATHS.pendingXml,
    caps.pendingXmlBytes,
  );

  const transport = opts.transport?.();
  return {
    route: opts.route,
    systemHive,
    systemHiveLogs,
    softwareHive,
    bcd: bcd.bcd,
    minidumps,
    memoryDumpBytes,
    systemEventLog,
    setupApiLog,
    pendingXml,
    disk: {
      partitionStyle: table ? (table.scheme === "gpt" ? "GPT" : "MBR") : null,
      generation: bcd.generation,
    },
    problems: ctx.problems.map(printable),
    stats: {
      diskReads: disk.counters.reads,
      diskBytes: disk.counters.bytes,
      requests: transport ? transport.requests : null,
      bytes: transport ? transport.bytes : null,
    },
    layout: {
      partitions: table ? table.partitions : [],
      windowsPartition: windows.partition.index,
      bcdPartition: bcd.partition,
      volumeLabel: volume.label,
      volumeSerial: volume.serial,
    },
  };
}
