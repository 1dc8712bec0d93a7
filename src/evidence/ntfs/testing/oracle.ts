import { execFileSync } from "child_process";
import { existsSync } from "fs";
import path from "path";

/**
 * Test helpers around the independent NTFS implementation (Debian's ntfs-3g tools) and the
 * shared fixtures. Every helper is used from tests only.
 */

/** The shared fixtures folder beside the repository (absent on some machines). */
export const FIXTURES = path.resolve(__dirname, "..", "..", "..", "..", "..", "shared", "fixtures");

/** The kept test volume, built by testdata/make-image.sh. */
export const KEPT_IMAGE = path.resolve(__dirname, "..", "testdata", "nested.img.xz");

/** True when `tool` is on the PATH. */
export function haveTool(tool: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** The first of `tools` that is missing, or undefined. */
export function missingTool(...tools: string[]): string | undefined {
  return tools.find((t) => !haveTool(t));
}

/** True when the shared fixture `name` exists. */
export function haveFixture(name: string): boolean {
  return existsSync(path.join(FIXTURES, name));
}

const BIG = { maxBuffer: 256 * 1024 * 1024 };

/** The kept volume decompressed (needs `xz`). */
export function keptImage(): Buffer {
  return execFileSync("xz", ["-dc", KEPT_IMAGE], BIG);
}

/** A file's bytes as ntfscat reads them (`stream` = an alternate data stream name). */
export function ntfscat(image: string, file: string, stream?: string): Buffer {
  const args = stream ? ["-a", "0x80", "-n", stream, image, file] : [image, file];
  return execFileSync("ntfscat", args, { ...BIG, stdio: ["ignore", "pipe", "ignore"] });
}

/** One line of `ntfsls -a -s -i -l`. */
export interface ListedFile {
  record: number;
  size: number;
  name: string;
}

/** A directory as ntfsls lists it (long names, system files included, "." and ".." left out). */
export function ntfsls(image: string, dir: string): ListedFile[] {
  const out = execFileSync("ntfsls", ["-a", "-s", "-i", "-l", "-p", dir, image], {
    ...BIG,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
  });
  const files: ListedFile[] = [];
  for (const line of out.split("\n")) {
    const m = /^\s*(\d+)\s+(\d+)\s+\w{3}\s+\d+\s+\d\d:\d\d\s+\d{4}\s(.*)$/.exec(line);
    if (!m || m[3] === "." || m[3] === "..") continue;
    files.push({ record: Number(m[1]), size: Number(m[2]), name: m[3] });
  }
  return files;
}

/** Runs a shell-free command, returning true when it exits 0. */
export function tryRun(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** "line 1\nline 2\n…" as `seq -f "line %g" 1 count` writes it (the kept image's text). */
export function lines(count: number): Buffer {
  const parts: string[] = [];
  for (let i = 1; i <= count; i++) parts.push(`line ${i}\n`);
  return Buffer.from(parts.join(""), "latin1");
}
