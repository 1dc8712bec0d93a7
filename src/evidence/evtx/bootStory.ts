/**
 * The boot story: the few System-log events that tell why a Windows VM does not come up, as typed
 * facts for the planner. A bug check (1001) names the stop code and the dump Windows meant to
 * write, even when that dump never reached the disk; Kernel-Power 41 and EventLog 6008 mark resets
 * without a clean shutdown; Service Control Manager 7026/7000/7001/7023 name boot drivers and
 * services that failed; UserPnp 20001/20003 show drivers installed shortly before, the usual
 * suspect. 6005/6006 (event log started/stopped) bound the boots.
 *
 * Each event id is read only from the provider that defines it (Winlogon also logs a 7001, a
 * logon notification, which is not a service failure). Values stay strings as logged; numbers are
 * parsed alongside when the text is a plain decimal, 0x-hex or `%%N` message insert.
 */
import { EvtxRecord } from "./record";
import { formatValue, ValueType } from "./values";
import { isoToMillis } from "./timeFormat";

interface FactBase {
  recordId: number;
  /** When the event was created (System/TimeCreated), ISO 8601 UTC. */
  time: string;
  eventId: number;
  /**
   * Which boot logged it: the number of 6005 (event log started) records up to and including
   * this one (0 before the first the log kept). Facts with the same `boot` were logged during the
   * same boot; 41, 6008 and 1001 are logged after the restart they report, in the next boot.
   */
  boot: number;
}

export type BootFact = FactBase &
  (
    | {
        kind: "bugcheck";
        /** The stop code (e.g. 0x7B), when the message starts with one. */
        code?: number;
        parameters: string[];
        /** Where Windows wrote (or meant to write) the dump, whether or not it survived. */
        dumpPath?: string;
        /** Report id; equals the minidump's file-name stem (MMDDYY-NNNNN-NN). */
        reportId?: string;
        /** The bug check text as logged ("0x0000007e (0x…, 0x…, 0x…, 0x…)"). */
        message: string;
      }
    | {
        kind: "unexpected-reboot";
        /** BugcheckCode of Kernel-Power 41 (0: none recorded, e.g. a power loss or a hang). */
        bugcheckCode?: number;
        bugcheckParameters: string[];
      }
    | {
        kind: "unexpected-shutdown";
        /** The previous shutdown's time and date as the message inserts show them (local). */
        shutdownTime?: string;
        shutdownDate?: string;
        /** The binary data's first SYSTEMTIME: the shutdown in the machine's local time. */
        shutdownLocal?: string;
        /** The binary data's second SYSTEMTIME: the same moment in UTC. */
        shutdownUtc?: string;
      }
    | { kind: "boot-drivers-failed"; drivers: string[] }
    | { kind: "service-start-failed"; service: string; error: string; errorCode?: number }
    | {
        kind: "service-dependency-failed";
        service: string;
        dependency: string;
        error: string;
        errorCode?: number;
      }
    | { kind: "service-terminated"; service: string; error: string; errorCode?: number }
    | {
        kind: "driver-installed";
        deviceInstanceId: string;
        /** DriverName as logged: `<package folder>\<inf>`. */
        driverName: string;
        /** The .inf file name from DriverName. */
        inf: string;
        driverVersion?: string;
        driverProvider?: string;
        description?: string;
        status: string;
        statusCode?: number;
      }
    | {
        kind: "driver-service-added";
        deviceInstanceId: string;
        service: string;
        driverFile?: string;
        status: string;
        statusCode?: number;
      }
    | { kind: "log-started" }
    | { kind: "log-stopped" }
  );

export type BootFactKind = BootFact["kind"];

/** A fact without its common fields (Omit distributed over the union's members). */
type FactDetail = BootFact extends infer F
  ? F extends unknown
    ? Omit<F, keyof FactBase>
    : never
  : never;

/** Which provider defines each event id of the story (compared case-insensitively). */
export const BOOT_STORY_SOURCES: Readonly<Record<number, string>> = {
  1001: "Microsoft-Windows-WER-SystemErrorReporting",
  41: "Microsoft-Windows-Kernel-Power",
  6008: "EventLog",
  7026: "Service Control Manager",
  7000: "Service Control Manager",
  7001: "Service Control Manager",
  7023: "Service Control Manager",
  20001: "Microsoft-Windows-UserPnp",
  20003: "Microsoft-Windows-UserPnp",
  6005: "EventLog",
  6006: "EventLog",
};

export const BOOT_STORY_EVENT_IDS: readonly number[] = Object.keys(BOOT_STORY_SOURCES).map(Number);

export interface BootStoryOptions {
  /** Only facts created at or after this time. */
  since?: Date;
  /** Only these event ids (of the story's). */
  ids?: number[];
}

/** A data item by name (current providers) or by position (classic events keep them unnamed). */
function field(r: EvtxRecord, name: string, index: number): string | undefined {
  if (Array.isArray(r.data)) return r.data[index];
  return Object.prototype.hasOwnProperty.call(r.data, name) ? r.data[name] : undefined;
}

/** A status or error insert as a number: decimal, 0x-hex, or a `%%N` message reference. */
export function parseCode(text: string | undefined): number | undefined {
  const t = text?.trim() ?? "";
  if (/^0x[0-9a-f]{1,16}$/i.test(t)) return Number.parseInt(t, 16);
  const m = /^(?:%%)?(\d{1,20})$/.exec(t);
  return m ? Number(m[1]) : undefined;
}

function bugcheck(r: EvtxRecord) {
  const message = field(r, "param1", 0) ?? "";
  const m = /^\s*(0x[0-9a-f]{1,16})\s*\(([^)]*)\)/i.exec(message);
  return {
    kind: "bugcheck" as const,
    ...(m && { code: Number.parseInt(m[1], 16) }),
    parameters: m ? m[2].split(",").map((p) => p.trim()) : [],
    ...optional("dumpPath", field(r, "param2", 1)),
    ...optional("reportId", field(r, "param3", 2)),
    message,
  };
}

function optional<K extends string>(key: K, value: string | undefined) {
  return (value === undefined || value === "" ? {} : { [key]: value }) as Partial<
    Record<K, string>
  >;
}

/**
 * 6008's binary data starts with two SYSTEMTIMEs, local then UTC (on a real Windows 7 log the
 * first matches the "9:59:13 AM" insert and the second is four hours later, the zone's offset).
 */
function shutdownTimes(binaryHex: string | undefined) {
  const hex = binaryHex ?? "";
  const bytes = Buffer.from(/^[0-9A-Fa-f]*$/.test(hex) ? hex : "", "hex");
  if (bytes.length < 32) return {};
  return {
    shutdownLocal: formatValue(ValueType.SystemTime, bytes.subarray(0, 16)),
    shutdownUtc: formatValue(ValueType.SystemTime, bytes.subarray(16, 32)),
  };
}

const errorOf = (text: string | undefined) => ({
  error: text ?? "",
  ...(parseCode(text) !== undefined && { errorCode: parseCode(text) }),
});

const statusOf = (text: string | undefined) => ({
  status: text ?? "",
  ...(parseCode(text) !== undefined && { statusCode: parseCode(text) }),
});

/** The fact-specific part for a record of the story, or undefined for any other record. */
function factOf(r: EvtxRecord): FactDetail | undefined {
  const source = BOOT_STORY_SOURCES[r.eventId];
  if (source === undefined || r.provider.toLowerCase() !== source.toLowerCase()) return undefined;
  const get = (name: string, index = 0) => field(r, name, index);
  switch (r.eventId) {
    case 1001:
      return bugcheck(r);
    case 41: {
      const code = parseCode(get("BugcheckCode"));
      const params = [1, 2, 3, 4].map((i) => get(`BugcheckParameter${i}`));
      return {
        kind: "unexpected-reboot",
        ...(code !== undefined && { bugcheckCode: code }),
        bugcheckParameters: params.filter((p): p is string => p !== undefined),
      };
    }
    case 6008:
      return {
        kind: "unexpected-shutdown",
        ...optional("shutdownTime", get("param1", 0)),
        ...optional("shutdownDate", get("param2", 1)),
        ...shutdownTimes(r.binary),
      };
    case 7026: {
      const list = get("param1") ?? "";
      const drivers = list.split(/\r?\n/).map((d) => d.trim());
      return { kind: "boot-drivers-failed", drivers: drivers.filter((d) => d !== "") };
    }
    case 7000:
      return {
        kind: "service-start-failed",
        service: get("param1") ?? "",
        ...errorOf(get("param2", 1)),
      };
    case 7001:
      return {
        kind: "service-dependency-failed",
        service: get("param1") ?? "",
        dependency: get("param2", 1) ?? "",
        ...errorOf(get("param3", 2)),
      };
    case 7023:
      return {
        kind: "service-terminated",
        service: get("param1") ?? "",
        ...errorOf(get("param2", 1)),
      };
    case 20001: {
      const driverName = get("DriverName") ?? "";
      return {
        kind: "driver-installed",
        deviceInstanceId: get("DeviceInstanceID", 3) ?? "",
        driverName,
        inf: driverName.slice(driverName.lastIndexOf("\\") + 1),
        ...optional("driverVersion", get("DriverVersion", 1)),
        ...optional("driverProvider", get("DriverProvider", 2)),
        ...optional("description", get("DriverDescription", 9)),
        ...statusOf(get("InstallStatus", 8)),
      };
    }
    case 20003:
      return {
        kind: "driver-service-added",
        deviceInstanceId: get("DeviceInstanceID", 2) ?? "",
        service: get("ServiceName") ?? "",
        ...optional("driverFile", get("DriverFileName", 1)),
        ...statusOf(get("AddServiceStatus", 5)),
      };
    case 6005:
      return { kind: "log-started" };
    case 6006:
      return { kind: "log-stopped" };
  }
  return undefined;
}

/**
 * The facts of the story in record order. Boot numbers are counted over all `records` before
 * the `since`/`ids` filters apply, so they stay comparable across filtered calls.
 */
export function bootStory(records: readonly EvtxRecord[], opts: BootStoryOptions = {}): BootFact[] {
  const ids = opts.ids?.length ? new Set(opts.ids) : undefined;
  const since = opts.since?.getTime();
  if (since !== undefined && Number.isNaN(since)) throw new RangeError("bootStory: invalid since");
  const ordered = [...records].sort((a, b) => a.recordId - b.recordId);
  const facts: BootFact[] = [];
  let boot = 0;
  for (const r of ordered) {
    const specific = factOf(r);
    if (specific?.kind === "log-started") boot++;
    if (!specific || (ids && !ids.has(r.eventId))) continue;
    if (since !== undefined && !(isoToMillis(r.timeCreated) >= since)) continue;
    const base: FactBase = { recordId: r.recordId, time: r.timeCreated, eventId: r.eventId, boot };
    facts.push({ ...base, ...specific } as BootFact);
  }
  return facts;
}
