/**
 * The System event log's part of the planner's document: the events of the boot story (bug checks,
 * unexpected resets, failed boot drivers and services, driver installs), newest first, within
 * collect.ps1's window (`-EventDays` before the newest event, at most `-MaxEvents`). Each event
 * keeps its EventData as collect.ps1 ships it: named items by name, unnamed ones as param1..N.
 */
import type { EventFacts } from "../../collect/contract";
import type { EvidenceBundle } from "../bundle";
import { bootStory } from "../evtx/bootStory";
import { readEvtx } from "../evtx/readEvtx";
import type { EvtxRecord } from "../evtx/record";
import { isFormatError } from "../formatError";
import { isDateTime, pointer, type FactLog } from "./types";

const STEP = "events";
const DAY_MS = 24 * 3600 * 1000;
/** Reader warnings shown one by one before the rest are counted. */
const SHOWN_WARNINGS = 3;

export function readEventsPart(
  bundle: EvidenceBundle,
  opts: { eventDays: number; maxEvents: number },
  log: FactLog,
): EventFacts[] {
  const file = bundle.systemEventLog;
  if (file === null) {
    log.problem(STEP, "no System.evtx in the evidence: no events");
    return [];
  }
  let records: EvtxRecord[];
  try {
    const read = readEvtx(file.bytes, { label: file.path });
    records = read.records;
    const shown = read.warnings.slice(0, SHOWN_WARNINGS);
    for (const warning of shown) log.problem(STEP, warning);
    const more = read.warnings.length - shown.length;
    if (more > 0) log.problem(STEP, `${file.path}: ${more} more reader warnings`);
  } catch (e) {
    if (!isFormatError(e)) throw e;
    log.problem(STEP, `System.evtx unreadable: ${e.message}`);
    return [];
  }
  const byId = new Map(records.map((r) => [r.recordId, r]));
  let newest = -Infinity;
  for (const r of records) {
    const t = Date.parse(r.timeCreated);
    if (t > newest) newest = t;
  }
  const since = newest - opts.eventDays * DAY_MS;
  const story = bootStory(records)
    .filter((f) => f.kind !== "log-started" && f.kind !== "log-stopped")
    .map((f) => byId.get(f.recordId))
    .filter((r): r is EvtxRecord => r !== undefined);
  const dated: EvtxRecord[] = [];
  let undated = 0;
  for (const r of story) {
    if (isDateTime(r.timeCreated)) dated.push(r);
    else undated += 1;
  }
  if (undated > 0)
    log.problem(STEP, `${undated} boot-story events have no readable time: left out`);
  const chosen = dated
    .filter((r) => Date.parse(r.timeCreated) >= since)
    .sort(
      (a, b) => Date.parse(b.timeCreated) - Date.parse(a.timeCreated) || b.recordId - a.recordId,
    )
    .slice(0, opts.maxEvents);
  return chosen.map((r, i) => {
    log.cite(pointer("events", i), { file: file.path, record: r.recordId });
    return {
      id: r.eventId,
      provider: r.provider,
      timeCreatedUtc: r.timeCreated,
      level: r.level ?? null,
      data: eventData(r.data),
    };
  });
}

/** Unnamed items (classic events) become param1..N, as collect.ps1 names them. */
function eventData(data: EvtxRecord["data"]): Record<string, string> {
  if (!Array.isArray(data)) return data;
  return Object.fromEntries(data.map((value, i) => [`param${i + 1}`, value]));
}
