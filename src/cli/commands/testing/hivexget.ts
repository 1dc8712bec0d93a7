/**
 * The oracle for `vm-rescue hive`: `hivexget FILE KEY` (Debian's hivex) prints every value of a
 * key as a .reg line — `"Name"=dword:0000001f`, `"Name"="text"` (REG_SZ), `"Name"=str(2):"text"`,
 * `"Name"=hex(7):41,00,…` or `hex:…` (REG_BINARY), `@=…` for the default value. This runs it and
 * parses each line into the value's name, type and either its number, its text or its bytes.
 */
import { execFileSync } from "node:child_process";

export type HivexValue =
  | { name: string; type: number; number: number }
  | { name: string; type: number; text: string }
  | { name: string; type: number; bytes: Buffer };

export function hivexget(file: string, key: string): HivexValue[] {
  const out = execFileSync("hivexget", [file, key], { encoding: "utf8" });
  return out
    .split("\n")
    .filter((line) => line !== "")
    .map(parseLine);
}

/** A .reg quoted string from `at` (backslash escapes `\\` and `\"`): its text and where it ends. */
function quoted(line: string, at: number): { text: string; end: number } {
  if (line[at] !== '"') throw new Error(`expected a quote: ${line.slice(0, 80)}`);
  let text = "";
  let i = at + 1;
  while (line[i] !== '"') {
    if (i >= line.length) throw new Error(`unterminated string: ${line.slice(0, 80)}`);
    if (line[i] === "\\") i += 1;
    text += line[i];
    i += 1;
  }
  return { text, end: i + 1 };
}

function parseLine(line: string): HivexValue {
  let name = "";
  let rest: string;
  if (line.startsWith("@=")) {
    rest = line.slice(2);
  } else {
    const q = quoted(line, 0);
    if (line[q.end] !== "=") throw new Error(`no '=' after the name: ${line.slice(0, 80)}`);
    name = q.text;
    rest = line.slice(q.end + 1);
  }
  const dword = /^dword:([0-9a-f]{8})$/.exec(rest);
  if (dword) return { name, type: 4, number: parseInt(dword[1], 16) };
  if (rest.startsWith('"')) return { name, type: 1, text: quoted(rest, 0).text };
  const str = /^str\(([0-9a-f]+)\):/.exec(rest);
  if (str) return { name, type: parseInt(str[1], 16), text: quoted(rest, str[0].length).text };
  const hex = /^hex(?:\(([0-9a-f]+)\))?:(.*)$/.exec(rest);
  if (!hex) throw new Error(`unexpected value data: ${rest.slice(0, 80)}`);
  const bytes = Buffer.from(hex[2].replace(/,/g, ""), "hex");
  return { name, type: hex[1] === undefined ? 3 : parseInt(hex[1], 16), bytes };
}
