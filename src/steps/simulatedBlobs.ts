/**
 * Side files of a simulated cloud's state file: payloads longer than `BLOB_MIN_CHARS` (base64
 * hives and dumps, shipped evidence) are kept as `<file>.blobs/<sha256>` and the JSON holds a
 * marker, so each simulated call reads and writes a small JSON file. A side file is written
 * (atomically) before the JSON that names it, whenever it is not there; each is checked against
 * its hash on first read.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";

export const BLOB_MIN_CHARS = 4 * 1024;
/** A side file's marker in the JSON. ':' and '@' are not base64, so no payload looks like one. */
const BLOB_MARK = "@blob:sha256:";

/** Blob contents by SHA-256, and the reverse, for this process: each side file is read once. */
const blobBySha = new Map<string, string>();
const shaByBlob = new Map<string, string>();

/**
 * The payload last read or written at each place of each file (`<file>\0<place>`) and its hash.
 * A payload is megabytes of base64 (a hive) and most calls leave it as it was: the same string is
 * matched by `===` at once and not looked up again (a Map lookup of an equal copy compares all of
 * it, about 15 ms for 20 MB). Its side file is still checked, and written again if it is gone. The
 * payload kept is the process's one copy (blobBySha's), not the caller's.
 */
const placed = new Map<string, { payload: string; sha: string }>();

const blobDir = (file: string) => `${file}.blobs`;

/**
 * Writes `text` as `<file>.blobs/<sha256>` unless that file is there (atomically) and returns its
 * SHA-256; `known` is the hash when the caller has it.
 */
function putBlob(file: string, text: string, known?: string): string {
  let sha = known ?? shaByBlob.get(text);
  if (sha === undefined) {
    sha = createHash("sha256").update(text, "utf8").digest("hex");
    shaByBlob.set(text, sha);
    blobBySha.set(sha, text);
  }
  const target = path.join(blobDir(file), sha);
  if (!fs.existsSync(target)) {
    fs.mkdirSync(blobDir(file), { recursive: true });
    const tmp = `${target}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, text, "utf8");
    fs.renameSync(tmp, target);
  }
  return sha;
}

/** The content a marker names, checked against its hash on first read. */
function getBlob(file: string, marker: string): string {
  const sha = marker.slice(BLOB_MARK.length);
  const known = blobBySha.get(sha);
  if (known !== undefined) return known;
  const text = fs.readFileSync(path.join(blobDir(file), sha), "utf8");
  if (createHash("sha256").update(text, "utf8").digest("hex") !== sha) {
    throw new Error(`simulated state: blob ${sha} of ${file} does not match its hash`);
  }
  blobBySha.set(sha, text);
  shaByBlob.set(text, sha);
  return text;
}

/**
 * What the JSON keeps for `value` at `place` (a key path in the state): a marker for a long
 * payload, and for a payload that looks like a marker (so it reads back as itself); else the value.
 */
export function toSideBlob(file: string, value: string, place: string): string {
  if (value.length <= BLOB_MIN_CHARS && !value.startsWith(BLOB_MARK)) return value;
  const at = `${file}\0${place}`;
  const last = placed.get(at);
  const sha = putBlob(file, value, last?.payload === value ? last.sha : undefined);
  placed.set(at, { payload: blobBySha.get(sha) ?? value, sha });
  return `${BLOB_MARK}${sha}`;
}

/** The payload a JSON value at `place` stands for: a marker's side file, else the value itself. */
export function fromSideBlob(file: string, value: string, place: string): string {
  if (!value.startsWith(BLOB_MARK)) return value;
  const payload = getBlob(file, value);
  placed.set(`${file}\0${place}`, { payload, sha: value.slice(BLOB_MARK.length) });
  return payload;
}

/** `r` with each value replaced by `f(value, key)`. */
export function mapValues<T, U>(
  r: Record<string, T>,
  f: (v: T, k: string) => U,
): Record<string, U> {
  return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, f(v, k)]));
}
