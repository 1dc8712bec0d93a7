import { FormatError } from "../formatError";
import { u64le } from "./bytes";
import { assertReadRange, sliceSource, type ByteSource } from "./byteSource";
import { cachedSource } from "./cachedSource";
import { crcWithFieldZeroed, crc32c } from "./crc";
import { guidAt, isZeroGuid } from "./guid";
import { readVhdxMetadata, type VhdxParameters } from "./vhdxMetadata";
import { replayVhdxLog } from "./vhdxLog";

const MiB = 1024 * 1024;
/** File identifier, two headers and two region tables fill the first 1 MiB. */
export const VHDX_HEADER_SECTION = MiB;
export const VHDX_HEADER_OFFSETS = [64 * 1024, 128 * 1024] as const;
export const VHDX_REGION_TABLE_OFFSETS = [192 * 1024, 256 * 1024] as const;
export const VHDX_HEADER_SIZE = 4096;
export const VHDX_REGION_TABLE_SIZE = 64 * 1024;
export const VHDX_MAX_REGION_ENTRIES = 2047;

export const VHDX_REGION = {
  bat: "2DC27766-F623-4200-9D64-115E9BFD4A08",
  metadata: "8B7CA206-4790-4B9A-B8FE-575F050F886E",
} as const;

/** BAT payload block states (MS-VHDX §2.5.1.1). */
export const VHDX_BLOCK_STATE = {
  notPresent: 0,
  undefined: 1,
  zero: 2,
  unmapped: 3,
  fullyPresent: 6,
  partiallyPresent: 7,
} as const;

interface VhdxHeader {
  at: number;
  sequence: bigint;
  logGuid: Buffer;
  logLength: number;
  logOffset: number;
}

export interface OpenedVhdx {
  source: ByteSource;
  format: "vhdx";
  parameters: VhdxParameters;
  /** Log entries applied in memory at open (0 when the log was empty). */
  logEntriesReplayed: number;
}

/** True when the file starts with the VHDX file identifier signature `vhdxfile`. */
export function hasVhdxSignature(first: Buffer): boolean {
  return first.length >= 8 && first.toString("latin1", 0, 8) === "vhdxfile";
}

async function readHeader(file: ByteSource, at: number): Promise<VhdxHeader | string> {
  const bytes = await file.read(at, VHDX_HEADER_SIZE);
  if (bytes.toString("latin1", 0, 4) !== "head") return `header at ${at}: no "head" signature`;
  if (crcWithFieldZeroed(crc32c, bytes, 4) !== bytes.readUInt32LE(4)) {
    return `header at ${at}: CRC-32C mismatch`;
  }
  const version = bytes.readUInt16LE(66);
  if (version !== 1) return `header at ${at}: version ${version}, expected 1`;
  return {
    at,
    sequence: bytes.readBigUInt64LE(8),
    logGuid: Buffer.from(bytes.subarray(48, 64)),
    logLength: bytes.readUInt32LE(68),
    logOffset: u64le(bytes, 72),
  };
}

/** The current header: of the two valid ones, the one with the larger sequence number. */
async function currentHeader(file: ByteSource): Promise<VhdxHeader> {
  const [a, b] = await Promise.all(VHDX_HEADER_OFFSETS.map((at) => readHeader(file, at)));
  if (typeof a === "string" && typeof b === "string") {
    throw new FormatError("vhdx-no-valid-header", `${file.label}: VHDX ${a}; ${b}`);
  }
  if (typeof a === "string") return b as VhdxHeader;
  if (typeof b === "string") return a;
  return b.sequence > a.sequence ? b : a;
}

interface Region {
  offset: number;
  length: number;
}

/** The BAT and metadata regions from the first region table whose CRC-32C checks out. */
async function readRegions(file: ByteSource): Promise<{ bat: Region; metadata: Region }> {
  const problems: string[] = [];
  for (const at of VHDX_REGION_TABLE_OFFSETS) {
    const table = await file.read(at, VHDX_REGION_TABLE_SIZE);
    if (table.toString("latin1", 0, 4) !== "regi") {
      problems.push(`region table at ${at}: no "regi" signature`);
      continue;
    }
    if (crcWithFieldZeroed(crc32c, table, 4) !== table.readUInt32LE(4)) {
      problems.push(`region table at ${at}: CRC-32C mismatch`);
      continue;
    }
    return parseRegionTable(file, table, at);
  }
  throw new FormatError("vhdx-no-valid-region-table", `${file.label}: VHDX ${problems.join("; ")}`);
}

function parseRegionTable(file: ByteSource, table: Buffer, at: number) {
  const where = `${file.label}: VHDX region table at ${at}`;
  const count = table.readUInt32LE(8);
  if (count > VHDX_MAX_REGION_ENTRIES) {
    throw new FormatError("vhdx-region-count", `${where}: ${count} entries (limit 2047)`);
  }
  const found = new Map<string, Region>();
  for (let i = 0; i < count; i++) {
    const e = 16 + i * 32;
    const id = guidAt(table, e);
    const offset = u64le(table, e + 16);
    const length = table.readUInt32LE(e + 24);
    const required = (table.readUInt32LE(e + 28) & 1) !== 0;
    const known = id === VHDX_REGION.bat || id === VHDX_REGION.metadata;
    if (!known) {
      if (required) {
        throw new FormatError(
          "vhdx-region-unknown-required",
          `${where}: required region ${id} is unknown to this reader`,
        );
      }
      continue;
    }
    if (found.has(id)) {
      throw new FormatError("vhdx-region-duplicate", `${where}: region ${id} appears twice`);
    }
    if (
      offset % MiB !== 0 ||
      offset < VHDX_HEADER_SECTION ||
      length % MiB !== 0 ||
      length === 0 ||
      offset + length > file.size
    ) {
      throw new FormatError(
        "vhdx-region-range",
        `${where}: region ${id} at ${offset}+${length} is misaligned or outside the file`,
      );
    }
    found.set(id, { offset, length });
  }
  const bat = found.get(VHDX_REGION.bat);
  const metadata = found.get(VHDX_REGION.metadata);
  if (!bat || !metadata) {
    throw new FormatError("vhdx-region-missing", `${where}: BAT or metadata region is missing`);
  }
  return { bat, metadata };
}

/**
 * Opens a fixed or dynamic VHDX: current header, log (replayed in memory when it holds an active
 * sequence), region table, metadata, then a source that maps virtual offsets through the BAT.
 */
export async function openVhdx(file: ByteSource): Promise<OpenedVhdx> {
  const label = `${file.label} (VHDX)`;
  if (file.size < VHDX_HEADER_SECTION) {
    throw new FormatError(
      "vhdx-truncated",
      `${file.label}: ${file.size} bytes, too small for VHDX`,
    );
  }
  if (!hasVhdxSignature(await file.read(0, 8))) {
    throw new FormatError("vhdx-signature", `${file.label}: no "vhdxfile" identifier at 0`);
  }
  const header = await currentHeader(file);
  let body = file;
  let logEntriesReplayed = 0;
  if (!isZeroGuid(header.logGuid, 0)) {
    const replayed = await replayVhdxLog(file, header, file.label);
    body = replayed.source;
    logEntriesReplayed = replayed.entriesReplayed;
  }
  const regions = await readRegions(body);
  const parameters = await readVhdxMetadata(
    body,
    regions.metadata.offset,
    regions.metadata.length,
    file.label,
  );
  const source = payloadSource(body, regions.bat, parameters, label);
  return { source, format: "vhdx", parameters, logEntriesReplayed };
}

function payloadSource(
  file: ByteSource,
  batRegion: Region,
  parameters: VhdxParameters,
  label: string,
): ByteSource {
  const { blockSize, virtualDiskSize, logicalSectorSize } = parameters;
  const chunkRatio = (2 ** 23 * logicalSectorSize) / blockSize;
  const dataBlocks = Math.ceil(virtualDiskSize / blockSize);
  const entries = dataBlocks + Math.floor((dataBlocks - 1) / chunkRatio);
  if (entries * 8 > batRegion.length) {
    throw new FormatError(
      "vhdx-bat-size",
      `${file.label}: VHDX BAT region of ${batRegion.length} bytes holds fewer than ${entries}` +
        " entries",
    );
  }
  const bat = cachedSource(sliceSource(file, batRegion.offset, entries * 8, `${label} BAT`), {
    blockSize: 64 * 1024,
    maxBlocks: 16,
  });

  /** File offset of virtual block `block`, or undefined when it reads as zeros. */
  async function blockOffset(block: number): Promise<number | undefined> {
    const index = block + Math.floor(block / chunkRatio);
    const entry = await bat.read(index * 8, 8);
    const low = entry.readUInt32LE(0);
    const state = low & 7;
    const where = `${label}: BAT entry ${index} (block ${block})`;
    switch (state) {
      case VHDX_BLOCK_STATE.notPresent:
      case VHDX_BLOCK_STATE.undefined:
      case VHDX_BLOCK_STATE.zero:
      case VHDX_BLOCK_STATE.unmapped:
        return undefined;
      case VHDX_BLOCK_STATE.fullyPresent: {
        const offset = ((low >>> 20) + entry.readUInt32LE(4) * 4096) * MiB;
        const needed = Math.min(blockSize, virtualDiskSize - block * blockSize);
        if (offset < VHDX_HEADER_SECTION || offset + needed > file.size) {
          throw new FormatError(
            "vhdx-block-offset",
            `${where}: block at ${offset} is outside the file (${file.size} bytes)`,
          );
        }
        return offset;
      }
      case VHDX_BLOCK_STATE.partiallyPresent:
        throw new FormatError(
          "vhdx-partially-present",
          `${where}: partially present block (differencing disks only)`,
        );
      default:
        throw new FormatError("vhdx-bat-state", `${where}: unknown block state ${state}`);
    }
  }

  return {
    size: virtualDiskSize,
    label,
    async read(offset, length) {
      assertReadRange(label, virtualDiskSize, offset, length);
      const out = Buffer.alloc(length);
      let pos = offset;
      while (pos < offset + length) {
        const block = Math.floor(pos / blockSize);
        const inBlock = pos - block * blockSize;
        const take = Math.min(blockSize - inBlock, offset + length - pos);
        const at = await blockOffset(block);
        if (at !== undefined) (await file.read(at + inBlock, take)).copy(out, pos - offset);
        pos += take;
      }
      return out;
    },
  };
}
