/** One file or directory as a FAT directory lists it. */
export interface FatDirEntry {
  /** The long name when a valid LFN run precedes the entry, else the 8.3 name. */
  name: string;
  /** The 8.3 name ("ALONGF~1.TXT"). */
  shortName: string;
  isDirectory: boolean;
  attributes: number;
  size: number;
  firstCluster: number;
}

export const FAT_ATTR = {
  readOnly: 0x01,
  hidden: 0x02,
  system: 0x04,
  volumeId: 0x08,
  directory: 0x10,
  archive: 0x20,
  longName: 0x0f,
} as const;

/** An LFN run has at most 20 entries (255 UTF-16 units, 13 per entry). */
const MAX_LFN_ENTRIES = 20;

/** The checksum of the 11-byte 8.3 name that each LFN entry of its run carries (offset 13). */
export function shortNameChecksum(raw: Buffer): number {
  let sum = 0;
  for (let i = 0; i < 11; i++) sum = ((sum & 1 ? 0x80 : 0) + (sum >> 1) + raw[i]) & 0xff;
  return sum;
}

function shortName(entry: Buffer): string {
  const raw = Buffer.from(entry.subarray(0, 11));
  if (raw[0] === 0x05) raw[0] = 0xe5; // 0x05 stands for a real leading 0xE5
  const caseFlags = entry[12];
  let base = raw.toString("latin1", 0, 8).trimEnd();
  let ext = raw.toString("latin1", 8, 11).trimEnd();
  // Windows NT keeps all-lower-case 8.3 names without an LFN by flags 0x08 / 0x10.
  if (caseFlags & 0x08) base = base.toLowerCase();
  if (caseFlags & 0x10) ext = ext.toLowerCase();
  return ext ? `${base}.${ext}` : base;
}

/** The 13 UTF-16 units of one LFN entry, at offsets 1 (5), 14 (6) and 28 (2). */
function lfnUnits(entry: Buffer): number[] {
  const units: number[] = [];
  for (const [from, count] of [
    [1, 5],
    [14, 6],
    [28, 2],
  ]) {
    for (let i = 0; i < count; i++) units.push(entry.readUInt16LE(from + i * 2));
  }
  return units;
}

function unitsToName(parts: number[][]): string {
  const units: number[] = [];
  for (const part of parts) {
    for (const u of part) {
      if (u === 0x0000) return String.fromCharCode(...units);
      units.push(u);
    }
  }
  return String.fromCharCode(...units.filter((u) => u !== 0xffff));
}

/**
 * The live entries of a directory's bytes, in on-disk order, without "." and "..", deleted
 * entries and volume labels. A long name is used only when its whole run is present, in order,
 * and every entry's checksum matches the 8.3 name that follows; otherwise the 8.3 name stands.
 */
export function parseDirectoryEntries(bytes: Buffer, is32: boolean): FatDirEntry[] {
  const entries: FatDirEntry[] = [];
  let parts: number[][] = [];
  let expected = 0;
  let checksum = -1;
  const reset = () => {
    parts = [];
    expected = 0;
    checksum = -1;
  };
  for (let at = 0; at + 32 <= bytes.length; at += 32) {
    const entry = bytes.subarray(at, at + 32);
    const first = entry[0];
    if (first === 0x00) break;
    if (first === 0xe5) {
      reset();
      continue;
    }
    const attributes = entry[11];
    if ((attributes & 0x3f) === FAT_ATTR.longName) {
      const ordinal = first & 0x1f;
      if (first & 0x40) {
        if (ordinal === 0 || ordinal > MAX_LFN_ENTRIES) {
          reset();
          continue;
        }
        parts = new Array<number[]>(ordinal);
        checksum = entry[13];
      } else if (expected === 0 || ordinal !== expected - 1 || entry[13] !== checksum) {
        reset();
        continue;
      }
      expected = ordinal;
      parts[ordinal - 1] = lfnUnits(entry);
      continue;
    }
    const complete = expected === 1 && checksum === shortNameChecksum(entry);
    const longName = complete ? unitsToName(parts) : "";
    reset();
    if (attributes & FAT_ATTR.volumeId) continue;
    const short = shortName(entry);
    if (short === "." || short === "..") continue;
    const high = is32 ? entry.readUInt16LE(20) : 0;
    entries.push({
      name: longName || short,
      shortName: short,
      isDirectory: (attributes & FAT_ATTR.directory) !== 0,
      attributes,
      size: entry.readUInt32LE(28),
      firstCluster: high * 0x10000 + entry.readUInt16LE(26),
    });
  }
  return entries;
}
