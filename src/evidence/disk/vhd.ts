import { FormatError } from "../formatError";
import { u64be, isPowerOfTwo, roundUp } from "./bytes";
import { assertReadRange, sliceSource, type ByteSource } from "./byteSource";
import { cachedSource } from "./cachedSource";

/** The footer (and its copy at offset 0 of a dynamic disk) is one 512-byte sector. */
export const VHD_FOOTER_SIZE = 512;
export const VHD_DYNAMIC_HEADER_SIZE = 1024;
/** Largest block allocation table read (64 MiB of entries); 2 TiB of 2 MiB blocks needs 1 Mi. */
export const VHD_MAX_BAT_ENTRIES = 16 * 1024 * 1024;
export const VHD_MIN_BLOCK_SIZE = 512;
export const VHD_MAX_BLOCK_SIZE = 256 * 1024 * 1024;
/** Sector bitmaps kept in memory (one per recently read block). */
export const VHD_BITMAP_CACHE_BLOCKS = 64;

const SECTOR = 512;
const UNALLOCATED = 0xffffffff;

export const VHD_DISK_TYPE = { fixed: 2, dynamic: 3, differencing: 4 } as const;

export interface VhdFooter {
  diskType: number;
  /** Virtual disk size in bytes. */
  currentSize: number;
  /** File offset of the dynamic header (dynamic and differencing disks). */
  dataOffset: number;
  creatorApplication: string;
}

/** True when `sector` starts with the footer cookie `conectix`. */
export function hasVhdCookie(sector: Buffer): boolean {
  return sector.length >= 8 && sector.toString("latin1", 0, 8) === "conectix";
}

/** One's complement of the byte sum of `bytes` with the checksum field zeroed (VHD §checksum). */
function vhdChecksum(bytes: Buffer, checksumOffset: number): number {
  let sum = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (i < checksumOffset || i >= checksumOffset + 4) sum += bytes[i];
  }
  return ~sum >>> 0;
}

/** Parses and checks a 512-byte footer (cookie, checksum, disk type); `where` names its offset. */
export function parseVhdFooter(sector: Buffer, label: string, where: number): VhdFooter {
  if (!hasVhdCookie(sector)) {
    throw new FormatError("vhd-footer-cookie", `${label}: VHD footer at ${where} lacks "conectix"`);
  }
  const stored = sector.readUInt32BE(64);
  const computed = vhdChecksum(sector, 64);
  if (stored !== computed) {
    throw new FormatError(
      "vhd-footer-checksum",
      `${label}: VHD footer at ${where} checksum 0x${stored.toString(16)}` +
        ` != computed 0x${computed.toString(16)}`,
    );
  }
  const diskType = sector.readUInt32BE(60);
  if (diskType === VHD_DISK_TYPE.differencing) {
    throw new FormatError(
      "vhd-differencing",
      `${label}: VHD footer at ${where}: differencing disk (needs its parent), not supported`,
    );
  }
  if (diskType !== VHD_DISK_TYPE.fixed && diskType !== VHD_DISK_TYPE.dynamic) {
    throw new FormatError(
      "vhd-disk-type",
      `${label}: VHD footer at ${where}: disk type ${diskType}`,
    );
  }
  return {
    diskType,
    currentSize: u64be(sector, 48),
    dataOffset: u64be(sector, 16),
    creatorApplication: sector.toString("latin1", 28, 32),
  };
}

/**
 * The footer that describes the file: the one at the end, or (for a dynamic disk whose end was
 * cut or damaged) its copy at offset 0. When neither checks out the end footer's error is thrown.
 */
async function readFooter(file: ByteSource): Promise<VhdFooter> {
  if (file.size < VHD_FOOTER_SIZE) {
    throw new FormatError(
      "vhd-truncated",
      `${file.label}: ${file.size} bytes, too small for a VHD`,
    );
  }
  const tailAt = file.size - VHD_FOOTER_SIZE;
  const tail = await file.read(tailAt, VHD_FOOTER_SIZE);
  let tailError: unknown;
  try {
    return parseVhdFooter(tail, file.label, tailAt);
  } catch (e) {
    tailError = e;
  }
  const head = await file.read(0, VHD_FOOTER_SIZE);
  if (hasVhdCookie(head)) {
    let copy: VhdFooter | undefined;
    try {
      copy = parseVhdFooter(head, file.label, 0);
    } catch {
      throw tailError;
    }
    if (copy.diskType === VHD_DISK_TYPE.dynamic) return copy;
  }
  throw tailError;
}

export interface OpenedVhd {
  source: ByteSource;
  format: "vhd-fixed" | "vhd-dynamic";
}

/** Opens a fixed or dynamic VHD held in `file`; differencing disks are refused. */
export async function openVhd(file: ByteSource): Promise<OpenedVhd> {
  const footer = await readFooter(file);
  const label = `${file.label} (VHD)`;
  if (footer.diskType === VHD_DISK_TYPE.fixed) {
    if (footer.currentSize > file.size - VHD_FOOTER_SIZE) {
      throw new FormatError(
        "vhd-truncated",
        `${file.label}: fixed VHD current size ${footer.currentSize} exceeds the file's data` +
          ` (${file.size - VHD_FOOTER_SIZE} bytes)`,
      );
    }
    return { source: sliceSource(file, 0, footer.currentSize, label), format: "vhd-fixed" };
  }
  return { source: await openDynamic(file, footer, label), format: "vhd-dynamic" };
}

interface DynamicHeader {
  tableOffset: number;
  maxTableEntries: number;
  blockSize: number;
}

async function readDynamicHeader(file: ByteSource, at: number): Promise<DynamicHeader> {
  if (
    !Number.isSafeInteger(at) ||
    at < VHD_FOOTER_SIZE ||
    at + VHD_DYNAMIC_HEADER_SIZE > file.size
  ) {
    throw new FormatError(
      "vhd-dynamic-header-offset",
      `${file.label}: VHD footer data offset ${at} does not point inside the file`,
    );
  }
  const header = await file.read(at, VHD_DYNAMIC_HEADER_SIZE);
  if (header.toString("latin1", 0, 8) !== "cxsparse") {
    throw new FormatError(
      "vhd-dynamic-header-cookie",
      `${file.label}: VHD dynamic header at ${at} lacks "cxsparse"`,
    );
  }
  const stored = header.readUInt32BE(36);
  const computed = vhdChecksum(header, 36);
  if (stored !== computed) {
    throw new FormatError(
      "vhd-dynamic-header-checksum",
      `${file.label}: VHD dynamic header at ${at} checksum 0x${stored.toString(16)}` +
        ` != computed 0x${computed.toString(16)}`,
    );
  }
  return {
    tableOffset: u64be(header, 16),
    maxTableEntries: header.readUInt32BE(28),
    blockSize: header.readUInt32BE(32),
  };
}

async function openDynamic(
  file: ByteSource,
  footer: VhdFooter,
  label: string,
): Promise<ByteSource> {
  const { tableOffset, maxTableEntries, blockSize } = await readDynamicHeader(
    file,
    footer.dataOffset,
  );
  const where = `${file.label}: VHD dynamic header at ${footer.dataOffset}`;
  if (
    !isPowerOfTwo(blockSize) ||
    blockSize < VHD_MIN_BLOCK_SIZE ||
    blockSize > VHD_MAX_BLOCK_SIZE
  ) {
    throw new FormatError("vhd-block-size", `${where}: block size ${blockSize} is not supported`);
  }
  const blocksNeeded = Math.ceil(footer.currentSize / blockSize);
  if (maxTableEntries > VHD_MAX_BAT_ENTRIES || maxTableEntries < blocksNeeded) {
    throw new FormatError(
      "vhd-bat-entries",
      `${where}: ${maxTableEntries} BAT entries for ${blocksNeeded} blocks` +
        ` (limit ${VHD_MAX_BAT_ENTRIES})`,
    );
  }
  if (tableOffset < VHD_FOOTER_SIZE || tableOffset + blocksNeeded * 4 > file.size) {
    throw new FormatError(
      "vhd-bat-offset",
      `${where}: BAT offset ${tableOffset} is outside the file`,
    );
  }
  const bat = cachedSource(sliceSource(file, tableOffset, blocksNeeded * 4, `${label} BAT`), {
    blockSize: 64 * 1024,
    maxBlocks: 16,
  });
  const bitmapBytes = roundUp(blockSize / SECTOR / 8, SECTOR);
  const bitmaps = new Map<number, Buffer>();

  async function blockLocation(block: number): Promise<number | undefined> {
    const entry = (await bat.read(block * 4, 4)).readUInt32BE(0);
    if (entry === UNALLOCATED) return undefined;
    const start = entry * SECTOR;
    const blockEnd = Math.min(blockSize, footer.currentSize - block * blockSize);
    if (start < VHD_FOOTER_SIZE || start + bitmapBytes + blockEnd > file.size) {
      throw new FormatError(
        "vhd-block-offset",
        `${label}: BAT entry ${block} (sector ${entry}) points outside the file`,
      );
    }
    return start;
  }

  async function bitmapOf(block: number, start: number): Promise<Buffer> {
    const cached = bitmaps.get(block);
    if (cached) return cached;
    const bitmap = await file.read(start, bitmapBytes);
    bitmaps.set(block, bitmap);
    if (bitmaps.size > VHD_BITMAP_CACHE_BLOCKS) {
      bitmaps.delete(bitmaps.keys().next().value as number);
    }
    return bitmap;
  }

  /** Copies block bytes [from, to) into `out` at `at`: present sectors from the file, others 0. */
  async function readInBlock(block: number, from: number, to: number, out: Buffer, at: number) {
    const start = await blockLocation(block);
    if (start === undefined) return; // `out` is zero-filled already
    const bitmap = await bitmapOf(block, start);
    const present = (sector: number) => (bitmap[sector >> 3] & (0x80 >> (sector & 7))) !== 0;
    let pos = from;
    while (pos < to) {
      const sector = Math.floor(pos / SECTOR);
      const state = present(sector);
      let runEnd = (sector + 1) * SECTOR;
      while (runEnd < to && present(runEnd / SECTOR) === state) runEnd += SECTOR;
      runEnd = Math.min(runEnd, to);
      if (state) {
        const bytes = await file.read(start + bitmapBytes + pos, runEnd - pos);
        bytes.copy(out, at + pos - from);
      }
      pos = runEnd;
    }
  }

  return {
    size: footer.currentSize,
    label,
    async read(offset, length) {
      assertReadRange(label, footer.currentSize, offset, length);
      const out = Buffer.alloc(length);
      let pos = offset;
      while (pos < offset + length) {
        const block = Math.floor(pos / blockSize);
        const inBlock = pos - block * blockSize;
        const take = Math.min(blockSize - inBlock, offset + length - pos);
        await readInBlock(block, inBlock, inBlock + take, out, pos - offset);
        pos += take;
      }
      return out;
    },
  };
}
