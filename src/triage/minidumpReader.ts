/**
 * Bounds-checked reads of a dump's bytes: a read outside the file is "truncated", an offset outside
 * the triage part is "corrupt", both as a {@link DumpFormatError}; plus the small decoders the
 * sections share (UTF-16 names, `PAGE` fill, FILETIME).
 */
import { DumpFormatError } from "./minidumpTypes";
import { SIG_PAGE } from "./minidumpLayout";

/** Little-endian reads of the dump's bytes, each one bounds-checked. */
export class Reader {
  readonly view: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  get length(): number {
    return this.bytes.byteLength;
  }
  /**
   * Throws unless [offset, offset+size) lies inside the file (else "truncated") or, when `limit` is
   * given, inside [0, limit) (else "corrupt": an offset pointing outside the triage part).
   */
  check(offset: number, size: number, what: string, limit?: number): void {
    const end = limit ?? this.length;
    if (Number.isSafeInteger(offset) && offset >= 0 && size >= 0 && offset + size <= end) return;
    const at = `${what} at 0x${offset.toString(16)} (+0x${size.toString(16)})`;
    if (limit === undefined) {
      throw new DumpFormatError(
        "truncated",
        `truncated dump: ${at} lies past the end of the file (${this.length} bytes)`,
      );
    }
    throw new DumpFormatError(
      "corrupt",
      `corrupt dump: ${at} is outside the triage part (0x${limit.toString(16)} bytes)`,
    );
  }
  u16(o: number): number {
    this.check(o, 2, "field");
    return this.view.getUint16(o, true);
  }
  u32(o: number): number {
    this.check(o, 4, "field");
    return this.view.getUint32(o, true);
  }
  u64(o: number): bigint {
    this.check(o, 8, "field");
    return this.view.getBigUint64(o, true);
  }
}

/** A 32-bit field left at the `PAGE` fill: Windows did not record it. */
export function isAbsent32(v: number): boolean {
  return v === SIG_PAGE;
}

/** A 64-bit field left at the `PAGE` fill. */
export function isAbsent64(v: bigint): boolean {
  return v === 0x4547415045474150n;
}

/** The file name at the end of an NT path. */
export function basename(ntPath: string): string {
  const i = Math.max(ntPath.lastIndexOf("\\"), ntPath.lastIndexOf("/"));
  return i >= 0 ? ntPath.slice(i + 1) : ntPath;
}

/** At most `chars` UTF-16LE characters from `offset`, up to the first NUL. */
export function utf16(bytes: Uint8Array, offset: number, chars: number): string {
  let s = "";
  for (let i = 0; i < chars; i++) {
    const c = bytes[offset + 2 * i] | (bytes[offset + 2 * i + 1] << 8);
    if (c === 0) break;
    s += String.fromCharCode(c);
  }
  return s;
}

/** FILETIME (100 ns since 1601-01-01 UTC) → Date, or null when zero, `PAGE` fill or out of range. */
export function fileTimeToDate(ft: bigint): Date | null {
  if (ft === 0n || isAbsent64(ft)) return null;
  const ms = Number(ft / 10000n) - 11644473600000;
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? null : d;
}
