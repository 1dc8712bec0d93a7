/**
 * The independent oracle for the hive reader: `hivexregedit --export <hive> '\'` (Debian's hivex,
 * which reads the primary file and ignores logs) writes every key and value as .reg text, with
 * each value's type and raw bytes as `hex(N):` (or `dword:` for 4-byte REG_DWORD). This parses
 * that text once per hive into key path -> values.
 */
import { execFile, execFileSync } from "child_process";

export interface ExportedValue {
  readonly name: string;
  readonly type: number;
  readonly bytes: Buffer;
}

/** Key path below the root ("" for the root, `ControlSet001\Control`) -> its values. */
export type ExportedHive = Map<string, ExportedValue[]>;

export function hivexExport(file: string): ExportedHive {
  const text = execFileSync("hivexregedit", ["--export", file, "\\"], {
    maxBuffer: 512 * 1024 * 1024,
    encoding: "utf8",
  });
  return parseRegExport(text);
}

/**
 * The same export, run in the background: the test walks the hive with the reader while hivex,
 * a separate process, exports it, so the two take the time of the slower one.
 */
export function hivexExportAsync(file: string): Promise<ExportedHive> {
  return new Promise((resolve, reject) => {
    const options = { maxBuffer: 512 * 1024 * 1024, encoding: "utf8" as const };
    execFile("hivexregedit", ["--export", file, "\\"], options, (error, stdout) => {
      if (error) reject(error);
      else resolve(parseRegExport(stdout));
    });
  });
}

export function parseRegExport(text: string): ExportedHive {
  const keys: ExportedHive = new Map();
  let current: ExportedValue[] | undefined;
  for (const line of text.split("\n")) {
    if (line.startsWith("[") && line.endsWith("]")) {
      current = [];
      keys.set(line.slice(1, -1).replace(/^\\/, ""), current);
    } else if (line.startsWith("@=") || line.startsWith('"')) {
      if (current === undefined) throw new Error(`value before any key: ${line.slice(0, 80)}`);
      current.push(parseValueLine(line));
    }
  }
  return keys;
}

function parseValueLine(line: string): ExportedValue {
  let name = "";
  let i: number;
  if (line.startsWith("@=")) {
    i = 2;
  } else {
    i = 1;
    while (line[i] !== '"') {
      if (i >= line.length) throw new Error(`unterminated value name: ${line.slice(0, 80)}`);
      if (line[i] === "\\") i += 1;
      name += line[i];
      i += 1;
    }
    if (line[i + 1] !== "=") throw new Error(`no '=' after value name: ${line.slice(0, 80)}`);
    i += 2;
  }
  const rest = line.slice(i);
  const dword = /^dword:([0-9a-f]{8})$/.exec(rest);
  if (dword) {
    const bytes = Buffer.alloc(4);
    bytes.writeUInt32LE(parseInt(dword[1], 16));
    return { name, type: 4, bytes };
  }
  const hex = /^hex\(([0-9a-f]+)\):(.*)$/.exec(rest);
  if (!hex) throw new Error(`unexpected value data: ${rest.slice(0, 80)}`);
  const digits = hex[2].replace(/,/g, "");
  return { name, type: parseInt(hex[1], 16), bytes: Buffer.from(digits, "hex") };
}

/** What a comparison of the reader's walk with hivex's export found. */
export interface Comparison {
  readonly keys: number;
  readonly values: number;
  /** The first differences, as readable lines (empty when both agree on everything). */
  readonly mismatches: string[];
}

/** One value as `name | type | hex bytes`, for messages. */
function valueLine(name: string, type: number, bytes: Buffer): string {
  return `${JSON.stringify(name)} | ${type} | ${bytes.toString("hex")}`;
}

type Comparable = { name: string; type: number; bytes: Buffer };

const byName = (a: Comparable, b: Comparable): number =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : a.type - b.type || Buffer.compare(a.bytes, b.bytes);

function sameValues(ours: Comparable[], theirs: Comparable[]): boolean {
  if (ours.length !== theirs.length) return false;
  const a = [...ours].sort(byName);
  const b = [...theirs].sort(byName);
  return a.every((v, i) => {
    const w = b[i];
    return v.name === w.name && v.type === w.type && v.bytes.equals(w.bytes);
  });
}

/**
 * Compares every key path and, for each, every value's name, type and raw bytes. `walk` yields
 * the reader's keys with their values; keys only one side has are reported too.
 */
export function compareWithExport(
  walk: Iterable<{ path: string; values: { name: string; type: number; raw: Buffer }[] }>,
  exported: ExportedHive,
  maxMismatches = 10,
): Comparison {
  const mismatches: string[] = [];
  const note = (line: string): void => {
    if (mismatches.length < maxMismatches) mismatches.push(line);
  };
  const unseen = new Set(exported.keys());
  let keys = 0;
  let values = 0;
  for (const key of walk) {
    keys += 1;
    values += key.values.length;
    const theirs = exported.get(key.path);
    if (theirs === undefined) {
      note(`key only in the reader: ${JSON.stringify(key.path)}`);
      continue;
    }
    unseen.delete(key.path);
    const ours = key.values.map((v) => ({ name: v.name, type: v.type, bytes: v.raw }));
    if (!sameValues(ours, theirs)) {
      const a = ours.map((v) => valueLine(v.name, v.type, v.bytes)).sort();
      const b = theirs.map((v) => valueLine(v.name, v.type, v.bytes)).sort();
      const diff = `reader ${a.filter((l) => !b.includes(l)).join("; ")} / hivex ${b
        .filter((l) => !a.includes(l))
        .join("; ")}`;
      note(`key ${JSON.stringify(key.path)}: ${diff}`);
    }
  }
  for (const path of unseen) note(`key only in hivex: ${JSON.stringify(path)}`);
  return { keys, values, mismatches };
}
