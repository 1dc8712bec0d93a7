/**
 * Text from the broken disk made safe to print in one line: names on the disk are hostile, and a
 * key, file or value called "x\nproblems: none" must neither break a line nor reorder it on a
 * terminal. The hive reader, the disk reader and the diagnosis report share this one mechanism.
 */

/** C0/C1 controls, DEL, line/paragraph separators, bidi embeddings, overrides and isolates. */
export const UNSAFE_CHARS =
  /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** `\x1b` for one-byte code points, `\u202e` for the rest. */
export function escapeChar(ch: string): string {
  const code = ch.charCodeAt(0);
  return code < 0x100
    ? `\\x${code.toString(16).padStart(2, "0")}`
    : `\\u${code.toString(16).padStart(4, "0")}`;
}

/** `text` with every unsafe character replaced by its visible escape. */
export function printable(text: string): string {
  return text.replace(UNSAFE_CHARS, escapeChar);
}
