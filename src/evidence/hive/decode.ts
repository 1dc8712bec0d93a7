/**
 * Registry value types and how the reader turns raw bytes into JavaScript values. Types it does
 * not decode (resource lists, links, the device-property types of Windows 10) keep their bytes.
 */

export const REG_NONE = 0;
export const REG_SZ = 1;
export const REG_EXPAND_SZ = 2;
export const REG_BINARY = 3;
export const REG_DWORD = 4;
export const REG_DWORD_BIG_ENDIAN = 5;
export const REG_LINK = 6;
export const REG_MULTI_SZ = 7;
export const REG_RESOURCE_LIST = 8;
export const REG_FULL_RESOURCE_DESCRIPTOR = 9;
export const REG_RESOURCE_REQUIREMENTS_LIST = 10;
export const REG_QWORD = 11;

const TYPE_NAMES: readonly string[] = [
  "REG_NONE",
  "REG_SZ",
  "REG_EXPAND_SZ",
  "REG_BINARY",
  "REG_DWORD",
  "REG_DWORD_BIG_ENDIAN",
  "REG_LINK",
  "REG_MULTI_SZ",
  "REG_RESOURCE_LIST",
  "REG_FULL_RESOURCE_DESCRIPTOR",
  "REG_RESOURCE_REQUIREMENTS_LIST",
  "REG_QWORD",
];

/** What a value decodes to: text, a list of text, a 32-bit number, a 64-bit number or bytes. */
export type ValueData = string | string[] | number | bigint | Buffer;

/** `REG_SZ` for known types, `REG_0x00100000` (eight hex digits) for others. */
export function typeName(type: number): string {
  return TYPE_NAMES[type] ?? `REG_0x${type.toString(16).padStart(8, "0")}`;
}

/** UTF-16LE text up to the first NUL (a trailing odd byte is dropped). */
export function utf16z(raw: Buffer): string {
  const text = raw.toString("utf16le", 0, raw.length & ~1);
  const nul = text.indexOf("\u0000");
  return nul === -1 ? text : text.slice(0, nul);
}

/**
 * REG_MULTI_SZ: NUL-separated UTF-16LE strings ending with an empty one. Trailing empty strings
 * (the terminator, and padding some writers leave) are dropped; empty strings in the middle are
 * kept, as they are what the bytes say.
 */
export function multiString(raw: Buffer): string[] {
  const parts = raw.toString("utf16le", 0, raw.length & ~1).split("\u0000");
  while (parts.length > 0 && parts[parts.length - 1] === "") parts.pop();
  return parts;
}

/**
 * Decodes by type. Numbers decode only when the size is exact (4 or 8 bytes); anything else
 * stays a Buffer so a malformed value is shown as bytes rather than misread.
 */
export function decodeValue(type: number, raw: Buffer): ValueData {
  switch (type) {
    case REG_SZ:
    case REG_EXPAND_SZ:
    case REG_LINK:
      return utf16z(raw);
    case REG_MULTI_SZ:
      return multiString(raw);
    case REG_DWORD:
      return raw.length === 4 ? raw.readUInt32LE(0) : raw;
    case REG_DWORD_BIG_ENDIAN:
      return raw.length === 4 ? raw.readUInt32BE(0) : raw;
    case REG_QWORD:
      return raw.length === 8 ? raw.readBigUInt64LE(0) : raw;
    default:
      return raw;
  }
}
