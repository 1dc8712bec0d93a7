import { execFileSync } from "child_process";
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

export function run(command: string, args: string[], input?: string): string {
  return execFileSync(command, args, {
    input,
    encoding: "utf8",
    stdio: ["pipe", "pipe", "pipe"],
    env: { ...process.env, LANG: "C.UTF-8", LC_ALL: "C.UTF-8", MTOOLS_SKIP_CHECK: "1" },
  });
}

/** Deterministic pseudo-random bytes (so a failing comparison is reproducible). */
export function patternBytes(length: number, seed: string): Buffer {
  const out = Buffer.alloc(length);
  let block = crypto.createHash("sha256").update(seed).digest();
  for (let at = 0; at < length; at += block.length) {
    block.copy(out, at, 0, Math.min(block.length, length - at));
    block = crypto.createHash("sha256").update(block).digest();
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
 * Formats `image` (a file of `bytes`) with mformat and fills it with mmd/mcopy. Directories are
 * made as needed; `fragment` first writes a hole-making file so the named file is split in two.
 */
export function buildFatImage(
  dir: string,
  image: string,
  bytes: number,
  mformatArgs: string[],
  files: ImageFile[],
  fragment?: ImageFile,
): void {
  fs.writeFileSync(image, "");
  fs.truncateSync(image, bytes);
  run("mformat", ["-i", image, ...mformatArgs, "::"]);
  const made = new Set<string>();
  const write = (file: ImageFile) => {
    const parts = file.path.split("/").filter(Boolean);
    for (let i = 1; i < parts.length; i++) {
      const d = `::/${parts.slice(0, i).join("/")}`;
      if (!made.has(d)) run("mmd", ["-i", image, d]);
      made.add(d);
    }
    const local = path.join(dir, `content-${crypto.randomBytes(6).toString("hex")}`);
    fs.writeFileSync(local, file.bytes);
    run("mcopy", ["-i", image, local, `::${file.path}`]);
    fs.unlinkSync(local);
  };
  if (fragment) {
    // hole of 3 clusters-ish, a blocker after it, then the file fills the hole and continues
    write({ path: "/HOLE.BIN", bytes: patternBytes(3000, "hole") });
    write({ path: "/BLOCKER.BIN", bytes: patternBytes(5000, "blocker") });
    run("mdel", ["-i", image, "::/HOLE.BIN"]);
    forgetNextFreeHint(image);
    write(fragment);
  }
  for (const file of files) write(file);
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
  /** Whether mkntfs was there to put an NTFS boot sector in the basic data partition. */
  hasNtfs: boolean;
  files: ImageFile[];
}

/**
 * A 64 MiB GPT disk: ESP (FAT32 from mformat, 40 MiB) and a Microsoft basic data partition (NTFS
 * from mkntfs when present), laid in with dd like a real disk.
 */
export function buildGptDisk(dir: string): GptDisk {
  const raw = path.join(dir, "disk.img");
  fs.writeFileSync(raw, "");
  fs.truncateSync(raw, 64 * 1024 * 1024);
  run("sgdisk", [
    ...["-o", "-n", "1:2048:+40M", "-t", "1:EF00", "-c", "1:EFI system partition"],
    ...["-n", "2:0:0", "-t", "2:0700", "-c", "2:Basic data partition", raw],
  ]);
  const espStartLba = 2048;
  const espSectors = 40 * 2048;
  const dataStartLba = espStartLba + espSectors;
  const lastUsable = 64 * 2048 - 34; // sgdisk leaves the backup array and header at the end
  const dataSectors = lastUsable - dataStartLba + 1;
  const esp = path.join(dir, "esp.img");
  const files = espFiles();
  const mformat = ["-F", "-c", "1", "-H", `${espStartLba}`, "-v", "SYSTEM"];
  buildFatImage(dir, esp, espSectors * 512, mformat, files, FRAGMENTED_FILE);
  place(esp, raw, espStartLba);
  let hasNtfs = false;
  if (!missingTool("mkntfs")) {
    const ntfs = path.join(dir, "ntfs.part");
    fs.writeFileSync(ntfs, "");
    fs.truncateSync(ntfs, dataSectors * 512);
    run("mkntfs", [
      ...["-F", "-Q", "-s", "512", "-c", "4096", "-p", `${dataStartLba}`],
      ...["-H", "255", "-S", "63", "-L", "Windows", ntfs],
    ]);
    place(ntfs, raw, dataStartLba);
    hasNtfs = true;
  }
  const all = [...files, FRAGMENTED_FILE];
  return { raw, espStartLba, espSectors, dataStartLba, dataSectors, hasNtfs, files: all };
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
