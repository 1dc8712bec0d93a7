/**
 * What the collected facts say about the crashes: the dump the plan is based on, when the crashes
 * began (dumps, else bug-check events), the crash events of System.evtx when there is no dump, and
 * the third-party driver packages setupapi.dev.log shows installed before them.
 */
import type { CollectOutput, DriverInstallFacts, EventFacts } from "../collect/contract";
import type { TriageResult } from "../triage/types";
import { isReporterModule, normaliseModule } from "../drivers/bootCritical";
import type { Decision, DumpSelection, PlanContext } from "./types";

// ---------------------------------------------------------------------------------------------
// Times
// ---------------------------------------------------------------------------------------------

/** Milliseconds since the epoch, or null when absent or unreadable. */
export function time(iso: string | null | undefined): number | null {
  if (!iso) return null;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : t;
}

/** An instant as ISO 8601 UTC, without milliseconds when they are zero. */
export function iso(t: number): string {
  return new Date(t).toISOString().replace(".000Z", "Z");
}

function stem(fileName: string): string {
  const base = fileName.toLowerCase();
  const dot = base.lastIndexOf(".");
  return dot > 0 ? base.slice(0, dot) : base;
}

// ---------------------------------------------------------------------------------------------
// Dumps
// ---------------------------------------------------------------------------------------------

/** Culprit module a dump names, or null when it names none or only a reporter (kernel, HAL). */
export function namedModule(t: TriageResult): string | null {
  if (!t.causedBy) return null;
  const m = normaliseModule(t.causedBy.module);
  return isReporterModule(m) ? null : m;
}

/**
 * Picks the dump the plan is based on: the most recent readable one (by crash time, else by the
 * minidump's last write time, else the order collect listed them in, newest first), and says
 * whether the other dumps agree with it.
 */
export function selectDump(
  triage: readonly TriageResult[],
  collect: Pick<CollectOutput, "dumps">,
): DumpSelection {
  const notes: Decision[] = [];
  const unreadable = triage.filter((t) => t.error !== null);
  for (const t of unreadable)
    notes.push({
      action: "none",
      reason: `${t.file} was not used: ${t.error}`,
      evidence: [t.file],
    });
  const written = new Map(
    collect.dumps.minidumps.map((m) => [m.name.toLowerCase(), time(m.lastWriteUtc)]),
  );
  const keyed = triage
    .map((t, index) => ({
      t,
      index,
      when: time(t.crashTime) ?? written.get(t.file.toLowerCase()) ?? null,
    }))
    .filter((k) => k.t.error === null);
  keyed.sort((a, b) => (b.when ?? -Infinity) - (a.when ?? -Infinity) || a.index - b.index);
  const valid = keyed.map((k) => k.t);
  const primary = valid[0] ?? null;
  if (primary && valid.length > 1) {
    const describe = (t: TriageResult) =>
      `${t.file} (${t.crashTime ?? "time unknown"}): ${namedModule(t) ?? "no culprit module"}`;
    const main = namedModule(primary);
    const agree = valid.every((t) => namedModule(t) === main);
    notes.push({
      action: "none",
      reason: agree
        ? `All ${valid.length} dumps agree: ${main ?? "none of them names a culprit module"}`
        : `The dumps disagree; the most recent, ${primary.file}, decides (${main ?? "no culprit module"})`,
      evidence: valid.map(describe),
    });
  }
  return { primary, valid, notes };
}

/** Bug-check events (1001 from WER-SystemErrorReporting / BugCheck). */
export function isBugcheckEvent(e: EventFacts): boolean {
  return e.id === 1001 && /systemerrorreporting|bugcheck/i.test(e.provider);
}

/**
 * When the crashes blamed on `module` began: the earliest crash time of the dumps naming it; with
 * no such dump, the earliest dump or bug-check event; null when nothing has a time.
 */
export function firstCrashTime(
  selection: DumpSelection,
  events: readonly EventFacts[],
  module: string | null,
): number | null {
  const wanted = module === null ? null : normaliseModule(module);
  const naming = selection.valid.filter((t) => wanted !== null && namedModule(t) === wanted);
  const pool = naming.length > 0 ? naming : selection.valid;
  const times = pool.map((t) => time(t.crashTime)).filter((t): t is number => t !== null);
  if (times.length === 0)
    times.push(
      ...events
        .filter(isBugcheckEvent)
        .map((e) => time(e.timeCreatedUtc))
        .filter((t): t is number => t !== null),
    );
  return times.length > 0 ? Math.min(...times) : null;
}

/** What the dump the plan is based on says: bug check, time and culprit, in one line. */
export function crashEvidence(ctx: PlanContext): string[] {
  const t = ctx.selection.primary;
  if (!t) return [];
  const bc = t.bugCheck
    ? `${t.bugCheck.code}${t.bugCheck.name ? ` ${t.bugCheck.name}` : ""}`
    : "bug check unknown";
  const by = t.causedBy
    ? `, caused by ${t.causedBy.module}+${t.causedBy.offset} (${t.causedBy.method})`
    : "";
  return [`${t.file}: ${bc} at ${t.crashTime ?? "unknown time"}${by}`];
}

// ---------------------------------------------------------------------------------------------
// Events (System.evtx)
// ---------------------------------------------------------------------------------------------

/** Events that show a boot loop when there is no dump (System.evtx). */
export const CRASH_EVENT_IDS: readonly number[] = [41, 1001, 6008, 7000, 7026];

/** Crash events of the week before the newest one. */
export function recentCrashEvents(events: readonly EventFacts[]): EventFacts[] {
  const relevant = events.filter(
    (e) => CRASH_EVENT_IDS.includes(e.id) && (e.id !== 1001 || isBugcheckEvent(e)),
  );
  const times = relevant.map((e) => time(e.timeCreatedUtc)).filter((t): t is number => t !== null);
  if (times.length === 0) return relevant;
  const newest = Math.max(...times);
  return relevant.filter((e) => {
    const t = time(e.timeCreatedUtc);
    return t === null || t >= newest - 7 * 24 * 3600_000;
  });
}

// ---------------------------------------------------------------------------------------------
// Driver packages (setupapi.dev.log)
// ---------------------------------------------------------------------------------------------

/** The published name Windows gives a third-party driver package in its driver store. */
export const PUBLISHED_INF_PATTERN = /^oem[0-9]{1,5}\.inf$/i;
/** "Just before the first crash": a third-party package installed this long before it is a suspect. */
export const RECENT_INSTALL_WINDOW_HOURS = 7 * 24;

function isThirdPartyInstall(
  i: DriverInstallFacts,
): i is DriverInstallFacts & { publishedInf: string } {
  return (
    i.publishedInf !== null &&
    PUBLISHED_INF_PATTERN.test(i.publishedInf) &&
    (i.exitStatus ?? "SUCCESS").toUpperCase() !== "FAILURE"
  );
}

function installCarries(i: DriverInstallFacts, module: string): boolean {
  const m = normaliseModule(module);
  return (
    i.files.some((f) => f.toLowerCase() === m) ||
    (i.originalInf !== null && stem(i.originalInf) === stem(m))
  );
}

/**
 * Third-party packages (oemNN.inf) that carry `module` (by copied file or by original INF name) and
 * were installed before `before` (or at an unreadable time), oldest first, one per published INF.
 */
export function packagesForModule(
  installs: readonly DriverInstallFacts[],
  module: string,
  before: number | null,
): DriverInstallFacts[] {
  const hits = installs
    .filter(isThirdPartyInstall)
    .filter((i) => installCarries(i, module))
    .filter((i) => {
      const t = time(i.timeUtc);
      return before === null || t === null || t <= before;
    });
  const seen = new Set<string>();
  return hits
    .sort((a, b) => (time(a.timeUtc) ?? 0) - (time(b.timeUtc) ?? 0))
    .filter((i) => {
      const key = i.publishedInf!.toLowerCase();
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}

/**
 * The third-party package installed last within {@link RECENT_INSTALL_WINDOW_HOURS} before
 * `firstCrash`, skipping packages that carry a binary of a protected (boot-critical) service:
 * removing those could make the disk unbootable.
 */
export function recentThirdPartyPackage(
  installs: readonly DriverInstallFacts[],
  firstCrash: number,
  protectedBinaries: ReadonlySet<string>,
): DriverInstallFacts | null {
  const from = firstCrash - RECENT_INSTALL_WINDOW_HOURS * 3600_000;
  const candidates = installs
    .filter(isThirdPartyInstall)
    .filter((i) => {
      const t = time(i.timeUtc);
      return t !== null && t >= from && t <= firstCrash;
    })
    .filter((i) => !i.files.some((f) => protectedBinaries.has(f.toLowerCase())))
    .sort((a, b) => time(b.timeUtc)! - time(a.timeUtc)!);
  return candidates[0] ?? null;
}

/** One install as evidence: package, original INF, time and files. */
export function describeInstall(i: DriverInstallFacts): string {
  const files = i.files.length > 0 ? `, files ${i.files.join(", ")}` : "";
  return `setupapi: ${i.publishedInf}${i.originalInf ? ` (${i.originalInf})` : ""} installed ${i.timeUtc}${files}`;
}
