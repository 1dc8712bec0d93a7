/**
 * A key as plain data for `vm-rescue hive FILE --key PATH [--json]`: its subkeys and typed values
 * as a JSON-able object, and a text rendering of it in which nothing from the hive can reach the
 * terminal raw (control characters and bidi overrides are shown as visible escapes).
 */
import { printable } from "../printable";
import { JsonData, jsonData } from "./facts";
import { Hive } from "./hive";

export interface KeyDescription {
  /** Path below the root ("" for the root). */
  readonly path: string;
  readonly name: string;
  readonly lastWritten: string;
  readonly className?: string;
  readonly subkeys: readonly {
    readonly name: string;
    readonly lastWritten: string;
    readonly subkeys: number;
    readonly values: number;
  }[];
  readonly values: readonly {
    readonly name: string;
    readonly type: number;
    readonly typeName: string;
    readonly size: number;
    readonly data: JsonData;
  }[];
  /** Warnings from opening the hive (dirty, logs replayed or not). */
  readonly warnings: readonly string[];
}

/** The key at `path` as plain data, or undefined when there is no such key. */
export function describeKey(hive: Hive, path: string): KeyDescription | undefined {
  const key = hive.key(path);
  if (key === undefined) return undefined;
  const className = key.className;
  return {
    path: key.path,
    name: key.name,
    lastWritten: isoDate(key.lastWritten),
    ...(className === undefined ? {} : { className }),
    subkeys: key.subkeys().map((sub) => ({
      name: sub.name,
      lastWritten: isoDate(sub.lastWritten),
      subkeys: sub.subkeyCount,
      values: sub.valueCount,
    })),
    values: key.values().map((value) => ({
      name: value.name,
      type: value.type,
      typeName: value.typeName,
      size: value.raw.length,
      data: jsonData(value.data),
    })),
    warnings: hive.warnings,
  };
}

/** A FILETIME far outside the Date range would make toISOString throw. */
function isoDate(date: Date): string {
  return Number.isNaN(date.getTime()) ? "invalid" : date.toISOString();
}

/** Text from the hive with every unsafe character made visible (`\x1b`, `\u202e`). */
export const escapeText = printable;

/** Bytes shown in text output before the rest is summarised. */
const MAX_HEX_BYTES = 64;

function formatData(data: JsonData): string {
  if (typeof data === "number") return `${data} (0x${data.toString(16)})`;
  if (typeof data === "string") return `"${escapeText(data)}"`;
  if (Array.isArray(data)) return `[${data.map((s) => `"${escapeText(s)}"`).join(", ")}]`;
  const bytes = data.hex.match(/../g) ?? [];
  const shown = bytes.slice(0, MAX_HEX_BYTES).join(" ");
  return bytes.length > MAX_HEX_BYTES ? `${shown} … (${bytes.length} bytes)` : shown || "(empty)";
}

/** The description as text: a header, the subkeys, then the values with type and data. */
export function formatKey(description: KeyDescription): string {
  const lines = [
    `Key: \\${escapeText(description.path)}`,
    `Last written: ${description.lastWritten}`,
  ];
  if (description.className !== undefined) {
    lines.push(`Class: "${escapeText(description.className)}"`);
  }
  for (const warning of description.warnings) lines.push(`Warning: ${escapeText(warning)}`);
  lines.push(`Subkeys (${description.subkeys.length}):`);
  for (const sub of description.subkeys) {
    lines.push(`  ${escapeText(sub.name)}  (${sub.subkeys} subkeys, ${sub.values} values)`);
  }
  lines.push(`Values (${description.values.length}):`);
  for (const value of description.values) {
    const name = value.name === "" ? "(default)" : `"${escapeText(value.name)}"`;
    lines.push(`  ${name}  ${value.typeName}  ${formatData(value.data)}`);
  }
  return `${lines.join("\n")}\n`;
}
