import { execFile, execFileSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/**
 * Test images made by independent writers (sgdisk, gdisk, mtools, mkntfs, qemu-img), never by the
 * readers under test, so a test compares this module against other implementations of the formats.
 */

/** The repository's sibling folder of real fixtures (`../shared/fixtures`). */
const REPO_ROOT = path.resolve(__dirname, "..", "..", "..", "..");
export const FIXTURES_DIR = path.resolve(REPO_ROOT, "..", "shared", "fixtures");
export const BCD_FIXTURE = path.join(FIXTURES_DIR, "hives", "BCD");

/** The first tool of `names` that is not on PATH, or undefined when all are. */
export function missingTool(...names: string[]): string | undefined {
  return names.find((name) => {
    try {
      execFileSync("sh", ["-c", `command -v ${name}`], { stdio: "ignore" });
      return false;
    } catch {
      return true;
    }
  });
}

const TOOL_ENV = { ...process.env, LANG: "C.UTF-8", LC_ALL: "C.UTF-8", MTOOLS_SKIP_CHECK: "1" };

export function run(command: string, args: string[], input?: string): string {
  return execFileSync(command, args, {
    input,
    encoding: "utf8",
    stdio: ["pipe", "pipe", "pipe"],
    env: TOOL_ENV,
  });
}

/** `run` without blocking: for the tools that sleep (sgdisk and gdisk wait 1 s after writing). */
export function runAsync(command: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(command, args, { env: TOOL_ENV }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} failed: ${error.message} ${stderr}`.trim()));
      else resolve(stdout);
    });
    child.stdin?.end(input ?? "");
  });
}

/** Deterministic pseudo-random bytes (xorshift32 seeded from `seed`): reproducible and fast. */
export function patternBytes(length: number, seed: string): Buffer {
  const out = Buffer.alloc(length);
  let x = crypto.createHash("sha256").update(seed).digest().readUInt32LE(0) || 1;
  for (let at = 0; at < length; at++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[at] = x & 0xff;
  }
  return out;
}

export function makeTempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), prefix));
}

export interface ImageFile {
  /** Path inside the FAT volume, `/`-separated ("/EFI/Microsoft/Boot/BCD"). */
  path: string;
  bytes: Buffer;
}

/**
 * Formats `image` (a file of `bytes`) with mformat and fills it with mmd/mcopy: one mmd for all
 * directories and one mcopy per directory (the long names come from the staged files' names).
 * `fragment` is written first behind a hole-making file so that it is split in two.
 */
export function buildFatImage(
  dir: string,
  image: string,
  bytes: number,
  mformatArgs: string[],
  files: ImageFile[],
  fragment?: ImageFile,
): void {
  emptyFile(image, bytes);
  run("mformat", ["-i", image, ...mformatArgs, "::"]);
  const staging = fs.mkdtempSync(path.join(dir, "stage-"));
  const copyInto = (target: string, group: ImageFile[]) => {
    const local = fs.mkdtempSync(path.join(staging, "d-"));
    const names = group.map((file) => {
      const name = path.join(local, path.posix.basename(file.path));
      fs.writeFileSync(name, file.bytes);
      return name;
    });
    run("mcopy", ["-i", image, ...names, `::${target}/`]);
  };
  if (fragment) {
    // a hole of a few clusters, a blocker after it, then the file fills the hole and continues
    copyInto("", [
      { path: "/HOLE.BIN", bytes: patternBytes(3000, "hole") },
      { path: "/BLOCKER.BIN", bytes: patternBytes(5000, "blocker") },
    ]);
    run("mdel", ["-i", image, "::/HOLE.BIN"]);
    forgetNextFreeHint(image);
    copyInto(path.posix.dirname(fragment.path).replace(/\/$/, ""), [fragment]);
  }
  const byDir = new Map<string, ImageFile[]>();
  for (const file of files) {
    const parent = path.posix.dirname(file.path).replace(/\/$/, "");
    byDir.set(parent, [...(byDir.get(parent) ?? []), file]);
  }
  const dirs = new Set<string>();
  for (const parent of byDir.keys()) {
    const parts = parent.split("/").filter(Boolean);
    for (let i = 1; i <= parts.length; i++) dirs.add(`/${parts.slice(0, i).join("/")}`);
  }
  const sorted = [...dirs].sort((a, b) => a.split("/").length - b.split("/").length);
  if (sorted.length > 0) run("mmd", ["-i", image, ...sorted.map((d) => `::${d}`)]);
  for (const [parent, group] of byDir) copyInto(parent, group);
  fs.rmSync(staging, { recursive: true, force: true });
}

/**
 * On FAT32, mtools allocates from FSInfo's next-free hint, i.e. past the blocker; 0xFFFFFFFF
 * means "no hint" (fatgen103), so it scans from cluster 2 and the next file fills the hole.
 */
function forgetNextFreeHint(image: string): void {
  const fd = fs.openSync(image, "r+");
  try {
    const boot = Buffer.alloc(512);
    fs.readSync(fd, boot, 0, 512, 0);
    if (boot.toString("latin1", 82, 90) !== "FAT32   ") return;
    const fsInfo = boot.readUInt16LE(48) * boot.readUInt16LE(11);
    fs.writeSync(fd, Buffer.from([0xff, 0xff, 0xff, 0xff]), 0, 4, fsInfo + 492);
  } finally {
    fs.closeSync(fd);
  }
}

/** The ESP's files for the disk tests: the real BCD when the fixtures are present. */
export function espFiles(): ImageFile[] {
  const files: ImageFile[] = [
    { path: "/EFI/Boot/bootx64.efi", bytes: patternBytes(150_000, "bootx64") },
    { path: "/EFI/A Long File Name With Spaces.txt", bytes: Buffer.from("long name\r\n") },
    { path: "/EFI/Ünïcødé ñame.txt", bytes: Buffer.from("unicode name\n") },
    { path: "/empty.txt", bytes: Buffer.alloc(0) },
  ];
  for (let i = 0; i < 40; i++) {
    const bytes = patternBytes(i * 37, `many ${i}`);
    files.push({ path: `/MANY/file number ${i} with a long name.dat`, bytes });
  }
  if (fs.existsSync(BCD_FIXTURE)) {
    files.push({ path: "/EFI/Microsoft/Boot/BCD", bytes: fs.readFileSync(BCD_FIXTURE) });
  }
  return files;
}

export const FRAGMENTED_FILE: ImageFile = {
  path: "/frag.bin",
  bytes: patternBytes(20_000, "fragmented"),
};

export interface GptDisk {
  raw: string;
  espStartLba: number;
  espSectors: number;
  dataStartLba: number;
  dataSectors: number;
  /** The NTFS partition image from mkntfs (absent when mkntfs is not installed). */
  ntfsPart?: string;
  files: ImageFile[];
}

/** The sgdisk arguments of the test disk's layout: ESP (40 MiB at 1 MiB), basic data after. */
export const GPT_LAYOUT = [
  ...["-o", "-n", "1:2048:+40M", "-t", "1:EF00", "-c", "1:EFI system partition"],
  ...["-n", "2:0:0", "-t", "2:0700", "-c", "2:Basic data partition"],
];

/** A sparse empty file of `bytes`. */
export function emptyFile(file: string, bytes: number): string {
  fs.writeFileSync(file, "");
  fs.truncateSync(file, bytes);
  return file;
}

/**
 * A 64 MiB GPT disk: ESP (FAT32 from mformat, 40 MiB) and a Microsoft basic data partition (NTFS
 * from mkntfs when present), laid in with dd like a real disk. sgdisk sleeps a second after each
 * write, so it runs while the partitions are being built.
 */
export async function buildGptDisk(dir: string): Promise<GptDisk> {
  const raw = emptyFile(path.join(dir, "disk.img"), 64 * 1024 * 1024);
  const table = runAsync("sgdisk", [...GPT_LAYOUT, raw]);
  try {
    const espStartLba = 2048;
    const espSectors = 40 * 2048;
    const dataStartLba = espStartLba + espSectors;
    const lastUsable = 64 * 2048 - 34; // sgdisk leaves the backup array and header at the end
    const dataSectors = lastUsable - dataStartLba + 1;
    const esp = path.join(dir, "esp.img");
    const files = espFiles();
    const mformat = ["-F", "-c", "1", "-H", `${espStartLba}`, "-v", "SYSTEM"];
    buildFatImage(dir, esp, espSectors * 512, mformat, files, FRAGMENTED_FILE);
    let ntfsPart: string | undefined;
    if (!missingTool("mkntfs")) {
      ntfsPart = emptyFile(path.join(dir, "ntfs.part"), dataSectors * 512);
      run("mkntfs", [
        ...["-F", "-Q", "-s", "512", "-c", "4096", "-p", `${dataStartLba}`],
        ...["-H", "255", "-S", "63", "-L", "Windows", ntfsPart],
      ]);
    }
    await table;
    place(esp, raw, espStartLba);
    if (ntfsPart) place(ntfsPart, raw, dataStartLba);
    const all = [...files, FRAGMENTED_FILE];
    return { raw, espStartLba, espSectors, dataStartLba, dataSectors, ntfsPart, files: all };
  } finally {
    await table.catch(() => undefined);
  }
}

/** Writes `part` into `disk` at `lba` (512-byte sectors) without truncating, keeping holes. */
export function place(part: string, disk: string, lba: number): void {
  const args = [`if=${part}`, `of=${disk}`, "bs=512", `seek=${lba}`];
  run("dd", [...args, "conv=notrunc,sparse", "status=none"]);
}

export type ContainerKind = "vhd-fixed" | "vhd-dynamic" | "vhdx-fixed" | "vhdx-dynamic";

/** qemu-img convert of a raw image into a container (qemu's vpc/vhdx writers). */
export function convertImage(raw: string, out: string, kind: ContainerKind): string {
  const options: Record<ContainerKind, string[]> = {
    "vhd-fixed": ["-O", "vpc", "-o", "subformat=fixed,force_size=on"],
    "vhd-dynamic": ["-O", "vpc", "-o", "subformat=dynamic,force_size=on"],
    "vhdx-fixed": ["-O", "vhdx", "-o", "subformat=fixed"],
    "vhdx-dynamic": ["-O", "vhdx", "-o", "subformat=dynamic"],
  };
  run("qemu-img", ["convert", "-f", "raw", ...options[kind], raw, out]);
  return out;
}
