import { HiveBins } from "./bins";
import { What, hex, regfError } from "./errors";
import { MAX_INDEX_ROOT_DEPTH, MAX_SUBKEYS_PER_KEY, MAX_VALUES_PER_KEY } from "./limits";
import { decodeName } from "./names";

/** Offset value meaning "no cell" in records. */
export const NO_CELL = 0xffffffff;

/** nk flag: the name is stored one byte per character (Latin-1). */
const KEY_COMP_NAME = 0x0020;
/** vk flag: the value name is stored one byte per character (Latin-1). */
const VALUE_COMP_NAME = 0x0001;

const NK_FIXED_SIZE = 76;
/** Bytes per element of each subkey list kind: li/ri hold offsets, lf/lh offset + hint or hash. */
const LIST_STRIDE = new Map([
  ["li", 4],
  ["ri", 4],
  ["lf", 8],
  ["lh", 8],
]);
const VK_FIXED_SIZE = 20;

/** A key node (nk) record. */
export interface KeyNode {
  readonly offset: number;
  readonly flags: number;
  readonly lastWrittenFiletime: bigint;
  readonly parentOffset: number;
  readonly subkeyCount: number;
  readonly subkeyListOffset: number;
  readonly valueCount: number;
  readonly valueListOffset: number;
  readonly classNameOffset: number;
  readonly classNameLength: number;
  readonly name: string;
}

/** A key value (vk) record, before its data is read. */
export interface ValueRecord {
  readonly offset: number;
  readonly name: string;
  /** The raw data size field: the high bit marks data kept in the data offset field itself. */
  readonly dataSizeField: number;
  readonly dataOffset: number;
  /** Absolute image offset of the data offset field (where resident data lives). */
  readonly residentAt: number;
  readonly type: number;
}

/** Reads the nk record in the cell at `offset`; `what` names it in errors. */
export function readKeyNode(bins: HiveBins, offset: number, what: What, label: string): KeyNode {
  const cell = bins.cell(offset, what);
  const image = bins.image;
  const at = cell.start;
  if (cell.size < NK_FIXED_SIZE || image[at] !== 0x6e || image[at + 1] !== 0x6b) {
    const signature = image.toString("latin1", at, at + Math.min(2, cell.size));
    const found = `${JSON.stringify(signature)} (${cell.size} bytes)`;
    const detail = `cell at ${hex(offset)} is ${found}, not a key node (nk)`;
    throw regfError("regf-bad-key-node", label, what, detail);
  }
  const flags = image.readUInt16LE(at + 2);
  const nameLength = image.readUInt16LE(at + 72);
  if (NK_FIXED_SIZE + nameLength > cell.size) {
    const detail = `key node at ${hex(offset)} has a ${nameLength}-byte name in ${cell.size} bytes`;
    throw regfError("regf-key-name-overrun", label, what, detail);
  }
  return {
    offset,
    flags,
    lastWrittenFiletime: image.readBigUInt64LE(at + 4),
    parentOffset: image.readUInt32LE(at + 16),
    subkeyCount: image.readUInt32LE(at + 20),
    subkeyListOffset: image.readUInt32LE(at + 28),
    valueCount: image.readUInt32LE(at + 36),
    valueListOffset: image.readUInt32LE(at + 40),
    classNameOffset: image.readUInt32LE(at + 48),
    classNameLength: image.readUInt16LE(at + 74),
    name: decodeName(image, at + NK_FIXED_SIZE, nameLength, (flags & KEY_COMP_NAME) !== 0),
  };
}

/** Reads the vk record in the cell at `offset`. */
export function readValueRecord(
  bins: HiveBins,
  offset: number,
  what: What,
  label: string,
): ValueRecord {
  const cell = bins.cell(offset, what);
  const image = bins.image;
  const at = cell.start;
  if (cell.size < VK_FIXED_SIZE || image[at] !== 0x76 || image[at + 1] !== 0x6b) {
    const detail = `cell at ${hex(offset)} (${cell.size} bytes) is not a key value (vk)`;
    throw regfError("regf-bad-value", label, what, detail);
  }
  const nameLength = image.readUInt16LE(at + 2);
  if (VK_FIXED_SIZE + nameLength > cell.size) {
    const detail = `value at ${hex(offset)} has a ${nameLength}-byte name in ${cell.size} bytes`;
    throw regfError("regf-value-name-overrun", label, what, detail);
  }
  const flags = image.readUInt16LE(at + 16);
  return {
    offset,
    name: decodeName(image, at + VK_FIXED_SIZE, nameLength, (flags & VALUE_COMP_NAME) !== 0),
    dataSizeField: image.readUInt32LE(at + 4),
    dataOffset: image.readUInt32LE(at + 8),
    residentAt: at + 8,
    type: image.readUInt32LE(at + 12),
  };
}

/**
 * The nk offsets a key's subkey list names, in list order, following index roots (ri) into their
 * leaves (li, lf, lh). A list seen twice while expanding one key is a cycle; nesting past
 * MAX_INDEX_ROOT_DEPTH, a count that overruns its cell, or more than MAX_SUBKEYS_PER_KEY
 * subkeys is a FormatError.
 */
export function readSubkeyOffsets(
  bins: HiveBins,
  key: KeyNode,
  keyPath: string,
  label: string,
): number[] {
  const out: number[] = [];
  const seen = new Set<number>();
  const visit = (listOffset: number, depth: number): void => {
    const what = (): string => `subkey list of key ${keyPath}`;
    if (seen.has(listOffset)) {
      throw regfError("regf-subkey-list-cycle", label, what, `list ${hex(listOffset)} repeats`);
    }
    seen.add(listOffset);
    const cell = bins.cell(listOffset, what);
    const image = bins.image;
    const signature = cell.size >= 4 ? image.toString("latin1", cell.start, cell.start + 2) : "";
    const stride = LIST_STRIDE.get(signature);
    if (stride === undefined) {
      const detail = `cell at ${hex(listOffset)} is ${JSON.stringify(signature)}, not li/lf/lh/ri`;
      throw regfError("regf-bad-subkey-list", label, what, detail);
    }
    const count = image.readUInt16LE(cell.start + 2);
    if (4 + count * stride > cell.size) {
      const detail = `${signature} at ${hex(listOffset)} counts ${count} in ${cell.size} bytes`;
      throw regfError("regf-subkey-list-overrun", label, what, detail);
    }
    if (signature === "ri" && depth >= MAX_INDEX_ROOT_DEPTH) {
      const detail = `index roots nest deeper than ${MAX_INDEX_ROOT_DEPTH}`;
      throw regfError("regf-index-root-depth", label, what, detail);
    }
    for (let i = 0; i < count; i += 1) {
      const element = image.readUInt32LE(cell.start + 4 + i * stride);
      if (signature === "ri") {
        visit(element, depth + 1);
      } else if (out.length >= MAX_SUBKEYS_PER_KEY) {
        throw regfError("regf-too-many-subkeys", label, what, `more than ${MAX_SUBKEYS_PER_KEY}`);
      } else {
        out.push(element);
      }
    }
  };
  if (key.subkeyCount > 0 && key.subkeyListOffset !== NO_CELL) visit(key.subkeyListOffset, 0);
  return out;
}

/** The vk offsets of a key's value list. */
export function readValueOffsets(
  bins: HiveBins,
  key: KeyNode,
  keyPath: string,
  label: string,
): number[] {
  if (key.valueCount === 0 || key.valueListOffset === NO_CELL) return [];
  const what = (): string => `value list of key ${keyPath}`;
  if (key.valueCount > MAX_VALUES_PER_KEY) {
    throw regfError("regf-too-many-values", label, what, `count ${key.valueCount} is too large`);
  }
  const cell = bins.cell(key.valueListOffset, what);
  if (key.valueCount * 4 > cell.size) {
    const detail = `${key.valueCount} values in a ${cell.size}-byte list at ${hex(cell.offset)}`;
    throw regfError("regf-value-list-overrun", label, what, detail);
  }
  const out: number[] = [];
  for (let i = 0; i < key.valueCount; i += 1) out.push(bins.image.readUInt32LE(cell.start + 4 * i));
  return out;
}

/** The key's class name (UTF-16LE), or undefined when it has none. */
export function readClassName(
  bins: HiveBins,
  key: KeyNode,
  keyPath: string,
  label: string,
): string | undefined {
  if (key.classNameOffset === NO_CELL || key.classNameLength === 0) return undefined;
  const what = (): string => `class name of key ${keyPath}`;
  const cell = bins.cell(key.classNameOffset, what);
  if (key.classNameLength > cell.size) {
    const detail = `${key.classNameLength} bytes in ${cell.size} bytes at ${hex(cell.offset)}`;
    throw regfError("regf-class-name-overrun", label, what, detail);
  }
  return decodeName(bins.image, cell.start, key.classNameLength, false);
}
