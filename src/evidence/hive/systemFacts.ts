/**
 * What a SYSTEM hive says about the next boot: which control set it uses, every service and
 * driver of that set with the values that decide whether and how it loads, and the crash-dump
 * settings. Each fact cites the hive file, key and value, so a report can say where it read it.
 */
import { FormatError } from "../formatError";
import { Citation, Fact, JsonData, factOf, jsonData, valuesByName } from "./facts";
import { Hive } from "./hive";
import { visible } from "./errors";
import { HiveKey, HiveValue } from "./key";
import { ReplaySource } from "./replay";

export interface SelectFacts {
  /** The control set the next boot uses (the boot loader reads `Select\Default`). */
  readonly default?: Fact<number>;
  readonly current?: Fact<number>;
  readonly failed?: Fact<number>;
  readonly lastKnownGood?: Fact<number>;
}

export interface ServiceFacts {
  /** The service key's name exactly as stored (".NET CLR Data", names with spaces or dots). */
  readonly name: string;
  /** Path of the service key below the root, e.g. `ControlSet001\Services\storahci`. */
  readonly key: string;
  readonly start?: Fact<number>;
  readonly type?: Fact<number>;
  readonly errorControl?: Fact<number>;
  readonly group?: Fact<string>;
  /** As stored, not expanded: `System32\drivers\x.sys` or `\SystemRoot\...`, with its REG type. */
  readonly imagePath?: Fact<string>;
  readonly displayName?: Fact<string>;
  readonly owners?: Fact<string[]>;
  /** Values of the `StartOverride` subkey (Windows 10 per-profile start overrides), if present. */
  readonly startOverride?: readonly Fact<JsonData>[];
}

export interface CrashControlFacts {
  readonly key: string;
  readonly crashDumpEnabled?: Fact<number>;
  /** Every value of the key, each with its citation. */
  readonly values: readonly Fact<JsonData>[];
}

export interface SystemFacts {
  readonly file: string;
  /** How the hive was read: dirty primary, logs replayed, warnings from opening it. */
  readonly hive: {
    readonly dirty: boolean;
    readonly replayed: ReplaySource;
    readonly warnings: readonly string[];
  };
  readonly select: SelectFacts;
  /** `ControlSet001` for the number the next boot uses, with the citation of that choice. */
  readonly controlSet: {
    readonly name: string;
    readonly number: number;
    readonly citation: Citation;
  };
  /** False when the chosen control set has no key in the hive. */
  readonly controlSetPresent: boolean;
  readonly services: readonly ServiceFacts[];
  readonly crashControl: CrashControlFacts | "absent";
  readonly warnings: readonly string[];
}

/** Start values as the service control manager names them. */
export const START_NAMES: Readonly<Record<number, string>> = {
  0: "Boot",
  1: "System",
  2: "Automatic",
  3: "Manual",
  4: "Disabled",
};

/** `ControlSet001` for 1, as Windows names control set keys. */
export function controlSetName(n: number): string {
  return `ControlSet${String(n).padStart(3, "0")}`;
}

/**
 * Reads the facts of a SYSTEM hive. Throws FormatError (code `system-no-select`) when the hive
 * has no `Select` key, i.e. it is not a SYSTEM hive; a missing control set or CrashControl key is
 * reported in the result, not thrown.
 */
export function systemFacts(hive: Hive, source: { file: string }): SystemFacts {
  const file = source.file;
  const warnings: string[] = [];
  const select = hive.key("Select");
  if (select === undefined) {
    const detail = "no Select key at the root (not a SYSTEM hive?)";
    throw new FormatError("system-no-select", `SYSTEM hive ${visible(file)}: ${detail}`);
  }
  const selectValue = valuesByName(select.values());
  const cite = (name: string): Citation => ({ file, key: select.path, value: name });
  const facts: SelectFacts = {
    default: factOf<number>(selectValue("Default"), "number", cite("Default")),
    current: factOf<number>(selectValue("Current"), "number", cite("Current")),
    failed: factOf<number>(selectValue("Failed"), "number", cite("Failed")),
    lastKnownGood: factOf<number>(selectValue("LastKnownGood"), "number", cite("LastKnownGood")),
  };
  let chosen = facts.default;
  if (chosen?.value === undefined) {
    warnings.push("Select\\Default is missing or not a REG_DWORD; using Select\\Current");
    chosen = facts.current;
  }
  const number = chosen?.value;
  if (number === undefined || number < 1 || number > 999) {
    throw new FormatError(
      "system-no-control-set",
      `SYSTEM hive ${visible(file)}: Select\\Default and Select\\Current name no control set`,
    );
  }
  const name = controlSetName(number);
  const set = hive.root.subkey(name);
  if (set === undefined) warnings.push(`the control set the next boot uses (${name}) is absent`);
  return {
    file,
    hive: { dirty: hive.dirty, replayed: hive.replayed, warnings: hive.warnings },
    select: facts,
    controlSet: { name, number, citation: chosen?.citation ?? cite("Default") },
    controlSetPresent: set !== undefined,
    services: set === undefined ? [] : readServices(set, file),
    crashControl: set === undefined ? "absent" : readCrashControl(set, file),
    warnings,
  };
}

function readServices(set: HiveKey, file: string): ServiceFacts[] {
  const services = set.subkey("Services");
  if (services === undefined) return [];
  return services.subkeys().map((key) => readService(key, file));
}

function readService(key: HiveKey, file: string): ServiceFacts {
  const value = valuesByName(key.values());
  const cite = (name: string): Citation => ({ file, key: key.path, value: name });
  const fact = <T>(name: string, expect: "number" | "string" | "strings"): Fact<T> | undefined =>
    factOf<T>(value(name), expect, cite(name));
  const override = key.subkey("StartOverride");
  return {
    name: key.name,
    key: key.path,
    start: fact("Start", "number"),
    type: fact("Type", "number"),
    errorControl: fact("ErrorControl", "number"),
    group: fact("Group", "string"),
    imagePath: fact("ImagePath", "string"),
    displayName: fact("DisplayName", "string"),
    owners: fact("Owners", "strings"),
    startOverride: override && allValues(override, override.values(), file),
  };
}

function allValues(key: HiveKey, values: readonly HiveValue[], file: string): Fact<JsonData>[] {
  return values.map((v) => ({
    value: jsonData(v.data),
    regType: v.typeName,
    citation: { file, key: key.path, value: v.name },
  }));
}

function readCrashControl(set: HiveKey, file: string): CrashControlFacts | "absent" {
  const key = set.subkey("Control")?.subkey("CrashControl");
  if (key === undefined) return "absent";
  const values = key.values();
  const value = valuesByName(values);
  return {
    key: key.path,
    crashDumpEnabled: factOf<number>(value("CrashDumpEnabled"), "number", {
      file,
      key: key.path,
      value: "CrashDumpEnabled",
    }),
    values: allValues(key, values, file),
  };
}
