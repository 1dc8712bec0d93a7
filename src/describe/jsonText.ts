/**
 * JSON text as users' tools write it, decoded and parsed within bounds. `az` and the AWS CLI write
 * UTF-8 (some with a BOM); Windows PowerShell 5.1's `>` writes UTF-16LE with a BOM; UTF-16BE with a
 * BOM is decoded too, UTF-32 (either byte order, by its BOM) is refused in one line. A file is
 * refused in one line when it is not text, nests deeper than {@link MAX_JSON_DEPTH} (a
 * 5,000-deep array would otherwise exhaust a recursive walk), or is not JSON.
 */
import { UsageError } from "../vocabulary/exitCodes";

/** Deepest nesting accepted: an `az vm show` body is under 10 levels, an ARM export under 20. */
export const MAX_JSON_DEPTH = 64;

export type TextEncoding = "utf-8" | "utf-8 with BOM" | "utf-16le with BOM" | "utf-16be with BOM";

/** Decodes a file's bytes by its byte-order mark (UTF-8 without one); throws a one-line UsageError. */
export function decodeText(
  bytes: Uint8Array,
  what: string,
): { text: string; encoding: TextEncoding } {
  const b = bytes;
  let encoding: TextEncoding = "utf-8";
  let body = b;
  let label = "utf-8";
  if (
    (b[0] === 0xff && b[1] === 0xfe && b[2] === 0 && b[3] === 0) ||
    (b[0] === 0 && b[1] === 0 && b[2] === 0xfe && b[3] === 0xff)
  )
    throw new UsageError(
      `${what} is UTF-32 text, which is not supported; save it as UTF-8 (Out-File -Encoding utf8)`,
    );
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) {
    encoding = "utf-8 with BOM";
    body = b.subarray(3);
  } else if (b[0] === 0xff && b[1] === 0xfe) {
    encoding = "utf-16le with BOM";
    body = b.subarray(2);
    label = "utf-16le";
  } else if (b[0] === 0xfe && b[1] === 0xff) {
    encoding = "utf-16be with BOM";
    body = b.subarray(2);
    label = "utf-16be";
  } else if (b.length >= 2 && b[0] !== 0 && b[1] === 0) {
    throw new UsageError(
      `${what} looks like UTF-16 without a byte-order mark; save it as UTF-8 (Out-File -Encoding utf8)`,
    );
  }
  let text: string;
  try {
    text = new TextDecoder(label, { fatal: true }).decode(body);
  } catch {
    throw new UsageError(`${what} is not ${label.toUpperCase()} text`);
  }
  if (text.includes("\u0000")) throw new UsageError(`${what} is not text: it holds NUL bytes`);
  return { text, encoding };
}

/** The deepest nesting of `[`/`{` in JSON text, stopping as soon as it passes `limit`. Linear. */
export function jsonDepth(text: string, limit = MAX_JSON_DEPTH): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) max = depth;
      if (max > limit) return max;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}

/** Parses JSON text within the depth limit; every failure is one line naming `what`. */
export function parseJsonText(text: string, what: string): unknown {
  if (jsonDepth(text) > MAX_JSON_DEPTH)
    throw new UsageError(
      `${what} nests deeper than ${MAX_JSON_DEPTH} levels; it is not a VM description`,
    );
  if (text.trim() === "") throw new UsageError(`${what} is empty`);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${what} is not valid JSON: ${(e as Error).message.split("\n")[0]}`);
  }
}
