/**
 * An evidence bundle from a folder on this machine: a copy laid out like the disk (`Windows\...`,
 * `Boot\BCD` or `EFI\Microsoft\Boot\BCD`) or a flat folder of the files (SYSTEM, SYSTEM.LOG1/2,
 * SOFTWARE, BCD, *.dmp, MEMORY.DMP, System.evtx, setupapi.dev.log, pending.xml). Names are matched
 * without regard to case, as on the disk. The folder holds a hostile disk's files: links are not
 * followed, and every file is read only up to a cap (a longer log keeps its tail, a longer hive or
 * dump is left out and said in `problems`).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { EvidenceBundle, EvidenceRoute } from "../bundle";
import { MAX_HIVE_BYTES } from "../hive/limits";
import type { EvidenceFileInfo } from "./types";

/** Caps per kind of file. A hive's is the reader's own; the others sit far above real files. */
export const FOLDER_CAPS = {
  hive: MAX_HIVE_BYTES,
  bcd: 16 * 1024 * 1024,
  minidump: 64 * 1024 * 1024,
  minidumpCount: 50,
  eventLog: 512 * 1024 * 1024,
  /** Tail of setupapi.dev.log kept (the collect schema's limit for its text). */
  setupApiLog: 16 * 1024 * 1024,
  /** Only whether pending.xml exists matters: its head is kept. */
  pendingXml: 1024 * 1024,
} as const;

/** Where each file sits on the disk; a flat folder holds them under their last name. */
const ON_DISK = {
  system: "\\Windows\\System32\\config\\SYSTEM",
  software: "\\Windows\\System32\\config\\SOFTWARE",
  minidumps: "\\Windows\\Minidump",
  memoryDump: "\\Windows\\MEMORY.DMP",
  eventLog: "\\Windows\\System32\\winevt\\Logs\\System.evtx",
  setupApiLog: "\\Windows\\INF\\setupapi.dev.log",
  pendingXml: "\\Windows\\WinSxS\\pending.xml",
  bcdUefi: "\\EFI\\Microsoft\\Boot\\BCD",
  bcdBios: "\\Boot\\BCD",
} as const;

const LOG_NAMES = ["SYSTEM.LOG1", "SYSTEM.LOG2", "SYSTEM.LOG"];

type Keep = "whole" | "head" | "tail";

/** Reads `dir` as the evidence of one disk. Throws only when `dir` is not a readable folder. */
export function loadEvidenceFolder(
  dir: string,
  opts: { route?: EvidenceRoute } = {},
): EvidenceBundle {
  if (!fs.statSync(dir).isDirectory()) throw new Error(`${dir} is not a folder`);
  const folder = new Folder(dir);
  const systemHive = folder.read(ON_DISK.system, FOLDER_CAPS.hive, "whole");
  if (systemHive === null) folder.problems.push(`${ON_DISK.system}: not found in ${dir}`);
  const config = path.win32.dirname(ON_DISK.system);
  const systemHiveLogs = LOG_NAMES.map((name) =>
    folder.read(`${config}\\${name}`, FOLDER_CAPS.hive, "whole"),
  ).filter((f): f is EvidenceFileInfo => f !== null);
  const bcd = readBcd(folder);
  const memory = folder.find(ON_DISK.memoryDump, "file");
  return {
    route: opts.route ?? "collect",
    systemHive,
    systemHiveLogs,
    softwareHive: folder.read(ON_DISK.software, FOLDER_CAPS.hive, "whole"),
    bcd: bcd.file,
    minidumps: readMinidumps(folder),
    memoryDumpBytes: memory === null ? null : fs.lstatSync(memory).size,
    systemEventLog: folder.read(ON_DISK.eventLog, FOLDER_CAPS.eventLog, "whole"),
    setupApiLog: folder.read(ON_DISK.setupApiLog, FOLDER_CAPS.setupApiLog, "tail"),
    pendingXml: folder.read(ON_DISK.pendingXml, FOLDER_CAPS.pendingXml, "head"),
    disk: { partitionStyle: null, generation: bcd.generation },
    problems: folder.problems,
  };
}

/** The BCD store: the ESP's (generation 2) or the system partition's (1); flat: generation unknown. */
function readBcd(folder: Folder): { file: EvidenceFileInfo | null; generation: 1 | 2 | null } {
  if (!folder.diskLike)
    return { file: folder.read("BCD", FOLDER_CAPS.bcd, "whole"), generation: null };
  for (const [diskPath, generation] of [
    [ON_DISK.bcdUefi, 2],
    [ON_DISK.bcdBios, 1],
  ] as const) {
    if (folder.find(diskPath, "file") !== null) {
      return { file: folder.read(diskPath, FOLDER_CAPS.bcd, "whole"), generation };
    }
  }
  return { file: null, generation: null };
}

/** The newest minidumps (by file time), each read whole up to the cap. */
function readMinidumps(folder: Folder): EvidenceFileInfo[] {
  const dumpDir = folder.diskLike ? folder.find(ON_DISK.minidumps, "dir") : folder.dir;
  if (dumpDir === null) return [];
  const found = regularFiles(dumpDir).filter(
    (f) => /\.dmp$/i.test(f) && path.basename(f).toUpperCase() !== "MEMORY.DMP",
  );
  const mtime = new Map(found.map((f) => [f, fs.lstatSync(f).mtimeMs]));
  const newest = [...found].sort((a, b) => (mtime.get(b) ?? 0) - (mtime.get(a) ?? 0));
  if (found.length > FOLDER_CAPS.minidumpCount) {
    folder.problems.push(
      `${found.length} minidumps: only the newest ${FOLDER_CAPS.minidumpCount} were read`,
    );
  }
  return newest
    .slice(0, FOLDER_CAPS.minidumpCount)
    .map((f) =>
      folder.readFile(
        f,
        `${ON_DISK.minidumps}\\${path.basename(f)}`,
        FOLDER_CAPS.minidump,
        "whole",
      ),
    )
    .filter((f): f is EvidenceFileInfo => f !== null);
}

/** A folder of evidence: finds files by their disk path, reads them with caps, keeps problems. */
class Folder {
  readonly problems: string[] = [];
  /** Laid out like the disk (it has a `Windows` folder), or flat. */
  readonly diskLike: boolean;

  constructor(readonly dir: string) {
    this.diskLike = child(dir, "Windows", "dir") !== null;
  }

  /** The local file or folder for a disk path (flat folders: by its last name), or null. */
  find(diskPath: string, kind: "file" | "dir"): string | null {
    const parts = diskPath.split("\\").filter((p) => p !== "");
    if (!this.diskLike) return child(this.dir, parts[parts.length - 1] ?? "", kind);
    let at: string | null = this.dir;
    for (let i = 0; i < parts.length && at !== null; i += 1) {
      at = child(at, parts[i], i === parts.length - 1 ? kind : "dir");
    }
    return at;
  }

  read(diskPath: string, cap: number, keep: Keep): EvidenceFileInfo | null {
    const local = this.find(diskPath, "file");
    return local === null ? null : this.readFile(local, diskPath, cap, keep);
  }

  /**
   * Reads a file up to `cap` bytes. "whole": a longer file is left out with a problem; "tail" and
   * "head": the last or first `cap` bytes are kept and `fileBytes` says how long the file is.
   */
  readFile(local: string, diskPath: string, cap: number, keep: Keep): EvidenceFileInfo | null {
    const stat = fs.lstatSync(local);
    const info = { path: diskPath, lastWriteUtc: stat.mtime.toISOString() };
    if (stat.size <= cap) return { ...info, bytes: fs.readFileSync(local) };
    if (keep === "whole") {
      this.problems.push(`${diskPath}: ${stat.size} bytes, over the ${cap}-byte cap: not read`);
      return null;
    }
    const from = keep === "tail" ? stat.size - cap : 0;
    return { ...info, bytes: readRange(local, from, cap), fileBytes: stat.size };
  }
}

function readRange(local: string, from: number, length: number): Buffer {
  const bytes = Buffer.alloc(length);
  const fd = fs.openSync(local, "r");
  try {
    let read = 0;
    while (read < length) {
      const n = fs.readSync(fd, bytes, read, length - read, from + read);
      if (n <= 0) break;
      read += n;
    }
    return bytes.subarray(0, read);
  } finally {
    fs.closeSync(fd);
  }
}

/** The entry of `dir` named `name` (any case) of the given kind; links never match. */
function child(dir: string, name: string, kind: "file" | "dir"): string | null {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return null;
  }
  const wanted = name.toUpperCase();
  const match = entries.find(
    (e) => e.name.toUpperCase() === wanted && (kind === "dir" ? e.isDirectory() : e.isFile()),
  );
  return match === undefined ? null : path.join(dir, match.name);
}

/** Regular files of `dir` (not links, not folders). */
function regularFiles(dir: string): string[] {
  try {
    return fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => path.join(dir, e.name));
  } catch {
    return [];
  }
}
