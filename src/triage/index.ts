/**
 * Crash triage: kernel minidump → {@link TriageResult} (bug check, crash time, OS build, the driver
 * that caused it). `triageDump` is pure; `triageFiles` reads files and folders.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { TriageResult } from "./types";
import { DumpFormatError, type KernelMinidump } from "./minidumpTypes";
import { MIN_DUMP_SIZE } from "./minidumpLayout";
import { readDumpHeader } from "./minidumpHeader";
import { parseMinidump } from "./minidump";
import { CausedByAnalysis, findCausedBy } from "./causedBy";
import { bugCheckName } from "./bugchecks";
import { bugCheckCodeString, hex } from "./format";

export * from "./types";
export * from "./minidumpTypes";
export * from "./minidumpLayout";
export { fileTimeToDate } from "./minidumpReader";
export * from "./minidumpHeader";
export { decodeContext, decodeExceptionRecord } from "./minidumpSections";
export * from "./minidump";
export * from "./bugchecks";
export * from "./causedBy";
export { hex, bugCheckCodeString, moduleOffset } from "./format";

/** A triage result plus what the text report shows beyond the JSON contract. */
export interface TriageDetails {
  result: TriageResult;
  /** The parsed dump, or null when the file is not a readable minidump. */
  dump: KernelMinidump | null;
  /** Null when the file could not be parsed. */
  analysis: CausedByAnalysis | null;
}

function failed(file: string, error: string): TriageDetails {
  return {
    result: {
      file,
      bugCheck: null,
      crashTime: null,
      os: null,
      causedBy: null,
      drivers: null,
      error,
    },
    dump: null,
    analysis: null,
  };
}

/** Parses and analyses one dump. Never throws for bad input: the result carries an error line. */
export function inspectDump(bytes: Uint8Array, file: string): TriageDetails {
  let dump: KernelMinidump;
  try {
    dump = parseMinidump(bytes);
  } catch (e) {
    if (e instanceof DumpFormatError) return failed(file, e.message);
    throw e;
  }
  const analysis = findCausedBy(dump);
  const { code, parameters } = dump.bugCheck;
  return {
    result: {
      file,
      bugCheck: {
        code: bugCheckCodeString(code),
        name: bugCheckName(code),
        parameters: parameters.map(hex) as [string, string, string, string],
      },
      crashTime: dump.crashTime ? dump.crashTime.toISOString() : null,
      os: { build: dump.build, machine: dump.machine },
      causedBy: analysis.causedBy,
      drivers: dump.drivers.length,
      error: null,
    },
    dump,
    analysis,
  };
}

/** Triage of one dump held in memory. Never throws for bad files: `error` says what is wrong. */
export function triageDump(bytes: Uint8Array, file: string): TriageResult {
  return inspectDump(bytes, file).result;
}

/**
 * Reads what triage needs of a dump file: the headers first, then only the triage part (a multi-GB
 * MEMORY.DMP is rejected after reading 8 KiB; secondary data after the triage part is not read).
 */
export function readDumpFile(file: string): Uint8Array {
  const fd = fs.openSync(file, "r");
  try {
    const size = fs.fstatSync(fd).size;
    const read = (length: number): Uint8Array => {
      const buf = Buffer.alloc(length);
      let done = 0;
      while (done < length) {
        const n = fs.readSync(fd, buf, done, length - done, done);
        if (n === 0) break;
        done += n;
      }
      return buf.subarray(0, done);
    };
    const head = read(Math.min(size, MIN_DUMP_SIZE));
    let want = head.byteLength;
    try {
      want = Math.min(size, readDumpHeader(head).sizeOfDump);
    } catch (e) {
      if (!(e instanceof DumpFormatError)) throw e;
    }
    return want > head.byteLength ? read(want) : head;
  } finally {
    fs.closeSync(fd);
  }
}

/** Expands folders to the `*.dmp` files they hold (sorted, not recursive); reports missing paths. */
export function expandDumpPaths(paths: readonly string[]): {
  files: string[];
  missing: string[];
  emptyFolders: string[];
} {
  const files: string[] = [];
  const missing: string[] = [];
  const emptyFolders: string[] = [];
  for (const p of paths) {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(p);
    } catch {
      missing.push(p);
      continue;
    }
    if (!stat.isDirectory()) {
      files.push(p);
      continue;
    }
    const dumps = fs
      .readdirSync(p, { withFileTypes: true })
      .filter((d) => d.isFile() && d.name.toLowerCase().endsWith(".dmp"))
      .map((d) => path.join(p, d.name))
      .sort();
    if (dumps.length === 0) emptyFolders.push(p);
    files.push(...dumps);
  }
  return { files, missing, emptyFolders };
}

function readError(file: string, e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  return `cannot read ${file}${code ? ` (${code})` : ""}`;
}

/** Triage of files and folders (folders expand to their `*.dmp` files). Missing paths get an error result. */
export function inspectFiles(paths: readonly string[]): TriageDetails[] {
  const { files, missing } = expandDumpPaths(paths);
  const out = files.map((file) => {
    let bytes: Uint8Array;
    try {
      bytes = readDumpFile(file);
    } catch (e) {
      return failed(file, readError(file, e));
    }
    return inspectDump(bytes, file);
  });
  return out.concat(missing.map((m) => failed(m, `no such file or folder: ${m}`)));
}

/** Triage of files and folders (folders expand to their `*.dmp` files). */
export function triageFiles(paths: readonly string[]): TriageResult[] {
  return inspectFiles(paths).map((d) => d.result);
}
