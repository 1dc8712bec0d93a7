/**
 * Key and value names: stored either as "compressed" names (one byte per character, Latin-1, when
 * every character fits) or as UTF-16LE, and compared without regard to case the way Windows does,
 * by uppercasing each UTF-16 code unit on its own.
 */

/** Decodes a name of `length` bytes at `start`: Latin-1 when `compressed`, else UTF-16LE. */
export function decodeName(
  bytes: Buffer,
  start: number,
  length: number,
  compressed: boolean,
): string {
  if (compressed) return bytes.toString("latin1", start, start + length);
  return bytes.toString("utf16le", start, start + (length & ~1));
}

/**
 * Uppercases one code unit at a time and keeps a unit whose uppercase form is longer (ß stays ß,
 * where `toUpperCase` would make "SS"): Windows compares names through a per-character upcase
 * table, so a name never changes length when compared.
 */
export function upcaseName(name: string): string {
  const up = name.toUpperCase();
  if (up.length === name.length) return up;
  let out = "";
  for (let i = 0; i < name.length; i += 1) {
    const unit = name[i];
    const upper = unit.toUpperCase();
    out += upper.length === 1 ? upper : unit;
  }
  return out;
}

/** Case-insensitive name equality as Windows compares key and value names. */
export function namesEqual(a: string, b: string): boolean {
  return a.length === b.length && (a === b || upcaseName(a) === upcaseName(b));
}
