/**
 * The SYSTEM hive's part of the planner's document: the control sets, every service of the set
 * the next boot uses (`Select\Default`), CrashControl, and the rest of that set the planner and the
 * driver check read (time zone, class filters, ACPI enumeration, pending renames, architecture).
 * The hive is opened with its transaction logs, so a dirty hive is read as Windows would replay it.
 */
import type {
  ControlSets,
  DumpFacts,
  ServiceFacts as CollectService,
} from "../../collect/contract";
import type { EvidenceBundle } from "../bundle";
import { isFormatError } from "../formatError";
import type { Fact, JsonData } from "../hive/facts";
import { openHive, type Hive } from "../hive/hive";
import { systemFacts, type ServiceFacts, type SystemFacts } from "../hive/systemFacts";
import { readControlSetExtras, type ControlSetExtras } from "./controlSet";
import { baseName, pointer, type FactLog } from "./types";

export interface SystemPart extends ControlSetExtras {
  controlSets: ControlSets;
  services: CollectService[];
  crashControl: DumpFacts["crashControl"];
  /** The hive file's path on the disk, for citations made later (guest components). */
  file: string;
}

const STEP = "system-hive";

/**
 * Reads the SYSTEM hive of the bundle, or returns null with a `problems` line when there is none
 * or it cannot be read as a SYSTEM hive.
 */
export function readSystemPart(bundle: EvidenceBundle, log: FactLog): SystemPart | null {
  const file = bundle.systemHive;
  if (file === null) {
    log.problem(STEP, "no SYSTEM hive in the evidence: services and control sets are unknown");
    return null;
  }
  try {
    // .LOG1 before .LOG2, whatever order the route listed them in.
    const logs = bundle.systemHiveLogs
      .map((l) => ({ name: baseName(l.path), bytes: l.bytes }))
      .sort((a, b) => byName(a.name, b.name));
    const hive = openHive(file.bytes, { logs, label: file.path });
    for (const warning of hive.warnings) log.problem(STEP, warning);
    const facts = systemFacts(hive, { file: file.path });
    for (const warning of facts.warnings) log.problem(STEP, warning);
    return {
      file: file.path,
      controlSets: controlSets(facts, log),
      services: services(facts.services, file.path, log),
      crashControl: crashControl(facts, log),
      ...extras(hive, facts, log),
    };
  } catch (e) {
    if (!isFormatError(e)) throw e;
    log.problem(STEP, `SYSTEM hive unreadable: ${e.message}`);
    return null;
  }
}

function byName(a: string, b: string): number {
  const [x, y] = [a.toUpperCase(), b.toUpperCase()];
  return x < y ? -1 : x > y ? 1 : 0;
}

function extras(hive: Hive, facts: SystemFacts, log: FactLog): ControlSetExtras {
  return readControlSetExtras(hive, facts.controlSet.name, facts.file, log);
}

function valueOf(fact: Fact<number> | undefined, where: string, log: FactLog): number | null {
  if (fact === undefined) return null;
  if (fact.problem !== undefined) log.problem(STEP, `${where}: ${fact.problem}`);
  return fact.value ?? null;
}

/**
 * `current` is the set the next boot uses (`Select\Default`, else `Current`), the one every other
 * fact is read from: the contract's "ControlSet00N the machine boots with". A stored `Current`
 * that names another set is said in `problems`.
 */
function controlSets(facts: SystemFacts, log: FactLog): ControlSets {
  const { select, controlSet } = facts;
  const stored = valueOf(select.current, "Select\\Current", log);
  if (stored !== controlSet.number) {
    log.problem(
      "control-sets",
      `Select\\Current is ${stored ?? "absent"} but the next boot uses ${controlSet.name}: controlSets.current and every fact of a control set come from ${controlSet.name}`,
    );
  }
  log.cite(pointer("controlSets", "current"), controlSet.citation);
  log.cite(pointer("controlSets", "default"), select.default?.citation);
  log.cite(pointer("controlSets", "failed"), select.failed?.citation);
  log.cite(pointer("controlSets", "lastKnownGood"), select.lastKnownGood?.citation);
  return {
    current: controlSet.number,
    default: valueOf(select.default, "Select\\Default", log),
    failed: valueOf(select.failed, "Select\\Failed", log),
    lastKnownGood: valueOf(select.lastKnownGood, "Select\\LastKnownGood", log),
  };
}

/** Values whose stored type is not what Windows reads, summarised in one line. */
class OddValues {
  private readonly found: string[] = [];
  note(fact: { problem?: string; citation: { key: string; value?: string } } | undefined): void {
    if (fact?.problem !== undefined) {
      this.found.push(`${fact.citation.key}\\${fact.citation.value ?? ""} (${fact.problem})`);
    }
  }
  add(text: string): void {
    this.found.push(text);
  }
  report(log: FactLog): void {
    if (this.found.length === 0) return;
    const shown = this.found.slice(0, 3).join("; ");
    const more = this.found.length > 3 ? ` and ${this.found.length - 3} more` : "";
    log.problem("services", `${this.found.length} service values read as null: ${shown}${more}`);
  }
}

function services(list: readonly ServiceFacts[], file: string, log: FactLog): CollectService[] {
  const odd = new OddValues();
  const out: CollectService[] = [];
  for (const s of list) {
    if (s.name === "") {
      odd.add(`${s.key} (a service key with an empty name, left out)`);
      continue;
    }
    const at = (field: string) => pointer("services", out.length, field);
    const pick = <T>(field: string, fact: Fact<T> | undefined): T | null => {
      odd.note(fact);
      if (fact?.value === undefined) return null;
      log.cite(at(field), fact.citation);
      return fact.value;
    };
    log.cite(at("name"), { file, key: s.key });
    let start = pick("start", s.start);
    if (start !== null && (start < 0 || start > 4)) {
      odd.add(`${s.key}\\Start (${start}, outside 0..4)`);
      start = null;
    }
    out.push({
      name: s.name,
      displayName: pick("displayName", s.displayName),
      imagePath: pick("imagePath", s.imagePath),
      start,
      type: pick("type", s.type),
      errorControl: pick("errorControl", s.errorControl),
      group: pick("group", s.group),
      startOverride: startOverride(s.startOverride, at("startOverride"), odd, log),
      // The binary's version, company and signer need the file itself, which a bundle does not
      // carry: unknown, as collect.ps1 reports a binary it could not resolve.
      file: null,
    });
  }
  odd.report(log);
  return out;
}

function startOverride(
  values: readonly Fact<JsonData>[] | undefined,
  at: string,
  odd: OddValues,
  log: FactLog,
): Record<string, number> | null {
  if (values === undefined) return null;
  const out: Record<string, number> = {};
  for (const v of values) {
    const name = v.citation.value ?? "";
    if (typeof v.value !== "number") {
      odd.add(`${v.citation.key}\\${name} (${v.regType}, not a REG_DWORD)`);
      continue;
    }
    // A value named "__proto__" stays an own property.
    Object.defineProperty(out, name, {
      value: v.value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
    log.cite(`${at}${pointer(name)}`, v.citation);
  }
  return out;
}

function crashControl(facts: SystemFacts, log: FactLog): DumpFacts["crashControl"] {
  const cc = facts.crashControl;
  if (cc === "absent") {
    log.problem("crash-control", `${facts.controlSet.name}\\Control\\CrashControl is absent`);
    return null;
  }
  const byName = new Map(cc.values.map((v) => [(v.citation.value ?? "").toLowerCase(), v]));
  const read = <T extends "number" | "string">(field: string, name: string, kind: T) => {
    const v = byName.get(name.toLowerCase());
    if (v === undefined) return null;
    if (typeof v.value !== kind) {
      log.problem("crash-control", `${cc.key}\\${name} is ${v.regType}, not what Windows reads`);
      return null;
    }
    log.cite(pointer("dumps", "crashControl", field), v.citation);
    return v.value as T extends "number" ? number : string;
  };
  return {
    crashDumpEnabled: read("crashDumpEnabled", "CrashDumpEnabled", "number"),
    autoReboot: read("autoReboot", "AutoReboot", "number"),
    dumpFile: read("dumpFile", "DumpFile", "string"),
    minidumpDir: read("minidumpDir", "MinidumpDir", "string"),
    nmiCrashDump: read("nmiCrashDump", "NMICrashDump", "number"),
  };
}
