/**
 * Rendering of BinXML substitution values as text. Each on-disk value type has one rendering,
 * chosen to match what Windows' Event Viewer and Debian's libevtx show: decimal integers,
 * zero-padded `0x` hex for the hex types (libevtx's form; Event Viewer drops the padding),
 * unpadded `0x` hex for size_t (pointers and handles, as Event Viewer shows them; libevtx prints
 * decimal), braced upper-case GUIDs, `S-1-…` SIDs, upper-case hex for binary, ISO 8601 UTC for
 * times. A value whose size does not fit its type is shown as hex rather than guessed at, so a
 * crafted value is visible as the bytes it is.
 */
import { MAX_ARRAY_ITEMS } from "./limits";
import { filetimeToIso, systemtimeToIso } from "./timeFormat";

/** BinXML value types (the array flag 0x80 may be or-ed onto the scalar ones). */
export const ValueType = {
  Null: 0x00,
  String: 0x01,
  AnsiString: 0x02,
  Int8: 0x03,
  UInt8: 0x04,
  Int16: 0x05,
  UInt16: 0x06,
  Int32: 0x07,
  UInt32: 0x08,
  Int64: 0x09,
  UInt64: 0x0a,
  Real32: 0x0b,
  Real64: 0x0c,
  Bool: 0x0d,
  Binary: 0x0e,
  Guid: 0x0f,
  SizeT: 0x10,
  FileTime: 0x11,
  SystemTime: 0x12,
  Sid: 0x13,
  HexInt32: 0x14,
  HexInt64: 0x15,
  EvtHandle: 0x20,
  BinXml: 0x21,
  EvtXml: 0x23,
} as const;

/** Or-ed onto a scalar type: the value is a packed array of that type. */
export const ARRAY_FLAG = 0x80;

/** Separator between the items of an array value. */
export const ARRAY_SEPARATOR = ", ";

/** Bytes of one item of each fixed-size type (size_t: 8 in arrays, 4 or 8 as a scalar). */
const FIXED_SIZE: Record<number, number> = {
  [ValueType.Int8]: 1,
  [ValueType.UInt8]: 1,
  [ValueType.Int16]: 2,
  [ValueType.UInt16]: 2,
  [ValueType.Int32]: 4,
  [ValueType.UInt32]: 4,
  [ValueType.Int64]: 8,
  [ValueType.UInt64]: 8,
  [ValueType.Real32]: 4,
  [ValueType.Real64]: 8,
  [ValueType.Bool]: 4,
  [ValueType.Guid]: 16,
  [ValueType.SizeT]: 8,
  [ValueType.FileTime]: 8,
  [ValueType.SystemTime]: 16,
  [ValueType.HexInt32]: 4,
  [ValueType.HexInt64]: 8,
};

/** Windows-1252 code points of bytes 0x80..0x9F (the rest match Latin-1); 0 = undefined byte. */
const CP1252_HIGH = [
  0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152,
  0, 0x017d, 0, 0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161,
  0x203a, 0x0153, 0, 0x017e, 0x0178,
];

/** UTF-16LE text up to the first NUL (values usually carry their terminator). */
export function utf16z(bytes: Buffer): string {
  const text = bytes.toString("utf16le", 0, bytes.length & ~1);
  const nul = text.indexOf("\0");
  return nul < 0 ? text : text.slice(0, nul);
}

/** Windows-1252 text of all the bytes (ANSI strings of old providers). */
function cp1252(bytes: Buffer): string {
  let out = "";
  for (const b of bytes) {
    const high = b >= 0x80 && b < 0xa0 ? CP1252_HIGH[b - 0x80] : 0;
    out += String.fromCharCode(high || b);
  }
  return out;
}

/** Windows-1252 text up to the first NUL. */
export function ansiz(bytes: Buffer): string {
  const nul = bytes.indexOf(0);
  return cp1252(nul < 0 ? bytes : bytes.subarray(0, nul));
}

/** Upper-case hex of the bytes, as Event Viewer shows binary data. */
export function hexUpper(bytes: Buffer): string {
  return bytes.toString("hex").toUpperCase();
}

/** A GUID in registry form: `{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}`, upper case. */
export function formatGuid(b: Buffer): string {
  const h = (n: number, width: number) => n.toString(16).padStart(width, "0");
  const tail = b.subarray(8, 16).toString("hex");
  const text = `${h(b.readUInt32LE(0), 8)}-${h(b.readUInt16LE(4), 4)}-${h(b.readUInt16LE(6), 4)}`;
  return `{${text}-${tail.slice(0, 4)}-${tail.slice(4)}}`.toUpperCase();
}

/** Bytes of the SID at the start of `b`, or undefined when it does not fit. */
function sidLength(b: Buffer): number | undefined {
  if (b.length < 8) return undefined;
  const len = 8 + 4 * b[1];
  return len <= b.length ? len : undefined;
}

/** A binary SID as `S-R-A-S1-S2-…` (authority in hex past 32 bits, as Windows shows it). */
export function formatSid(b: Buffer): string | undefined {
  const len = sidLength(b);
  if (len === undefined) return undefined;
  const authority = b.readUIntBE(2, 6);
  const auth =
    authority >= 2 ** 32
      ? `0x${authority.toString(16).toUpperCase().padStart(12, "0")}`
      : `${authority}`;
  const parts = [`S-${b[0]}-${auth}`];
  for (let i = 8; i < len; i += 4) parts.push(String(b.readUInt32LE(i)));
  return parts.join("-");
}

/** Shortest decimal that reads back as the same float32 (what a person would have written). */
function formatReal32(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  for (let p = 1; p <= 9; p++) {
    const text = String(Number(x.toPrecision(p)));
    if (Math.fround(Number(text)) === x) return text;
  }
  return String(x);
}

const hex = (n: bigint | number, width: number) => `0x${n.toString(16).padStart(width, "0")}`;

/** Rendering of one item of each fixed-size type, given exactly its bytes. */
const FIXED_FORMAT: Record<number, (b: Buffer) => string> = {
  [ValueType.Int8]: (b) => String(b.readInt8(0)),
  [ValueType.UInt8]: (b) => String(b[0]),
  [ValueType.Int16]: (b) => String(b.readInt16LE(0)),
  [ValueType.UInt16]: (b) => String(b.readUInt16LE(0)),
  [ValueType.Int32]: (b) => String(b.readInt32LE(0)),
  [ValueType.UInt32]: (b) => String(b.readUInt32LE(0)),
  [ValueType.Int64]: (b) => String(b.readBigInt64LE(0)),
  [ValueType.UInt64]: (b) => String(b.readBigUInt64LE(0)),
  [ValueType.Real32]: (b) => formatReal32(b.readFloatLE(0)),
  [ValueType.Real64]: (b) => String(b.readDoubleLE(0)),
  [ValueType.Bool]: (b) => (b.readUInt32LE(0) !== 0 ? "true" : "false"),
  [ValueType.Guid]: formatGuid,
  // Pointers and handles: Event Viewer shows them unpadded ("0x4", "0x738c").
  [ValueType.SizeT]: (b) => hex(b.length === 4 ? b.readUInt32LE(0) : b.readBigUInt64LE(0), 0),
  [ValueType.FileTime]: (b) => filetimeToIso(b.readBigUInt64LE(0)),
  [ValueType.SystemTime]: systemtimeToIso,
  [ValueType.HexInt32]: (b) => hex(b.readUInt32LE(0), 8),
  [ValueType.HexInt64]: (b) => hex(b.readBigUInt64LE(0), 16),
};

/** One item of a fixed-size type, `b` being exactly its bytes. */
function formatFixed(type: number, b: Buffer): string {
  const format = FIXED_FORMAT[type];
  return format ? format(b) : hexUpper(b);
}

/** Items of an array value, or undefined when the bytes do not divide into items. */
export function formatArray(base: number, b: Buffer): string[] | undefined {
  if (base === ValueType.String || base === ValueType.AnsiString) {
    const text = base === ValueType.String ? b.toString("utf16le", 0, b.length & ~1) : cp1252(b);
    const items = text.split("\0");
    if (items.length > 1 && items[items.length - 1] === "") items.pop();
    return items.slice(0, MAX_ARRAY_ITEMS);
  }
  if (base === ValueType.Sid) {
    const items: string[] = [];
    for (let at = 0; at < b.length;) {
      const len = sidLength(b.subarray(at));
      if (len === undefined) return undefined;
      items.push(formatSid(b.subarray(at, at + len)) as string);
      at += len;
    }
    return items;
  }
  const size = FIXED_SIZE[base];
  if (size === undefined || b.length % size !== 0) return undefined;
  const items: string[] = [];
  for (let at = 0; at < b.length; at += size) {
    items.push(formatFixed(base, b.subarray(at, at + size)));
  }
  return items;
}

/**
 * Text of a value of `type` stored in `bytes`. BinXML values (type 0x21) are not text; the caller
 * parses them as nested fragments and never passes them here.
 */
export function formatValue(type: number, bytes: Buffer): string {
  if (type & ARRAY_FLAG) {
    const items = formatArray(type & ~ARRAY_FLAG, bytes);
    return items === undefined ? hexUpper(bytes) : items.join(ARRAY_SEPARATOR);
  }
  switch (type) {
    case ValueType.Null:
      return "";
    case ValueType.String:
      return utf16z(bytes);
    case ValueType.AnsiString:
      return ansiz(bytes);
    case ValueType.Sid:
      return formatSid(bytes) ?? hexUpper(bytes);
    case ValueType.SizeT:
      return bytes.length === 4 || bytes.length === 8 ? formatFixed(type, bytes) : hexUpper(bytes);
    default: {
      const size = FIXED_SIZE[type];
      const fits = size !== undefined && bytes.length === size;
      return fits ? formatFixed(type, bytes) : hexUpper(bytes);
    }
  }
}
