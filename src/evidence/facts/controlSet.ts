/**
 * The facts of the chosen control set beyond services and CrashControl, read with the hive reader
 * as collect.ps1 reads them with reg.exe: the time zone setupapi.dev.log was written in, the device
 * class filters, the ACPI devices, pending file renames and the processor architecture.
 */
import type { ClassFilterFacts, TimeZoneFacts } from "../../collect/contract";
import { isFormatError } from "../formatError";
import type { Hive } from "../hive/hive";
import type { HiveKey, HiveValue } from "../hive/key";
import { pointer, type FactLog } from "./types";

export interface ControlSetExtras {
  timeZone: TimeZoneFacts | null;
  classFilters: ClassFilterFacts[];
  acpiEnum: string[] | null;
  pendingFileRenames: boolean;
  /** `x64`, `x86`, `arm64` (or the stored name lower-cased); null when unknown. */
  architecture: string | null;
}

const ARCHITECTURES: Readonly<Record<string, string>> = {
  amd64: "x64",
  arm64: "arm64",
  x86: "x86",
};

/** Runs one read; a FormatError becomes a problems line and the fallback. */
function guarded<T>(step: string, log: FactLog, fallback: T, read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (!isFormatError(e)) throw e;
    log.problem(step, e.message);
    return fallback;
  }
}

export function readControlSetExtras(
  hive: Hive,
  setName: string,
  file: string,
  log: FactLog,
): ControlSetExtras {
  const control = (path: string) => hive.key(`${setName}\\Control\\${path}`);
  const cite = (fact: string, key: HiveKey, value?: HiveValue) =>
    log.cite(fact, { file, key: key.path, ...(value && { value: value.name }) });
  return {
    timeZone: guarded("timeZone", log, null, () => {
      const key = control("TimeZoneInformation");
      return key === undefined ? null : timeZone(key, cite, log);
    }),
    classFilters: guarded("classFilters", log, [], () => {
      const key = control("Class");
      return key === undefined ? [] : classFilters(key, cite);
    }),
    acpiEnum: guarded("acpiEnum", log, null, () => {
      const key = hive.key(`${setName}\\Enum\\ACPI`);
      if (key === undefined) return null;
      cite(pointer("acpiEnum"), key);
      return key.subkeys().map((k) => k.name);
    }),
    pendingFileRenames: guarded("pendingUpdates", log, false, () => {
      const key = control("Session Manager");
      const value = key?.value("PendingFileRenameOperations");
      if (key !== undefined) cite(pointer("pendingUpdates", "pendingFileRenames"), key, value);
      return value !== undefined;
    }),
    architecture: guarded("os", log, null, () => {
      const key = control("Session Manager\\Environment");
      const value = key?.value("PROCESSOR_ARCHITECTURE");
      if (key === undefined || typeof value?.data !== "string" || value.data === "") return null;
      cite(pointer("os", "architecture"), key, value);
      const stored = value.data.trim().toLowerCase();
      return ARCHITECTURES[stored] ?? stored;
    }),
  };
}

type Cite = (fact: string, key: HiveKey, value?: HiveValue) => void;

/** A REG_DWORD as Windows' signed LONG (a bias of -60 is stored as 0xffffffc4). */
function signed(value: HiveValue | undefined): number | null {
  return typeof value?.data === "number" ? value.data | 0 : null;
}

function timeZone(key: HiveKey, cite: Cite, log: FactLog): TimeZoneFacts {
  const read = (field: keyof TimeZoneFacts, name: string) => {
    const value = key.value(name);
    if (value !== undefined) cite(pointer("timeZone", field), key, value);
    return value;
  };
  const bias = (field: keyof TimeZoneFacts, name: string): number | null => {
    const n = signed(read(field, name));
    if (n === null || Math.abs(n) <= 1440) return n;
    log.problem("timeZone", `${key.path}\\${name} is ${n} minutes, more than a day: read as null`);
    return null;
  };
  const systemTime = (field: keyof TimeZoneFacts, name: string): string | null => {
    const value = read(field, name);
    if (value === undefined) return null;
    if (value.raw.length === 16) return value.raw.toString("hex").toUpperCase();
    log.problem("timeZone", `${key.path}\\${name} is ${value.raw.length} bytes, not a SYSTEMTIME`);
    return null;
  };
  const name = read("keyName", "TimeZoneKeyName")?.data;
  return {
    keyName: typeof name === "string" ? name.replace(/\u0000+$/, "") : null,
    bias: bias("bias", "Bias"),
    standardBias: bias("standardBias", "StandardBias"),
    daylightBias: bias("daylightBias", "DaylightBias"),
    standardStart: systemTime("standardStart", "StandardStart"),
    daylightStart: systemTime("daylightStart", "DaylightStart"),
    activeTimeBias: bias("activeTimeBias", "ActiveTimeBias"),
    dynamicDaylightTimeDisabled: signed(
      read("dynamicDaylightTimeDisabled", "DynamicDaylightTimeDisabled"),
    ),
  };
}

function classFilters(classKey: HiveKey, cite: Cite): ClassFilterFacts[] {
  const out: ClassFilterFacts[] = [];
  for (const key of classKey.subkeys()) {
    const upper = key.value("UpperFilters");
    const lower = key.value("LowerFilters");
    if (upper === undefined && lower === undefined) continue;
    const className = key.value("Class");
    const at = (field: string) => pointer("classFilters", out.length, field);
    cite(at("classGuid"), key);
    if (className !== undefined) cite(at("className"), key, className);
    if (upper !== undefined) cite(at("upperFilters"), key, upper);
    if (lower !== undefined) cite(at("lowerFilters"), key, lower);
    out.push({
      classGuid: key.name,
      className: typeof className?.data === "string" ? className.data : null,
      upperFilters: names(upper),
      lowerFilters: names(lower),
    });
  }
  return out;
}

/** A filter list: REG_MULTI_SZ as Windows writes it, a lone REG_SZ as some installers do. */
function names(value: HiveValue | undefined): string[] {
  const data = value?.data;
  const list = Array.isArray(data) ? data : typeof data === "string" ? [data] : [];
  return list.filter((s) => s !== "");
}
