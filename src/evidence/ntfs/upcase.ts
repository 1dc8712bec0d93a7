import { ntfsError } from "./bytes";

/** Entries of $UpCase: one upper-case UTF-16 unit for every unit. */
export const UPCASE_ENTRIES = 65536;

/**
 * The volume's own case table ($UpCase, MFT record 10). NTFS names are case-insensitive by this
 * table, not by any locale: Windows sorts each directory index by comparing names mapped through
 * it as unsigned 16-bit units, and a lookup must use the same order to descend the B+-tree.
 */
export class UpCase {
  private constructor(private readonly table: Uint16Array) {}

  /** The table from $UpCase's 128 KiB of little-endian 16-bit units. */
  static fromBytes(bytes: Buffer): UpCase {
    if (bytes.length !== UPCASE_ENTRIES * 2) {
      throw ntfsError(
        "ntfs-upcase-size",
        `$UpCase: ${bytes.length} bytes, expected ${UPCASE_ENTRIES * 2}`,
      );
    }
    const table = new Uint16Array(UPCASE_ENTRIES);
    for (let i = 0; i < UPCASE_ENTRIES; i++) table[i] = bytes.readUInt16LE(i * 2);
    return new UpCase(table);
  }

  /** `name` with every UTF-16 unit mapped through the table. */
  upcase(name: string): string {
    const units = new Array<number>(name.length);
    for (let i = 0; i < name.length; i++) units[i] = this.table[name.charCodeAt(i)];
    return String.fromCharCode(...units);
  }

  /**
   * Collation of two names already upcased: JavaScript compares strings by UTF-16 unit, which
   * is exactly NTFS's unsigned 16-bit order. Negative, zero or positive.
   */
  static compareUpcased(a: string, b: string): number {
    return a < b ? -1 : a > b ? 1 : 0;
  }
}
