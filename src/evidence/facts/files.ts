/**
 * The parts of the planner's document that are whole files rather than registry values: the
 * minidumps (base64, newest first, capped in count and size as collect.ps1 caps them), MEMORY.DMP's
 * size, the tail of setupapi.dev.log as text, and whether pending.xml exists.
 */
import type {
  DumpFacts,
  EventFacts,
  MinidumpFacts,
  SetupApiLogFacts,
} from "../../collect/contract";
import type { EvidenceBundle, EvidenceFile } from "../bundle";
import { baseName, lastWriteOf, pointer, type EvidenceFileInfo, type FactLog } from "./types";

/** Longest text the collect schema takes for the setupapi.dev.log tail. */
const MAX_SETUPAPI_TEXT = 16 * 1024 * 1024;
/** Stands in for a write time nobody recorded; named in `problems` wherever it is used. */
const UNKNOWN_TIME = "1970-01-01T00:00:00Z";
/** A name collect's schema accepts for a dump file. */
const DUMP_NAME = /^[^\\/:*?"<>|]+\.dmp$/;

/** The size of the whole file: what the route said, else the bytes it gave. */
function sizeOf(file: EvidenceFile): number {
  const whole = (file as EvidenceFileInfo).fileBytes;
  return typeof whole === "number" && whole >= file.bytes.length ? whole : file.bytes.length;
}

/**
 * The dumps without CrashControl. A dump's write time is the file's when the route gave it, else
 * the time of the bug-check event (1001) whose report id is the dump's name.
 */
export function readDumpsPart(
  bundle: EvidenceBundle,
  events: readonly EventFacts[],
  opts: { maxMinidumps: number; maxMinidumpBytes: number },
  log: FactLog,
): Omit<DumpFacts, "crashControl"> {
  const named: { file: EvidenceFile; name: string; when: string | null; event: number }[] = [];
  for (const file of bundle.minidumps) {
    const name = baseName(file.path).replace(/\.dmp$/i, ".dmp");
    if (!DUMP_NAME.test(name)) {
      log.problem("dumps", `${file.path} is not named like a dump (*.dmp): left out`);
      continue;
    }
    const stem = name.slice(0, -".dmp".length).toLowerCase();
    const event = events.findIndex((e) => e.id === 1001 && e.data.param3?.toLowerCase() === stem);
    const when = lastWriteOf(file) ?? (event >= 0 ? events[event].timeCreatedUtc : null);
    named.push({ file, name, when, event });
  }
  // Newest first; dumps of unknown time after the dated ones, in the bundle's order.
  const time = (when: string | null) =>
    when === null ? Number.MIN_SAFE_INTEGER : Date.parse(when);
  named.sort((a, b) => time(b.when) - time(a.when));
  const minidumps: MinidumpFacts[] = [];
  for (const { file, name, when, event } of named.slice(0, opts.maxMinidumps)) {
    const at = (field: string) => pointer("dumps", "minidumps", minidumps.length, field);
    const sizeBytes = sizeOf(file);
    const tooBig = sizeBytes > opts.maxMinidumpBytes || sizeBytes > file.bytes.length;
    log.cite(at("base64"), { file: file.path });
    if (lastWriteOf(file) !== null) log.cite(at("lastWriteUtc"), { file: file.path });
    else if (event >= 0) {
      const reported = log.citations.find((c) => c.fact === pointer("events", event));
      if (reported !== undefined) {
        const { fact: _reportedAs, ...from } = reported;
        log.cite(at("lastWriteUtc"), from);
      }
    }
    if (when === null) {
      log.problem(
        "dumps",
        `${file.path}: write time unknown (no file time, no bug-check event names it): ${UNKNOWN_TIME} stands in`,
      );
    }
    minidumps.push({
      name,
      sizeBytes,
      lastWriteUtc: when ?? UNKNOWN_TIME,
      base64: tooBig ? null : file.bytes.toString("base64"),
      truncated: tooBig,
    });
  }
  const memory = bundle.memoryDumpBytes;
  return {
    minidumps,
    minidumpCount: bundle.minidumps.length,
    memoryDmp: { exists: memory !== null, sizeBytes: memory, lastWriteUtc: null },
  };
}

/** The tail of setupapi.dev.log as collect.ps1 ships it, or null when the evidence has none. */
export function readSetupApiPart(
  bundle: EvidenceBundle,
  maxBytes: number,
  log: FactLog,
): SetupApiLogFacts | null {
  const file = bundle.setupApiLog;
  if (file === null) {
    log.problem("setupApiLog", "no setupapi.dev.log in the evidence: no driver installs");
    return null;
  }
  const sizeBytes = sizeOf(file);
  const take = Math.min(file.bytes.length, Math.max(0, maxBytes), MAX_SETUPAPI_TEXT);
  const offset = sizeBytes - take;
  log.cite(pointer("setupApiLog"), { file: file.path });
  return {
    path: file.path,
    sizeBytes,
    lastWriteUtc: lastWriteOf(file),
    offset,
    truncated: offset > 0,
    text: file.bytes.subarray(file.bytes.length - take).toString("utf8"),
  };
}

/** Whether pending.xml is in the evidence: servicing left half done. */
export function readPendingXml(bundle: EvidenceBundle, log: FactLog): boolean {
  if (bundle.pendingXml === null) return false;
  log.cite(pointer("pendingUpdates", "pendingXml"), { file: bundle.pendingXml.path });
  return true;
}
