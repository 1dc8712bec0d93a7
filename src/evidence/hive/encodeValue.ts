/**
 * Value data as the hive writer takes it, and the bytes Windows stores for it: strings UTF-16LE
 * with their terminating NUL (REG_MULTI_SZ with one more after the last string), REG_DWORD and
 * REG_QWORD little-endian.
 */

/** Value data as an edit writes it. */
export type HiveEditValue =
  | { type: "REG_SZ" | "REG_EXPAND_SZ"; data: string }
  | { type: "REG_MULTI_SZ"; data: readonly string[] }
  | { type: "REG_DWORD"; data: number }
  | { type: "REG_QWORD"; data: number | bigint }
  | { type: "REG_BINARY"; data: Uint8Array };

/** The registry type codes of the value types the writer writes. */
export const REG_TYPE_CODES = {
  REG_SZ: 1,
  REG_EXPAND_SZ: 2,
  REG_BINARY: 3,
  REG_DWORD: 4,
  REG_MULTI_SZ: 7,
  REG_QWORD: 11,
} as const;

/** The raw bytes Windows stores for a value. */
export function encodeValue(v: HiveEditValue): Buffer {
  switch (v.type) {
    case "REG_SZ":
    case "REG_EXPAND_SZ":
      return Buffer.from(`${v.data}\u0000`, "utf16le");
    case "REG_MULTI_SZ":
      return Buffer.from(`${v.data.map((s) => `${s}\u0000`).join("")}\u0000`, "utf16le");
    case "REG_DWORD": {
      if (!Number.isInteger(v.data) || v.data < 0 || v.data > 0xffffffff)
        throw new Error(`${v.data} is not a REG_DWORD (0 to 0xffffffff)`);
      const b = Buffer.alloc(4);
      b.writeUInt32LE(v.data);
      return b;
    }
    case "REG_QWORD": {
      const b = Buffer.alloc(8);
      b.writeBigUInt64LE(BigInt(v.data));
      return b;
    }
    case "REG_BINARY":
      return Buffer.from(v.data);
  }
}
