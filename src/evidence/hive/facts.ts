/**
 * The shapes shared by everything that reports what a hive says: a citation a report can print
 * ("SYSTEM, key ControlSet001\Services\storahci, value ImagePath"), a fact that carries one, and
 * value data made JSON-able (64-bit numbers become decimal strings, bytes become hex).
 */
import { ValueData } from "./decode";
import { HiveValue } from "./key";
import { upcaseName } from "./names";

/** Where a fact was read: the hive file, the key path below the root, and the value's name. */
export interface Citation {
  readonly file: string;
  readonly key: string;
  /** The value's name ("" for the default value); absent when the fact is about the key. */
  readonly value?: string;
}

/** One value read from a hive, decoded, with its registry type and where it came from. */
export interface Fact<T> {
  /** The decoded value; undefined when the value exists but is not of the expected type. */
  readonly value: T | undefined;
  /** REG_DWORD, REG_EXPAND_SZ... as stored. */
  readonly regType: string;
  readonly citation: Citation;
  /** Set when the stored type or size is not what Windows reads this value as. */
  readonly problem?: string;
}

/** Value data in a JSON-able form. */
export type JsonData = string | string[] | number | { readonly hex: string };

export function jsonData(data: ValueData): JsonData {
  if (Buffer.isBuffer(data)) return { hex: data.toString("hex") };
  if (typeof data === "bigint") return data.toString();
  return data;
}

/** What a fact reader expects a value to decode to. */
export type Expect = "number" | "string" | "strings";

function matches(data: ValueData, expect: Expect): boolean {
  if (expect === "number") return typeof data === "number";
  if (expect === "string") return typeof data === "string";
  return Array.isArray(data);
}

const EXPECTED_TYPES: Record<Expect, string> = {
  number: "REG_DWORD",
  string: "REG_SZ or REG_EXPAND_SZ",
  strings: "REG_MULTI_SZ",
};

/**
 * A fact from a value, when the value exists. A value of an unexpected type keeps its registry
 * type and a `problem` instead of a value, so a report shows what is wrong rather than a guess.
 */
export function factOf<T>(
  value: HiveValue | undefined,
  expect: Expect,
  citation: Citation,
): Fact<T> | undefined {
  if (value === undefined) return undefined;
  if (matches(value.data, expect)) {
    return { value: value.data as T, regType: value.typeName, citation };
  }
  const size = value.raw.length;
  return {
    value: undefined,
    regType: value.typeName,
    citation,
    problem: `${value.typeName} of ${size} bytes where Windows reads ${EXPECTED_TYPES[expect]}`,
  };
}

/**
 * A key's values by name, compared as Windows compares them (ignoring case); the first of two
 * values with the same name wins, as a lookup by name in Windows finds the first.
 */
export function valuesByName(
  values: readonly HiveValue[],
): (name: string) => HiveValue | undefined {
  const byName = new Map<string, HiveValue>();
  for (const value of values) {
    const key = upcaseName(value.name);
    if (!byName.has(key)) byName.set(key, value);
  }
  return (name) => byName.get(upcaseName(name));
}
