/**
 * The shapes of the evidence → facts step: where each fact of the planner's document was read
 * (a citation a report can print), the options (the same caps collect.ps1 applies), and the
 * bookkeeping every reader of the step shares.
 */
import type { CollectError } from "../../collect/contract";
import type { EvidenceFile } from "../bundle";
import type { BinaryFacts } from "../../collect/manifest";

/**
 * Where one fact of the derived collect document was read. `fact` is a JSON Pointer (RFC 6901)
 * into `collect`: `/controlSets/default`, `/services/12/start`, `/bcd/safeboot`, `/events/0`.
 */
export interface FactCitation {
  readonly fact: string;
  /** The evidence file's path on the disk, as the bundle names it. */
  readonly file: string;
  /** Hives and BCD stores: the key below the root, e.g. `ControlSet001\Services\cxnetmon`. */
  readonly key?: string;
  /** The value's name ("" for the default value); absent when the fact is about the key. */
  readonly value?: string;
  /** Event logs: the record id (what evtxexport calls the event number). */
  readonly record?: number;
}

/**
 * What a route may know about a file beyond its bytes. `loadEvidenceFolder` fills both; a bundle
 * built without them still works (times are then unknown and said so in `problems`).
 */
export interface EvidenceFileInfo extends EvidenceFile {
  /** Last write time (UTC ISO 8601). */
  readonly lastWriteUtc?: string;
  /** Size of the whole file when `bytes` holds only part of it (the tail of a long log). */
  readonly fileBytes?: number;
}

export interface CollectFromEvidenceOptions {
  /** `collectedAtUtc` of the document (default: now). */
  now?: Date;
  /** Newest minidumps carried as base64 (collect.ps1 -MaxMinidumps). Default 3. */
  maxMinidumps?: number;
  /** A minidump larger than this is listed without its bytes (-MaxMinidumpBytes). Default 4 MiB. */
  maxMinidumpBytes?: number;
  /** Events of this many days before the newest one (-EventDays). Default 30. */
  eventDays?: number;
  /** Newest events kept (-MaxEvents). Default 300. */
  maxEvents?: number;
  /** Bytes of the end of setupapi.dev.log carried as text (-MaxSetupApiLogBytes). Default 1 MiB. */
  maxSetupApiLogBytes?: number;
  /**
   * Where the disk is attached, when the caller knows: the evidence cannot say. Without them the
   * document holds placeholders (disk 0, `C:\`, bus "unknown"), each named in `problems`.
   */
  target?: { diskNumber?: number; busType?: string; windowsVolume?: string };
  /** Version facts of the guest binaries collect listed (`-FileFactPaths`); a disk image has none. */
  binaries?: readonly BinaryFacts[];
}

export const DEFAULTS = {
  maxMinidumps: 3,
  maxMinidumpBytes: 4 * 1024 * 1024,
  eventDays: 30,
  maxEvents: 300,
  maxSetupApiLogBytes: 1024 * 1024,
} as const;

/** Collects the citations and problems of one derivation. */
export class FactLog {
  readonly citations: FactCitation[] = [];
  readonly errors: CollectError[] = [];

  /** Records where the fact at `pointer` was read. */
  cite(fact: string, from: Omit<FactCitation, "fact"> | undefined): void {
    if (from !== undefined) this.citations.push({ fact, ...from });
  }

  /** One line of what could not be read or is a placeholder, under the step it belongs to. */
  problem(step: string, message: string): void {
    this.errors.push({ step, message });
  }
}

/** `/services/12/start` from ["services", 12, "start"], escaped as RFC 6901 says. */
export function pointer(...parts: (string | number)[]): string {
  return parts.map((p) => `/${String(p).replace(/~/g, "~0").replace(/\//g, "~1")}`).join("");
}

/** The file name at the end of a disk path (`\Windows\Minidump\x.dmp` → `x.dmp`). */
export function baseName(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] ?? path;
}

/** The last write time a route gave for the file, if any. */
export function lastWriteOf(file: EvidenceFile): string | null {
  const time = (file as EvidenceFileInfo).lastWriteUtc;
  return typeof time === "string" && isDateTime(time) ? time : null;
}

/** An ISO 8601 UTC date-time the collect schema accepts (and Date can read). */
export function isDateTime(text: string): boolean {
  return /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(text) && !Number.isNaN(Date.parse(text));
}
