import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import {
  BCD_FIXTURE,
  buildFatImage,
  convertImage,
  emptyFile,
  FIXTURES_DIR,
  GPT_LAYOUT,
  missingTool,
  place,
  run,
} from "../../disk/testing/diskImages";

/**
 * Windows OS disks for the disk-evidence tests, written only by independent tools: mkntfs and the
 * ntfs-3g FUSE driver for the NTFS volumes (real SYSTEM hive, real minidump, real System.evtx at
 * their Windows paths), mformat/mcopy for the ESP holding the real BCD, sgdisk or sfdisk for the
 * partition table, dd to lay the partitions in, and qemu-img for the VHDX container.
 */

export const SYSTEM_HIVE_FIXTURE = path.join(FIXTURES_DIR, "hives", "SYSTEM_WIN_10_1709");
export const DUMP_FIXTURE = path.join(FIXTURES_DIR, "triage_x64.dmp");
export const EVTX_FIXTURE = path.join(FIXTURES_DIR, "evtx", "system.evtx");

/** The real dump's name on the disk, and an older `.dmp` that is not a minidump, named hostilely. */
export const DUMP_NAME = "120626-15484-01.dmp";
export const JUNK_DUMP_NAME = "010120-7031-01\n\u202e.dmp";
/** Lines of the generated setupapi.dev.log ("line N" as in the NTFS tests' kept image). */
export const SETUPAPI_LINES = 20_000;

const MiB = 1024 * 1024;
const WINDOWS_PART_BYTES = 64 * MiB;
const SYSTEM_RESERVED_BYTES = 8 * MiB;

export interface WindowsDisks {
  dir: string;
  /** Gen2: GPT, ESP (FAT32, BCD at \EFI\Microsoft\Boot\BCD), Windows NTFS; raw and VHDX. */
  gen2Raw: string;
  gen2Vhdx: string;
  /** Gen1: MBR, active "System Reserved" NTFS with \Boot\BCD, then the Windows NTFS. */
  gen1Raw: string;
}

/** Why the Windows disks cannot be built here (a tool or fixture is missing), or undefined. */
export function windowsDiskSkipReason(): string | undefined {
  const tool = missingTool(
    ...["mkntfs", "ntfs-3g", "umount", "sgdisk", "sfdisk", "mformat", "mcopy", "mmd"],
    ...["qemu-img", "dd", "truncate"],
  );
  if (tool) return `${tool} is not installed`;
  const fixture = [SYSTEM_HIVE_FIXTURE, DUMP_FIXTURE, EVTX_FIXTURE, BCD_FIXTURE].find(
    (f) => !fs.existsSync(f),
  );
  if (fixture) return `shared fixture ${fixture} is absent`;
  return undefined;
}

/** "line 1\r\n…" : a setupapi.dev.log stand-in whose tail is easy to check. */
export function setupApiText(): Buffer {
  const lines: string[] = [];
  for (let i = 1; i <= SETUPAPI_LINES; i++) lines.push(`line ${i}\r\n`);
  return Buffer.from(lines.join(""), "latin1");
}

/**
 * mkntfs on a file of `bytes`, then `fill(mountPoint)` through ntfs-3g. False when FUSE cannot
 * mount here (no /dev/fuse, not root); the mount is always released.
 */
function buildNtfs(file: string, bytes: number, label: string, fill: (mnt: string) => void) {
  emptyFile(file, bytes);
  run("mkntfs", ["-F", "-Q", "-s", "512", "-c", "4096", "-L", label, file]);
  const mnt = fs.mkdtempSync(path.join(path.dirname(file), "mnt-"));
  try {
    execFileSync("ntfs-3g", [file, mnt], { stdio: "ignore" });
  } catch {
    return false;
  }
  try {
    fill(mnt);
  } finally {
    execFileSync("umount", [mnt]);
  }
  return true;
}

function fillWindows(mnt: string): void {
  const at = (...parts: string[]) => path.join(mnt, ...parts);
  for (const dir of [
    ["Windows", "System32", "config"],
    ["Windows", "System32", "winevt", "Logs"],
    ["Windows", "Minidump"],
    ["Windows", "INF"],
  ]) {
    fs.mkdirSync(at(...dir), { recursive: true });
  }
  fs.copyFileSync(SYSTEM_HIVE_FIXTURE, at("Windows", "System32", "config", "SYSTEM"));
  fs.copyFileSync(EVTX_FIXTURE, at("Windows", "System32", "winevt", "Logs", "System.evtx"));
  fs.writeFileSync(at("Windows", "INF", "setupapi.dev.log"), setupApiText());
  const junk = at("Windows", "Minidump", JUNK_DUMP_NAME);
  fs.writeFileSync(junk, Buffer.from("not a minidump\n".repeat(64)));
  fs.utimesSync(junk, new Date("2020-01-01T00:00:00Z"), new Date("2020-01-01T00:00:00Z"));
  const dump = at("Windows", "Minidump", DUMP_NAME);
  fs.copyFileSync(DUMP_FIXTURE, dump);
  fs.utimesSync(dump, new Date("2026-12-06T12:00:00Z"), new Date("2026-12-06T12:00:00Z"));
}

/**
 * Builds the Gen2 (raw and VHDX) and Gen1 disks in `dir`. Returns a one-line reason instead when
 * FUSE is unavailable. Synchronous, so that a test file can decide to skip at load time.
 */
export function buildWindowsDisks(dir: string): WindowsDisks | string {
  const ntfs = path.join(dir, "windows.ntfs");
  if (!buildNtfs(ntfs, WINDOWS_PART_BYTES, "Windows", fillWindows)) {
    return "ntfs-3g cannot mount here (FUSE unavailable)";
  }
  const sector = 512;
  const windowsSectors = WINDOWS_PART_BYTES / sector;

  // Gen2: ESP of 40 MiB at 1 MiB, then the Windows volume; sgdisk leaves 33 sectors at the end.
  const espStart = 2048;
  const espSectors = 40 * 2048;
  const dataStart = espStart + espSectors;
  const gen2Raw = emptyFile(path.join(dir, "gen2.raw"), (dataStart + windowsSectors + 34) * sector);
  run("sgdisk", [...GPT_LAYOUT, gen2Raw]);
  const esp = path.join(dir, "esp.fat");
  const bcd = { path: "/EFI/Microsoft/Boot/BCD", bytes: fs.readFileSync(BCD_FIXTURE) };
  const bootx64 = { path: "/EFI/Boot/bootx64.efi", bytes: Buffer.from("stand-in loader") };
  buildFatImage(dir, esp, espSectors * sector, ["-F", "-c", "1", "-v", "SYSTEM"], [bcd, bootx64]);
  place(esp, gen2Raw, espStart);
  place(ntfs, gen2Raw, dataStart);
  const gen2Vhdx = convertImage(gen2Raw, path.join(dir, "gen2.vhdx"), "vhdx-dynamic");

  // Gen1: MBR, an active System Reserved NTFS holding \Boot\BCD, then the same Windows volume.
  const reserved = path.join(dir, "reserved.ntfs");
  const reservedSectors = SYSTEM_RESERVED_BYTES / sector;
  buildNtfs(reserved, SYSTEM_RESERVED_BYTES, "System Reserved", (mnt) => {
    fs.mkdirSync(path.join(mnt, "Boot"));
    fs.copyFileSync(BCD_FIXTURE, path.join(mnt, "Boot", "BCD"));
  });
  const windowsStart = 2048 + reservedSectors;
  const gen1Raw = emptyFile(path.join(dir, "gen1.raw"), (windowsStart + windowsSectors) * sector);
  const table = [
    "label: dos",
    `start=2048, size=${reservedSectors}, type=7, bootable`,
    `start=${windowsStart}, size=${windowsSectors}, type=7`,
  ].join("\n");
  run("sfdisk", ["--no-reread", "--no-tell-kernel", "-q", gen1Raw], `${table}\n`);
  place(reserved, gen1Raw, 2048);
  place(ntfs, gen1Raw, windowsStart);
  return { dir, gen2Raw, gen2Vhdx, gen1Raw };
}

/** A copy of `file` cut to `fraction` of its length (a download that stopped early). */
export function truncatedCopy(file: string, fraction: number, name: string): string {
  const out = path.join(path.dirname(file), name);
  fs.copyFileSync(file, out);
  fs.truncateSync(out, Math.floor((fs.statSync(file).size * fraction) / 512) * 512);
  return out;
}
