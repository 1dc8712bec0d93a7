import { ntfsError } from "./bytes";

/** The update-sequence stride: every 512 bytes, whatever the sector size. */
export const FIXUP_STRIDE = 512;

/**
 * Checks and undoes the update sequence of a multi-sector record (`FILE` or `INDX`) in place.
 * NTFS writes a sequence number over the last two bytes of every 512-byte stride and keeps the
 * real bytes in the update-sequence array; a stride whose tail does not carry the number was torn
 * by an interrupted write (or crafted), so its bytes cannot be trusted.
 *
 * `where` names the record for messages, e.g. "MFT record 42" or "INDX record at VCN 3 of 5".
 */
export function applyFixups(record: Buffer, where: string): void {
  const usaOffset = record.readUInt16LE(4);
  const usaCount = record.readUInt16LE(6);
  const strides = record.length / FIXUP_STRIDE;
  if (!Number.isInteger(strides) || usaCount !== strides + 1) {
    throw ntfsError(
      "ntfs-fixup-count",
      `${where}: update sequence count ${usaCount} does not match ${record.length} bytes`,
    );
  }
  if (usaOffset < 8 || usaOffset % 2 !== 0 || usaOffset + 2 * usaCount > FIXUP_STRIDE - 2) {
    throw ntfsError(
      "ntfs-fixup-offset",
      `${where}: update sequence offset ${usaOffset} is invalid`,
    );
  }
  const usn = record.readUInt16LE(usaOffset);
  for (let i = 0; i < strides; i++) {
    const tail = (i + 1) * FIXUP_STRIDE - 2;
    if (record.readUInt16LE(tail) !== usn) {
      throw ntfsError(
        "ntfs-fixup-mismatch",
        `${where}: stride ${i} ends with 0x${record.readUInt16LE(tail).toString(16)}, ` +
          `update sequence number is 0x${usn.toString(16)} (torn or corrupt write)`,
      );
    }
    record.writeUInt16LE(record.readUInt16LE(usaOffset + 2 + 2 * i), tail);
  }
}
