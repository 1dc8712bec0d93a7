import type { EvidenceFile } from "../bundle";
import type { NtfsEntry, NtfsVolume } from "../ntfs";
import {
  SYSTEM_LOG_SUFFIXES,
  SYSTEM_OLD_LOG_SUFFIX,
  WINDOWS_PATHS,
  type EvidenceCaps,
} from "./caps";
import { formatBytes, noteFailure, type ReadContext } from "./problems";

/**
 * Reads of single evidence files on an NTFS volume. Each says what went wrong in one problem line
 * (absent, a directory, over its cap, unreadable) and returns null instead of throwing, so one
 * damaged file never hides the others.
 */

/** The file's entry, or null with a problem line (absent, or a directory). */
async function findFile(
  ctx: ReadContext,
  volume: NtfsVolume,
  path: string,
  where: string,
): Promise<NtfsEntry | null> {
  const entry = await volume.lookup(path);
  if (!entry) {
    ctx.problems.push(`${where}${path}: absent`);
    return null;
  }
  if (entry.isDirectory) {
    ctx.problems.push(`${where}${entry.path}: a directory, not a file`);
    return null;
  }
  return entry;
}

/** One whole file of at most `maxBytes`. `where` prefixes paths outside the Windows volume. */
export async function readNtfsFile(
  ctx: ReadContext,
  volume: NtfsVolume,
  path: string,
  maxBytes: number,
  where = "",
): Promise<EvidenceFile | null> {
  try {
    const entry = await findFile(ctx, volume, path, where);
    if (!entry) return null;
    if (entry.size > maxBytes) {
      const sizes = `${formatBytes(entry.size)}, over the cap of ${formatBytes(maxBytes)}`;
      ctx.problems.push(`${where}${entry.path}: not read: ${sizes}`);
      return null;
    }
    return { path: entry.path, bytes: await volume.readFile(entry, { maxBytes }) };
  } catch (e) {
    noteFailure(ctx, `${where}${path}`, e);
    return null;
  }
}

/**
 * The last `tailBytes` of a text log, starting after the first line break inside that window so
 * that no line is cut; a log read in part says so in a problem line.
 */
export async function readNtfsTail(
  ctx: ReadContext,
  volume: NtfsVolume,
  path: string,
  tailBytes: number,
): Promise<EvidenceFile | null> {
  try {
    const entry = await findFile(ctx, volume, path, "");
    if (!entry) return null;
    const source = await volume.fileSource(entry);
    if (source.size <= tailBytes)
      return { path: entry.path, bytes: await source.read(0, source.size) };
    const window = await source.read(source.size - tailBytes, tailBytes);
    const lineStart = window.indexOf(0x0a);
    const bytes = lineStart >= 0 ? window.subarray(lineStart + 1) : window;
    const part = `its last ${formatBytes(bytes.length)} of ${formatBytes(source.size)}`;
    ctx.problems.push(`${entry.path}: read in part: ${part}`);
    return { path: entry.path, bytes };
  } catch (e) {
    noteFailure(ctx, path, e);
    return null;
  }
}

/**
 * `SYSTEM.LOG1` and `SYSTEM.LOG2` beside the hive (in replay order), or the old single
 * `SYSTEM.LOG` when neither exists.
 */
export async function readSystemLogs(
  ctx: ReadContext,
  volume: NtfsVolume,
  caps: EvidenceCaps,
): Promise<EvidenceFile[]> {
  const base = WINDOWS_PATHS.systemHive;
  const present = async (path: string): Promise<boolean | null> => {
    try {
      return (await volume.lookup(path)) !== undefined;
    } catch (e) {
      noteFailure(ctx, path, e);
      return null;
    }
  };
  const logs: EvidenceFile[] = [];
  const absent: string[] = [];
  for (const suffix of SYSTEM_LOG_SUFFIXES) {
    const path = `${base}${suffix}`;
    const found = await present(path);
    if (found === false) absent.push(path);
    const log = found ? await readNtfsFile(ctx, volume, path, caps.hiveLogBytes) : null;
    if (log) logs.push(log);
  }
  if (absent.length < SYSTEM_LOG_SUFFIXES.length) {
    for (const path of absent) ctx.problems.push(`${path}: absent`);
    return logs;
  }
  const old = `${base}${SYSTEM_OLD_LOG_SUFFIX}`;
  const found = await present(old);
  if (found === false) {
    ctx.problems.push(`${base}.LOG1, .LOG2 and .LOG: absent (no transaction logs)`);
  }
  const log = found ? await readNtfsFile(ctx, volume, old, caps.hiveLogBytes) : null;
  return log ? [log] : [];
}

/**
 * The newest `caps.minidumpCount` files `*.dmp` of `\Windows\Minidump` (by modification time,
 * then name), each up to `caps.minidumpBytes`; what is left out is said in a problem line.
 */
export async function readMinidumps(
  ctx: ReadContext,
  volume: NtfsVolume,
  caps: EvidenceCaps,
): Promise<EvidenceFile[]> {
  const dir = WINDOWS_PATHS.minidumpDir;
  let dumps: NtfsEntry[];
  try {
    const folder = await volume.lookup(dir);
    if (!folder || !folder.isDirectory) {
      ctx.problems.push(`${dir}: ${folder ? "not a folder" : "absent"} (no minidumps)`);
      return [];
    }
    dumps = (await volume.list(folder)).filter(
      (e) => !e.isDirectory && e.name.toLowerCase().endsWith(".dmp"),
    );
  } catch (e) {
    noteFailure(ctx, dir, e);
    return [];
  }
  if (dumps.length === 0) {
    ctx.problems.push(`${dir}: no .dmp files`);
    return [];
  }
  // times come from the disk: a missing or nonsensical one sorts as the oldest
  const time = (e: NtfsEntry) => {
    const t = e.modified?.getTime();
    return t !== undefined && Number.isFinite(t) ? t : Number.NEGATIVE_INFINITY;
  };
  dumps.sort((a, b) => time(b) - time(a) || (a.name < b.name ? 1 : a.name > b.name ? -1 : 0));
  const chosen = dumps.slice(0, caps.minidumpCount);
  if (dumps.length > chosen.length) {
    const left = dumps.length - chosen.length;
    ctx.problems.push(
      `${dir}: ${left} older minidump${left === 1 ? "" : "s"} not read (cap ${caps.minidumpCount})`,
    );
  }
  const out: EvidenceFile[] = [];
  for (const entry of chosen) {
    const dump = await readNtfsFile(ctx, volume, entry.path, caps.minidumpBytes);
    if (dump) out.push(dump);
  }
  return out;
}

/** The size of `MEMORY.DMP` (its bytes are never read), or null when absent or unreadable. */
export async function memoryDumpSize(ctx: ReadContext, volume: NtfsVolume): Promise<number | null> {
  const path = WINDOWS_PATHS.memoryDump;
  try {
    const entry = await volume.lookup(path);
    if (!entry || entry.isDirectory) {
      ctx.problems.push(`${path}: absent (no complete or kernel memory dump)`);
      return null;
    }
    return entry.size;
  } catch (e) {
    noteFailure(ctx, path, e);
    return null;
  }
}
