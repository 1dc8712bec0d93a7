import * as fs from "fs";
import { UsageError } from "../vocabulary/exitCodes";
import { decodeText, parseJsonText, type TextEncoding } from "../describe/jsonText";

/** The most bytes read of one kind of file, and what the refusal of a larger one tells the user. */
export interface ReadCap {
  maxBytes: number;
  /** Said after "… is larger than N MiB; ". */
  hint: string;
}

/** The largest VM description read (an `az vm show` body is a few KiB; an ARM export of one VM under 1 MiB). */
export const MAX_DESCRIPTION_BYTES = 8 * 1024 * 1024;

/** A VM description: `az vm show`, `describe-instances` and the like. */
export const DESCRIPTION_CAP: ReadCap = {
  maxBytes: MAX_DESCRIPTION_BYTES,
  hint: "give the JSON of one VM",
};

/** The primary NIC of an Azure VM (`az network nic show`): a few KiB. */
export const NIC_CAP: ReadCap = {
  maxBytes: MAX_DESCRIPTION_BYTES,
  hint: "give the JSON of the VM's NIC (az network nic show)",
};

/** The volumes of an EC2 instance (`aws ec2 describe-volumes`): a few KiB per volume. */
export const VOLUMES_CAP: ReadCap = {
  maxBytes: MAX_DESCRIPTION_BYTES,
  hint: "give the JSON of the instance's volumes (aws ec2 describe-volumes --volume-ids …)",
};

/**
 * A collect output: the JSON document collect.ps1 prints, a few hundred KiB (the hives, event logs
 * and minidumps it ships are separate files; a collect.ps1 1.0 document carried at most 20
 * minidumps of 0.2–3 MiB in base64 inline).
 */
export const COLLECT_OUTPUT_CAP: ReadCap = {
  maxBytes: 64 * 1024 * 1024,
  hint: "give the JSON document collect.ps1 printed (the files it ships are separate)",
};

/** A fleet file: many VM descriptions (a few KiB each) or one inventory answer listing them. */
export const FLEET_CAP: ReadCap = {
  maxBytes: 64 * 1024 * 1024,
  hint: "give a list of VM descriptions, an az vm list / Resource Graph answer or a describe-instances answer",
};

/** A fleet's state file, as `vm-rescue fleet --state` wrote it. */
export const FLEET_STATE_CAP: ReadCap = {
  maxBytes: 64 * 1024 * 1024,
  hint: "give the state file a fleet run wrote (--state), or a new file name",
};

/** A fleet shard's report, as `vm-rescue fleet --json` wrote it. */
export const FLEET_REPORT_CAP: ReadCap = {
  maxBytes: 64 * 1024 * 1024,
  hint: "give the JSON report a fleet shard wrote",
};

/**
 * A minidump copied by hand (`plan-repair --dumps`): Windows writes small memory dumps of 0.2–3 MiB
 * into Windows\Minidump; a file over 16 MiB is a full or kernel dump (MEMORY.DMP), which the
 * planner does not read.
 */
export const MINIDUMP_CAP: ReadCap = {
  maxBytes: 16 * 1024 * 1024,
  hint: "a minidump (Windows\\Minidump\\*.dmp) is far smaller; MEMORY.DMP is a full or kernel dump, not a minidump",
};

const CHUNK = 1024 * 1024;

/**
 * Reads at most `maxBytes` of a file: a missing file, a folder, a file over the cap or an endless
 * stream (`/dev/zero`, a pipe) is one {@link UsageError} naming it; nothing more than the cap (plus
 * one chunk) is ever read.
 */
export function readCapped(file: string, what: string, cap: ReadCap): Buffer {
  let fd: number;
  try {
    fd = fs.openSync(file, "r");
  } catch (e) {
    throw fileError(e, file, what);
  }
  try {
    const stat = fs.fstatSync(fd);
    if (stat.isDirectory()) throw new UsageError(`${what} ${file} is a folder, not a file`);
    if (stat.isFile() && stat.size > cap.maxBytes) throw tooLarge(file, what, cap);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(CHUNK);
      let n: number;
      try {
        n = fs.readSync(fd, chunk, 0, CHUNK, null);
      } catch (e) {
        throw fileError(e, file, what);
      }
      if (n === 0) break;
      total += n;
      if (total > cap.maxBytes) throw tooLarge(file, what, cap);
      chunks.push(chunk.subarray(0, n));
    }
    return Buffer.concat(chunks, total);
  } finally {
    fs.closeSync(fd);
  }
}

function tooLarge(file: string, what: string, cap: ReadCap): UsageError {
  return new UsageError(
    `${what} file ${file} is larger than ${cap.maxBytes / 1024 / 1024} MiB; ${cap.hint}`,
  );
}

function fileError(e: unknown, file: string, what: string): UsageError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return new UsageError(`${what} file not found: ${file}`);
  if (code === "EISDIR") return new UsageError(`${what} ${file} is a folder, not a file`);
  return new UsageError(`cannot read ${what} file ${file}: ${code ?? String(e)}`);
}

/** A parsed JSON file and how its text was encoded. */
export interface JsonFile {
  json: unknown;
  encoding: TextEncoding;
}

/** Reads, decodes (UTF-8 with or without BOM, UTF-16 with BOM) and parses a JSON file within bounds. */
export function readJsonFileWithEncoding(
  file: string,
  what: string,
  cap: ReadCap = DESCRIPTION_CAP,
): JsonFile {
  const label = `${what} file ${file}`;
  const { text, encoding } = decodeText(readCapped(file, what, cap), label);
  return { json: parseJsonText(text, label), encoding };
}

/** Reads and parses a JSON file; a missing file or invalid JSON is a {@link UsageError} naming it. */
export function readJsonFile(file: string, what: string, cap: ReadCap): unknown {
  return readJsonFileWithEncoding(file, what, cap).json;
}

/** Characters no setting needs: control characters, shell and PowerShell metacharacters, bidi controls. */
const UNSAFE_VALUE =
  /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069;|&$`<>"'\\]/;

/**
 * Parses repeated `key=value` options into an object, refusing before anything is planned a key
 * that is not a name, and a value (other than the JSON of `tags`) holding a control character, a
 * shell or PowerShell metacharacter or a `..` path segment: settings name Azure and AWS resources,
 * sizes and ids, none of which needs one.
 */
export function parseSetOptions(pairs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const i = pair.indexOf("=");
    if (i <= 0) throw new UsageError(`--set expects key=value, got ${JSON.stringify(pair)}`);
    const key = pair.slice(0, i).trim();
    const value = pair.slice(i + 1);
    if (!/^[A-Za-z][A-Za-z0-9]{0,63}$/.test(key))
      throw new UsageError(`--set: ${JSON.stringify(key)} is not a setting name`);
    if (key !== "tags") {
      const bad = UNSAFE_VALUE.exec(value);
      if (bad)
        throw new UsageError(
          `--set ${key}: ${JSON.stringify(value)} holds ${JSON.stringify(bad[0])}, a control or shell/PowerShell metacharacter no setting needs`,
        );
      if (/(^|[/\\])\.\.([/\\]|$)/.test(value))
        throw new UsageError(`--set ${key}: ${JSON.stringify(value)} holds a ".." path segment`);
    }
    out[key] = value;
  }
  return out;
}
