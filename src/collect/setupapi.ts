/**
 * Reads `Windows\INF\setupapi.dev.log` as collect.ps1 ships it (the raw tail of the file, see
 * {@link SetupApiLogFacts}) and turns its sections into {@link DriverInstallFacts}: when a driver
 * package was installed, its published name (oemNN.inf), its original INF and the files it copied.
 * The log writes the guest's local time; it is converted to UTC with the offline SYSTEM hive's
 * `Control\TimeZoneInformation` ({@link TimeZoneFacts}). Pure functions, no I/O.
 *
 * Section layout (Windows 7 and later):
 *
 *     >>>  [Device Install (Hardware initiated) - PCI\VEN_...\3&267a616a&0&28]
 *     >>>  Section start 2026/11/27 23:05:10.123
 *          inf:      Published Inf Path: C:\Windows\INF\oem42.inf
 *          flq:      Copying 'C:\Windows\System32\DriverStore\FileRepository\cx.inf_amd64_...\cx.sys' to 'C:\Windows\System32\drivers\cx.sys'.
 *     <<<  Section end 2026/11/27 23:05:11.002
 *     <<<  [Exit status: SUCCESS]
 */
import type {
  CollectOutput,
  DriverInstallFacts,
  SetupApiLogFacts,
  TimeZoneFacts,
} from "./contract";

// ---------------------------------------------------------------------------------------------
// Time zones (Control\TimeZoneInformation)
// ---------------------------------------------------------------------------------------------

/** A SYSTEMTIME transition rule of TIME_ZONE_INFORMATION. `year` 0 = "the week-th dayOfWeek of month" every year. */
export interface TransitionRule {
  year: number;
  /** 1..12; 0 = the zone has no daylight saving time. */
  month: number;
  /** 0 = Sunday .. 6 = Saturday (relative rules). */
  dayOfWeek: number;
  /** Relative rules: the occurrence of dayOfWeek in the month, 1..5 (5 = the last). Absolute: the day of the month. */
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** Decodes the 16-byte SYSTEMTIME of StandardStart/DaylightStart (32 hex digits, little-endian words); null when absent or malformed. */
export function decodeSystemTime(hex: string | null | undefined): TransitionRule | null {
  if (typeof hex !== "string" || !/^[0-9A-Fa-f]{32}$/.test(hex)) return null;
  const word = (i: number) =>
    parseInt(hex.slice(i * 4 + 2, i * 4 + 4) + hex.slice(i * 4, i * 4 + 2), 16);
  const rule = {
    year: word(0),
    month: word(1),
    dayOfWeek: word(2),
    day: word(3),
    hour: word(4),
    minute: word(5),
    second: word(6),
  };
  if (
    rule.month > 12 ||
    rule.dayOfWeek > 6 ||
    rule.day > 31 ||
    rule.hour > 23 ||
    rule.minute > 59 ||
    rule.second > 59
  )
    return null;
  return rule;
}

/** The wall-clock moment (as a UTC-epoch number of the local fields) a rule fires in `year`; null when it does not fire that year. */
export function transitionWallClock(rule: TransitionRule, year: number): number | null {
  if (rule.month === 0) return null;
  const clock = (d: number) =>
    Date.UTC(year, rule.month - 1, d, rule.hour, rule.minute, rule.second);
  if (rule.year !== 0) return rule.year === year && rule.day >= 1 ? clock(rule.day) : null;
  if (rule.day < 1 || rule.day > 5) return null;
  const firstDow = new Date(Date.UTC(year, rule.month - 1, 1)).getUTCDay();
  const daysInMonth = new Date(Date.UTC(year, rule.month, 0)).getUTCDate();
  let d = 1 + ((rule.dayOfWeek - firstDow + 7) % 7) + (rule.day - 1) * 7;
  while (d > daysInMonth) d -= 7;
  return clock(d);
}

/** How local times were converted. */
export type TimeBasis = "zone-rules" | "active-bias" | "assumed-utc";

/**
 * Converts a guest wall-clock time (the local fields packed as a UTC epoch number) to UTC, the way
 * Windows does: UTC = local + Bias + (DaylightBias during daylight time, else StandardBias). Daylight
 * time runs from DaylightStart (given in standard time) to StandardStart (given in daylight time); in
 * the southern hemisphere the interval wraps the new year. The repeated hour after the switch back is
 * read as daylight time. Per-year rules (`Dynamic DST`) are not known offline; with DST disabled
 * (`DynamicDaylightTimeDisabled`=1 and no rule) or no rule, StandardBias applies all year. With no
 * Bias, ActiveTimeBias (the offset in effect when Windows last ran) is used; with neither, the time
 * is taken as UTC.
 */
export function localToUtc(
  wallClock: number,
  tz: TimeZoneFacts | null | undefined,
): { utc: number; basis: TimeBasis } {
  if (tz && tz.bias !== null) {
    const year = new Date(wallClock).getUTCFullYear();
    const daylight = decodeSystemTime(tz.daylightStart);
    const standard = decodeSystemTime(tz.standardStart);
    let inDaylight = false;
    if (daylight && standard && tz.dynamicDaylightTimeDisabled !== 1) {
      const d = transitionWallClock(daylight, year);
      const s = transitionWallClock(standard, year);
      if (d !== null && s !== null)
        inDaylight = d < s ? wallClock >= d && wallClock < s : wallClock >= d || wallClock < s;
    }
    const extra = inDaylight ? (tz.daylightBias ?? 0) : (tz.standardBias ?? 0);
    return { utc: wallClock + (tz.bias + extra) * 60_000, basis: "zone-rules" };
  }
  if (tz && tz.activeTimeBias !== null)
    return { utc: wallClock + tz.activeTimeBias * 60_000, basis: "active-bias" };
  return { utc: wallClock, basis: "assumed-utc" };
}

// ---------------------------------------------------------------------------------------------
// setupapi.dev.log
// ---------------------------------------------------------------------------------------------

const HEADER = /^>>>\s+\[(.+)\]\s*$/;
const SECTION_START =
  /^>>>\s+Section start (\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.\d+)?\s*$/;
const SECTION_END = /^<<<\s+Section end\b/;
const EXIT_STATUS = /^<<<\s+\[Exit status:\s*([A-Za-z_]+)/;
const OEM_INF = /\b(oem\d{1,5}\.inf)\b/i;
/** Lines that name the package a section published or selected, strongest evidence first. */
const PUBLISHED = [
  /Published Inf Path:\s*(?:.*\\)?(oem\d{1,5}\.inf)\b/i,
  /Published '[^']*' to '(oem\d{1,5}\.inf)'/i,
  /Published Driver Store Entry:\s*(?:.*\\)?(oem\d{1,5}\.inf)\b/i,
  /already imported as\s*'?(?:.*\\)?(oem\d{1,5}\.inf)\b/i,
  /Inf Name\s*-\s*(oem\d{1,5}\.inf)\b/i,
  /Installed INF:\s*(?:.*\\)?(oem\d{1,5}\.inf)\b/i,
];
/** `FileRepository\<original>.inf_<arch>_<hash>\` names the original INF of a published package. */
const DRIVER_STORE =
  /\\FileRepository\\([^\\/:*?"<>|]+?\.inf)_[a-z0-9]+(?:_neutral)?_[0-9a-f]{16}\\/i;
/** Sections that take a package or a device away: never an install. */
const REMOVAL = /^(?:Delete Driver Package|Device Uninstall|Uninstall)\b/i;
const INF_PATH = /\\([^\\/:*?"<>|']+\.inf)\b/i;
const COPYING = /Copying '([^']+)'(?: to '([^']+)')?/i;
const COPY_FILE = /\{Copy File: ([^}]+?)\}/i;

interface OpenSection {
  subject: string;
  wallClock: number | null;
  published: { strength: number; name: string } | null;
  driverStoreInf: string | null;
  otherInf: string | null;
  files: string[];
  exitStatus: string | null;
}

function baseName(path: string): string {
  const parts = path.trim().replace(/\.$/, "").split(/[\\/]/);
  return parts[parts.length - 1] ?? "";
}

function isOem(name: string): boolean {
  return /^oem\d{1,5}\.inf$/i.test(name);
}

function readLine(s: OpenSection, line: string): void {
  const exit = EXIT_STATUS.exec(line);
  if (exit) {
    s.exitStatus = exit[1].toUpperCase();
    return;
  }
  const start = SECTION_START.exec(line);
  if (start) {
    const [y, mo, d, h, mi, se] = start.slice(1).map(Number);
    const t = Date.UTC(y, mo - 1, d, h, mi, se);
    const back = new Date(t);
    // a malformed date (month 13, day 32) is not silently rolled over
    if (back.getUTCMonth() === mo - 1 && back.getUTCDate() === d && h < 24 && mi < 60 && se < 60)
      s.wallClock = t;
    return;
  }
  if (SECTION_END.test(line)) return;
  PUBLISHED.forEach((re, strength) => {
    const m = re.exec(line);
    if (m && (s.published === null || strength < s.published.strength))
      s.published = { strength, name: m[1].toLowerCase() };
  });
  if (s.published === null) {
    const any = OEM_INF.exec(line);
    if (any) s.published = { strength: PUBLISHED.length, name: any[1].toLowerCase() };
  }
  const store = DRIVER_STORE.exec(line);
  if (store && s.driverStoreInf === null) s.driverStoreInf = store[1];
  if (s.otherInf === null) {
    const inf = INF_PATH.exec(line);
    if (inf && !isOem(inf[1]) && !/_[a-z0-9]+_[0-9a-f]{16}$/i.test(inf[1])) s.otherInf = inf[1];
  }
  const copy = COPYING.exec(line) ?? COPY_FILE.exec(line);
  if (copy) {
    const file = baseName(copy[2] ?? copy[1]);
    if (file && !s.files.some((f) => f.toLowerCase() === file.toLowerCase())) s.files.push(file);
  }
}

function finish(s: OpenSection, tz: TimeZoneFacts | null | undefined): DriverInstallFacts | null {
  if (s.wallClock === null || REMOVAL.test(s.subject)) return null;
  const published = s.published?.name ?? null;
  if (published === null && s.files.length === 0) return null;
  const subjectInf = INF_PATH.exec(`\\${s.subject}`);
  const subjectOriginal = subjectInf && !isOem(subjectInf[1]) ? subjectInf[1] : null;
  const { utc } = localToUtc(s.wallClock, tz);
  return {
    timeUtc: new Date(utc).toISOString().replace(/\.\d{3}Z$/, "Z"),
    subject: s.subject,
    publishedInf: published,
    originalInf: s.driverStoreInf ?? subjectOriginal ?? s.otherInf,
    files: s.files,
    exitStatus: s.exitStatus,
  };
}

export interface SetupApiParseOptions {
  /**
   * The text starts somewhere inside the file (collect shipped only its tail): everything before the
   * first line break is a partial line and is ignored.
   */
  truncated?: boolean;
}

/**
 * The driver-package sections of setupapi.dev.log text, oldest first. A section counts when it has
 * a readable `Section start` time and names a published INF (oemNN.inf) or copied files; the
 * published INF is taken from the line that states it (`Published Inf Path`, `already imported as`,
 * `Inf Name - ...`), else from the first oemNN.inf the section mentions. The original INF comes from
 * the DriverStore folder name, else from an INF path in the section header, else from the first INF
 * path in the section. A section cut off by the end of the text (no exit status) is kept with
 * `exitStatus: null`; lines before the first section header (a partial section at the start of a
 * tail) are ignored.
 */
export function parseSetupApiLog(
  text: string,
  tz: TimeZoneFacts | null | undefined,
  options: SetupApiParseOptions = {},
): DriverInstallFacts[] {
  let body = text.replace(/^\uFEFF/, "");
  if (options.truncated) {
    const nl = body.indexOf("\n");
    body = nl < 0 ? "" : body.slice(nl + 1);
  }
  const out: DriverInstallFacts[] = [];
  let current: OpenSection | null = null;
  const close = () => {
    if (current) {
      const f = finish(current, tz);
      if (f) out.push(f);
    }
    current = null;
  };
  for (const raw of body.split(/\r?\n|\r/)) {
    const line = raw.replace(/\u0000/g, "");
    const header = HEADER.exec(line);
    if (header) {
      close();
      current = {
        subject: header[1].trim(),
        wallClock: null,
        published: null,
        driverStoreInf: null,
        otherInf: null,
        files: [],
        exitStatus: null,
      };
      continue;
    }
    if (current === null) continue;
    readLine(current, line);
    if ((current as OpenSection).exitStatus !== null) close();
  }
  close();
  return out;
}

/**
 * The `driverInstalls` of a collect document: parsed from `setupApiLog` with `timeZone` when the
 * script shipped the log (collect.ps1 1.1 and later; an absent log gives none); a document without
 * `setupApiLog` (collect.ps1 1.0) keeps the `driverInstalls` it carries.
 */
export function driverInstallsOf(
  doc: Pick<CollectOutput, "setupApiLog" | "timeZone"> & { driverInstalls?: DriverInstallFacts[] },
): DriverInstallFacts[] {
  if (doc.setupApiLog === undefined) return doc.driverInstalls ?? [];
  const log: SetupApiLogFacts | null = doc.setupApiLog;
  if (log === null) return [];
  return parseSetupApiLog(log.text, doc.timeZone ?? null, { truncated: log.offset > 0 });
}
