/**
 * Minidumps copied by hand (`plan-repair --dumps`), added to a collect output where collect.ps1 did
 * not carry them (over its size cap). What is given must be what it claims: a folder holding at
 * least one `.dmp` file, or one file; each a regular file within a minidump's size whose header is
 * a kernel minidump's. Anything else is refused in one line naming the path.
 */
import * as fs from "fs";
import * as path from "path";
import type { CollectOutput } from "../collect/contract";
import { UsageError } from "../vocabulary/exitCodes";
import { DumpFormatError, expandDumpPaths, readDumpHeader } from "../triage";
import { MINIDUMP_CAP, readCapped } from "./readJson";

/** Adds the dumps of `given` (a folder of minidumps or one file) to the collect output. */
export function withDumps(collect: CollectOutput, given: string): CollectOutput {
  const { files, missing, emptyFolders } = expandDumpPaths([given]);
  if (missing.length > 0) throw new UsageError(`--dumps folder not found: ${given}`);
  if (emptyFolders.length > 0)
    throw new UsageError(
      `--dumps folder ${given} holds no .dmp file; give the folder the minidumps were copied to (Windows\\Minidump) or one .dmp file`,
    );
  const byName = new Map(files.map((f) => [path.basename(f).toLowerCase(), f]));
  const minidumps = collect.dumps.minidumps.map((m) => {
    const f = byName.get(m.name.toLowerCase());
    return m.base64 === null && f
      ? { ...m, base64: readDump(f).bytes.toString("base64"), truncated: false }
      : m;
  });
  const listed = new Set(minidumps.map((m) => m.name.toLowerCase()));
  for (const [name, f] of byName) {
    if (listed.has(name)) continue;
    const { stat, bytes } = readDump(f);
    minidumps.push({
      name: path.basename(f),
      sizeBytes: bytes.byteLength,
      lastWriteUtc: stat.mtime.toISOString(),
      base64: bytes.toString("base64"),
      truncated: false,
    });
  }
  return { ...collect, dumps: { ...collect.dumps, minidumps } };
}

/**
 * One dump given with --dumps: a regular file (not a device such as /dev/zero, a FIFO or a
 * socket, which may never end) of at most a minidump's size, holding a kernel minidump's header.
 */
function readDump(file: string): { stat: fs.Stats; bytes: Buffer } {
  const stat = fs.statSync(file);
  if (!stat.isFile())
    throw new UsageError(
      `--dumps: ${file} is not a regular file; give the folder of the minidumps or one .dmp file`,
    );
  const bytes = readCapped(file, "--dumps", MINIDUMP_CAP);
  try {
    readDumpHeader(bytes);
  } catch (e) {
    if (e instanceof DumpFormatError)
      throw new UsageError(`--dumps file ${file} is not a kernel minidump: ${e.message}`);
    throw e;
  }
  return { stat, bytes };
}
