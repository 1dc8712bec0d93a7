import { FormatError } from "../formatError";
import { u64le, isPowerOfTwo } from "./bytes";
import type { ByteSource } from "./byteSource";
import { guidAt } from "./guid";

/** The metadata table occupies the first 64 KiB of the metadata region. */
export const VHDX_METADATA_TABLE_SIZE = 64 * 1024;
export const VHDX_MAX_METADATA_ENTRIES = 2047;
export const VHDX_MIN_BLOCK_SIZE = 1024 * 1024;
export const VHDX_MAX_BLOCK_SIZE = 256 * 1024 * 1024;
/** MS-VHDX caps the virtual size at 64 TiB. */
export const VHDX_MAX_VIRTUAL_SIZE = 64 * 1024 ** 4;

export const VHDX_METADATA_ITEM = {
  fileParameters: "CAA16737-FA36-4D43-B3B6-33F0AA44E76B",
  virtualDiskSize: "2FA54224-CD1B-4876-B211-5DBED83BF4B8",
  logicalSectorSize: "8141BF1D-A96F-4709-BA47-F233A8FAAB5F",
  physicalSectorSize: "CDA348C7-445D-4471-9CC9-E9885251C556",
  virtualDiskId: "BECA12AB-B2E6-4523-93EF-C309E000C746",
  parentLocator: "A8D35F2D-B30B-454D-ABF7-D3D84834AB0C",
} as const;

const KNOWN_ITEMS = new Set<string>(Object.values(VHDX_METADATA_ITEM));

export interface VhdxParameters {
  blockSize: number;
  /** File Parameters bit 0: every payload block allocated (a "fixed" VHDX). */
  leaveBlocksAllocated: boolean;
  virtualDiskSize: number;
  logicalSectorSize: number;
}

interface Item {
  offset: number;
  length: number;
}

/**
 * Reads the metadata table and the items a reader needs. An unknown item marked required (and not
 * a user item) means a feature this reader does not know, so the spec says refuse to open; a
 * differencing disk (HasParent) is refused here too, since its parent is not available.
 */
export async function readVhdxMetadata(
  file: ByteSource,
  regionOffset: number,
  regionLength: number,
  label: string,
): Promise<VhdxParameters> {
  const where = `${label}: VHDX metadata table at ${regionOffset}`;
  if (regionLength < VHDX_METADATA_TABLE_SIZE) {
    throw new FormatError("vhdx-metadata-region", `${where}: region of ${regionLength} bytes`);
  }
  const table = await file.read(regionOffset, VHDX_METADATA_TABLE_SIZE);
  if (table.toString("latin1", 0, 8) !== "metadata") {
    throw new FormatError("vhdx-metadata-signature", `${where}: signature is not "metadata"`);
  }
  const count = table.readUInt16LE(10);
  if (count > VHDX_MAX_METADATA_ENTRIES) {
    throw new FormatError("vhdx-metadata-count", `${where}: ${count} entries (limit 2047)`);
  }
  const items = new Map<string, Item>();
  for (let i = 0; i < count; i++) {
    const at = 32 + i * 32;
    const id = guidAt(table, at);
    const offset = table.readUInt32LE(at + 16);
    const length = table.readUInt32LE(at + 20);
    const flags = table.readUInt32LE(at + 24);
    const isUser = (flags & 1) !== 0;
    const isRequired = (flags & 4) !== 0;
    if (items.has(id) && !isUser) {
      throw new FormatError("vhdx-metadata-duplicate", `${where}: item ${id} appears twice`);
    }
    if (length > 0 && (offset < VHDX_METADATA_TABLE_SIZE || offset + length > regionLength)) {
      throw new FormatError(
        "vhdx-metadata-item-range",
        `${where}: item ${id} at ${offset}+${length} is outside the region (${regionLength} bytes)`,
      );
    }
    if (!isUser && !KNOWN_ITEMS.has(id) && isRequired) {
      throw new FormatError(
        "vhdx-metadata-unknown-required",
        `${where}: required metadata item ${id} is unknown to this reader`,
      );
    }
    if (!isUser) items.set(id, { offset, length });
  }

  async function value(id: string, name: string, length: number): Promise<Buffer> {
    const item = items.get(id);
    if (!item) {
      throw new FormatError("vhdx-metadata-missing", `${where}: no ${name} item`);
    }
    if (item.length < length) {
      throw new FormatError(
        "vhdx-metadata-item-length",
        `${where}: ${name} item has ${item.length} bytes, expected ${length}`,
      );
    }
    return file.read(regionOffset + item.offset, length);
  }

  const parameters = await value(VHDX_METADATA_ITEM.fileParameters, "file parameters", 8);
  const blockSize = parameters.readUInt32LE(0);
  const flags = parameters.readUInt32LE(4);
  if ((flags & 2) !== 0) {
    throw new FormatError(
      "vhdx-differencing",
      `${label}: differencing VHDX (has a parent), not supported: merge it into its parent first`,
    );
  }
  if (
    !isPowerOfTwo(blockSize) ||
    blockSize < VHDX_MIN_BLOCK_SIZE ||
    blockSize > VHDX_MAX_BLOCK_SIZE
  ) {
    throw new FormatError("vhdx-block-size", `${where}: block size ${blockSize} is not allowed`);
  }
  const sizeBytes = await value(VHDX_METADATA_ITEM.virtualDiskSize, "virtual disk size", 8);
  const sectorBytes = await value(VHDX_METADATA_ITEM.logicalSectorSize, "logical sector size", 4);
  const logicalSectorSize = sectorBytes.readUInt32LE(0);
  if (logicalSectorSize !== 512 && logicalSectorSize !== 4096) {
    throw new FormatError(
      "vhdx-sector-size",
      `${where}: logical sector size ${logicalSectorSize} is neither 512 nor 4096`,
    );
  }
  const virtualDiskSize = u64le(sizeBytes, 0);
  if (
    virtualDiskSize === 0 ||
    virtualDiskSize > VHDX_MAX_VIRTUAL_SIZE ||
    virtualDiskSize % logicalSectorSize !== 0
  ) {
    throw new FormatError(
      "vhdx-virtual-size",
      `${where}: virtual disk size ${virtualDiskSize} is not allowed`,
    );
  }
  return { blockSize, leaveBlocksAllocated: (flags & 1) !== 0, virtualDiskSize, logicalSectorSize };
}
