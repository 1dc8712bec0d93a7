import { FormatError } from "../formatError";
import { u64le } from "./bytes";
import type { ByteSource } from "./byteSource";
import { crc32, crcWithFieldZeroed } from "./crc";
import { guidAt, isZeroGuid } from "./guid";
import { gptTypeName, type Partition } from "./partitionTypes";

/** Largest partition entry array read (sgdisk and Windows write 128 × 128 bytes = 16 KiB). */
export const GPT_MAX_ENTRY_ARRAY_BYTES = 1024 * 1024;
export const GPT_MIN_HEADER_SIZE = 92;
export const GPT_MIN_ENTRY_SIZE = 128;

export interface GptHeader {
  myLba: number;
  firstUsableLba: number;
  lastUsableLba: number;
  diskGuid: string;
  entryLba: number;
  entryCount: number;
  entrySize: number;
  entryArrayCrc: number;
}

export interface Gpt {
  header: GptHeader;
  which: "primary" | "backup";
  partitions: Partition[];
}

/** True when the sector at LBA 1 (for this sector size) starts with `EFI PART`. */
export async function hasGptSignature(source: ByteSource, sectorSize: number): Promise<boolean> {
  if (source.size < sectorSize * 2) return false;
  const bytes = await source.read(sectorSize, 8);
  return bytes.toString("latin1") === "EFI PART";
}

/**
 * Reads the GPT: the primary header at LBA 1 and its entry array when both check out (signature,
 * header CRC-32, MyLBA, array CRC-32), else the backup header at the last LBA, as UEFI prescribes.
 */
export async function readGpt(source: ByteSource, sectorSize: number): Promise<Gpt> {
  const lastLba = Math.floor(source.size / sectorSize) - 1;
  let primaryProblem: string;
  try {
    return await readGptAt(source, sectorSize, 1, lastLba, "primary");
  } catch (e) {
    if (!(e instanceof FormatError)) throw e;
    primaryProblem = e.message;
  }
  try {
    return await readGptAt(source, sectorSize, lastLba, lastLba, "backup");
  } catch (e) {
    if (!(e instanceof FormatError)) throw e;
    throw new FormatError(
      "gpt-no-valid-header",
      `${primaryProblem}; backup: ${e.message.replace(`${source.label}: `, "")}`,
    );
  }
}

async function readGptAt(
  source: ByteSource,
  sectorSize: number,
  lba: number,
  lastLba: number,
  which: "primary" | "backup",
): Promise<Gpt> {
  const where = `${source.label}: GPT ${which} header at LBA ${lba}`;
  const fail = (code: string, problem: string) => new FormatError(code, `${where}: ${problem}`);
  if (lba < 1 || lba > lastLba) throw fail("gpt-header-range", "outside the disk");
  const sector = await source.read(lba * sectorSize, sectorSize);
  if (sector.toString("latin1", 0, 8) !== "EFI PART") throw fail("gpt-signature", "no EFI PART");
  const headerSize = sector.readUInt32LE(12);
  if (headerSize < GPT_MIN_HEADER_SIZE || headerSize > sectorSize) {
    throw fail("gpt-header-size", `header size ${headerSize}`);
  }
  const header = sector.subarray(0, headerSize);
  const stored = header.readUInt32LE(16);
  if (crcWithFieldZeroed(crc32, header, 16) !== stored) {
    throw fail("gpt-header-crc", "CRC mismatch");
  }
  const parsed: GptHeader = {
    myLba: u64le(header, 24),
    firstUsableLba: u64le(header, 40),
    lastUsableLba: u64le(header, 48),
    diskGuid: guidAt(header, 56),
    entryLba: u64le(header, 72),
    entryCount: header.readUInt32LE(80),
    entrySize: header.readUInt32LE(84),
    entryArrayCrc: header.readUInt32LE(88),
  };
  if (parsed.myLba !== lba) throw fail("gpt-my-lba", `MyLBA ${parsed.myLba}`);
  if (
    parsed.firstUsableLba > parsed.lastUsableLba ||
    parsed.lastUsableLba > lastLba ||
    parsed.firstUsableLba < 2
  ) {
    throw fail(
      "gpt-usable-range",
      `usable LBAs ${parsed.firstUsableLba}-${parsed.lastUsableLba} do not fit the disk`,
    );
  }
  const { entryCount, entrySize, entryLba } = parsed;
  const arrayBytes = entryCount * entrySize;
  if (
    entrySize < GPT_MIN_ENTRY_SIZE ||
    entrySize % 8 !== 0 ||
    arrayBytes > GPT_MAX_ENTRY_ARRAY_BYTES ||
    entryLba < 2 ||
    entryLba > lastLba ||
    entryLba * sectorSize + arrayBytes > source.size
  ) {
    throw fail(
      "gpt-entry-array",
      `${entryCount} entries of ${entrySize} bytes at LBA ${entryLba} are not readable`,
    );
  }
  const array = await source.read(entryLba * sectorSize, arrayBytes);
  if (crc32(array) !== parsed.entryArrayCrc) {
    throw fail("gpt-entries-crc", "entry array CRC mismatch");
  }
  const partitions: Partition[] = [];
  for (let i = 0; i < entryCount; i++) {
    const e = array.subarray(i * entrySize, i * entrySize + GPT_MIN_ENTRY_SIZE);
    if (isZeroGuid(e, 0)) continue;
    const firstLba = u64le(e, 32);
    const endLba = u64le(e, 40);
    if (firstLba > endLba || firstLba < parsed.firstUsableLba || endLba > parsed.lastUsableLba) {
      throw fail(
        "gpt-partition-range",
        `entry ${i + 1} (LBA ${firstLba}-${endLba}) is outside the usable LBAs`,
      );
    }
    const type = guidAt(e, 0);
    partitions.push({
      index: i + 1,
      start: firstLba * sectorSize,
      length: (endLba - firstLba + 1) * sectorSize,
      type,
      typeName: gptTypeName(type),
      name: utf16Name(e.subarray(56, 128)),
      guid: guidAt(e, 16),
    });
  }
  return { header: parsed, which, partitions };
}

/** The UTF-16LE name, up to its first NUL. */
function utf16Name(bytes: Buffer): string {
  let end = 0;
  while (end + 1 < bytes.length && (bytes[end] !== 0 || bytes[end + 1] !== 0)) end += 2;
  return bytes.toString("utf16le", 0, end);
}
