import { What, hex, regfError } from "./errors";
import { BASE_BLOCK_SIZE } from "./limits";

/** An allocated cell: where its data starts in the image and how many bytes it holds. */
export interface Cell {
  /** Offset of the cell relative to the start of the hive bins data (what records store). */
  readonly offset: number;
  /** Absolute offset of the cell's data (after the 4-byte size) in the hive image. */
  readonly start: number;
  /** Bytes of cell data (the cell's size minus its size field). */
  readonly size: number;
}

const HBIN_HEADER_SIZE = 32;
const CELL_ALIGN = 8;
const SLOT_NONE = 0;
const SLOT_FREE = 1;
const SLOT_USED = 2;

/**
 * The hive bins of one hive image, walked once so that every later cell reference can be checked
 * against the real cell boundaries: a record that points into the middle of a cell, past the bins
 * or at a free cell is refused, and no cell can overrun its bin. A damaged cell chain leaves the
 * rest of its bin out, a damaged bin header everything after it, each with a warning.
 */
export class HiveBins {
  /** Bytes of hive bins data actually walked (may be less than the header says). */
  readonly end: number;
  private allocated = 0;
  private readonly slots: Uint8Array;

  constructor(
    readonly image: Buffer,
    declaredSize: number,
    private readonly label: string,
    warn: (message: string) => void,
  ) {
    const present = Math.max(0, image.length - BASE_BLOCK_SIZE);
    if (declaredSize > present) {
      warn(
        `hive bins data size ${hex(declaredSize)} in the base block exceeds the ${hex(present)} ` +
          "bytes after it; reading the bins present",
      );
    }
    const limit = Math.min(declaredSize, present) - (Math.min(declaredSize, present) % 4096);
    this.slots = new Uint8Array(Math.ceil(limit / CELL_ALIGN));
    this.end = this.walkBins(limit, warn);
  }

  /** Allocated cells found; the hive's visit budget scales with it. */
  get allocatedCells(): number {
    return this.allocated;
  }

  /** The allocated cell at `offset` (relative to the bins data), or a FormatError naming `what`. */
  cell(offset: number, what: What): Cell {
    const inBins = offset % CELL_ALIGN === 0 && offset < this.end;
    const slot = inBins ? this.slots[offset / CELL_ALIGN] : SLOT_NONE;
    if (slot === SLOT_NONE) {
      const detail = `offset ${hex(offset)} is not a cell in the hive bins (0x0-${hex(this.end)})`;
      throw regfError("regf-bad-cell-offset", this.label, what, detail);
    }
    if (slot !== SLOT_USED) {
      throw regfError("regf-free-cell", this.label, what, `cell at ${hex(offset)} is unallocated`);
    }
    const start = BASE_BLOCK_SIZE + offset;
    return { offset, start: start + 4, size: -this.image.readInt32LE(start) - 4 };
  }

  /**
   * Walks bins from the start and stops at the first page that is not a valid bin (as hivex and
   * libregf do): what follows a damaged bin header cannot be trusted to be hive data.
   */
  private walkBins(limit: number, warn: (message: string) => void): number {
    let pos = 0;
    while (pos + HBIN_HEADER_SIZE <= limit) {
      const at = BASE_BLOCK_SIZE + pos;
      const size = this.image.readUInt32LE(at + 8);
      const valid =
        this.image.toString("latin1", at, at + 4) === "hbin" &&
        this.image.readUInt32LE(at + 4) === pos &&
        size >= 4096 &&
        size % 4096 === 0 &&
        pos + size <= limit;
      if (!valid) {
        warn(
          `no valid hive bin at bins offset ${hex(pos)} (the base block counts ${hex(limit)} ` +
            "bytes of bins); nothing after it is read",
        );
        break;
      }
      this.allocated += this.walkCells(pos, size, warn);
      pos += size;
    }
    return pos;
  }

  /** Marks the cells of one bin; stops at the first cell whose size does not fit. */
  private walkCells(binOffset: number, binSize: number, warn: (message: string) => void): number {
    const binEnd = binOffset + binSize;
    let pos = binOffset + HBIN_HEADER_SIZE;
    let allocated = 0;
    // Once per bin, not per cell: the image, the base block's size and the slots. Where code runs
    // in a vm context (tests), each global or imported name looked up per cell is slow (hence
    // not Math.abs), and Buffer's readInt32LE costs more than reading the four bytes.
    const image = this.image;
    const slots = this.slots;
    const base = BASE_BLOCK_SIZE;
    while (pos < binEnd) {
      const at = base + pos;
      // binEnd is within the image (walkBins checks the bin against the bytes present).
      const raw = image[at] | (image[at + 1] << 8) | (image[at + 2] << 16) | (image[at + 3] << 24);
      const size = raw < 0 ? -raw : raw;
      if (size < CELL_ALIGN || size % CELL_ALIGN !== 0 || pos + size > binEnd) {
        warn(
          `cell at ${hex(pos)} has size ${raw}, which does not fit hive bin ${hex(binOffset)}; ` +
            "the rest of that bin is skipped",
        );
        break;
      }
      slots[pos / CELL_ALIGN] = raw < 0 ? SLOT_USED : SLOT_FREE;
      if (raw < 0) allocated += 1;
      pos += size;
    }
    return allocated;
  }
}
