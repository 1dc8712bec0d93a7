/**
 * Test helpers: where the shared fixtures are, whether the Debian oracle is installed, and a parser
 * for `evtxexport`'s text output. Not used by the reader itself.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

/** `../shared/fixtures` next to the repository root (this file is four levels below it). */
export const FIXTURES = path.resolve(__dirname, "..", "..", "..", "..", "..", "shared", "fixtures");
export const SYSTEM_EVTX = path.join(FIXTURES, "evtx", "system.evtx");

/** The fixture's bytes, or undefined (with one warning line) when the fixtures are absent. */
export function loadSystemEvtx(): Buffer | undefined {
  if (fs.existsSync(SYSTEM_EVTX)) return fs.readFileSync(SYSTEM_EVTX);
  console.warn(`skipping EVTX fixture tests: ${SYSTEM_EVTX} not found`);
  return undefined;
}

/** Whether `tool` runs (the oracle is a Debian package CI installs). */
export function haveTool(tool: string, args: string[] = ["-V"]): boolean {
  try {
    execFileSync(tool, args, { stdio: "ignore" });
    return true;
  } catch {
    console.warn(`skipping oracle comparison: ${tool} not installed`);
    return false;
  }
}

/** One record as `evtxexport` (text format) prints it. */
export interface OracleRecord {
  eventNumber: number;
  /** "Written time", converted to this module's ISO form (see {@link oracleTimeToIso}). */
  written: string;
  level: number;
  userSid?: string;
  computer: string;
  source: string;
  eventId: number;
  strings: string[];
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/**
 * evtxexport prints FILETIMEs as "Jul 12, 2017 17:16:28.214161600 UTC": nine fractional digits
 * whose last two are always 0 (FILETIME counts 100 ns). This module writes ISO 8601 with the seven
 * digits the format carries. The conversion is exact: it only drops those two zeros, and
 * refuses anything else.
 */
export function oracleTimeToIso(text: string): string {
  const m = /^(\w{3}) (\d\d), (\d{4}) (\d\d:\d\d:\d\d)\.(\d{7})00 UTC$/.exec(text);
  if (!m) throw new Error(`unexpected evtxexport time: ${text}`);
  const month = String(MONTHS.indexOf(m[1]) + 1).padStart(2, "0");
  return `${m[3]}-${month}-${m[2]}T${m[4]}.${m[5]}Z`;
}

/**
 * Parses `evtxexport -f text`. A string value may span lines (7026's driver list starts with a
 * newline), so lines that are not a field continue the current string; the blank line before
 * "Event number" separates records.
 */
export function parseEvtxexportText(text: string): OracleRecord[] {
  // Each string ends in "\n" and each record in one more: drop the final record's two.
  const lines = (text.endsWith("\n\n") ? text.slice(0, -2) : text).split("\n");
  const records: OracleRecord[] = [];
  let current: Partial<OracleRecord> & { strings: string[] } = { strings: [] };
  let declared = 0;
  const finish = () => {
    if (current.eventNumber === undefined) return;
    if (current.strings.length !== declared) {
      throw new Error(`event ${current.eventNumber}: ${current.strings.length} != ${declared}`);
    }
    records.push(current as OracleRecord);
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const next = lines[i + 1];
    const separator = line === "" && (next === undefined || next.startsWith("Event number\t"));
    if (separator) continue;
    const field = /^([A-Z][A-Za-z ]+?)\t+: ?(.*)$/s.exec(line);
    const str = /^String: (\d+)\t+: ?(.*)$/s.exec(line);
    if (str) {
      current.strings.push(str[2]);
    } else if (field?.[1] === "Event number") {
      finish();
      current = { strings: [], eventNumber: Number(field[2]) };
    } else if (field && current.eventNumber !== undefined && !current.strings.length) {
      const [, key, value] = field;
      if (key === "Written time") current.written = oracleTimeToIso(value);
      else if (key === "Event level") current.level = Number(/\((\d+)\)$/.exec(value)?.[1]);
      else if (key === "User security identifier") current.userSid = value;
      else if (key === "Computer name") current.computer = value;
      else if (key === "Source name") current.source = value;
      else if (key === "Event identifier") current.eventId = Number(/\((\d+)\)$/.exec(value)?.[1]);
      else if (key === "Number of strings") declared = Number(value);
      else throw new Error(`unknown evtxexport field: ${key}`);
    } else if (current.strings.length) {
      current.strings[current.strings.length - 1] += `\n${line}`;
    }
  }
  finish();
  return records;
}

/**
 * libevtx renders FILETIME values as ISO 8601 with nine fractional digits; this module with the
 * seven the format has. Drops exactly the two always-zero digits, nothing else.
 */
export function shortenFiletimes(text: string): string {
  return text.replace(/(T\d\d:\d\d:\d\d\.\d{7})00Z/g, "$1Z");
}

/**
 * Splits `evtxexport -f xml` output into one XML text per record, in output order, with its
 * FILETIMEs shortened from nine to the seven digits this module writes (only "00" is dropped).
 */
export function splitEvtxexportXml(text: string): string[] {
  const body = text.slice(text.indexOf("<Event"));
  return body.split(/\n\n(?=<Event[ >])/).map((x) => shortenFiletimes(x.replace(/\n+$/, "")));
}
