/**
 * A small regf writer for the offline simulation: creates keys, sets values and deletes leaf keys
 * of a clean hive, returning a new image (the input is never changed). Edits are append-only:
 * every new cell (key node, value record, value data, value list, subkey list) goes into one new
 * hive bin appended after the existing bins, and only fields of existing cells are rewritten in
 * place (a parent key's subkey or value count and list offset, its largest-name fields and last
 * written time, a value list entry, a security cell's reference count). Cells an edit replaces
 * (a parent's old subkey or value list, a replaced value's record and data, a deleted key and its
 * values) are leaked: they stay allocated and unreferenced, which Windows and hivex read without
 * complaint and which wastes a few bytes. Big-data (db) values are not written: a value is at most
 * 16,344 bytes. Subkey lists are rewritten whole, sorted by uppercased name as Windows keeps them:
 * `lh` (with the name hash) for hives of format 1.5 and later, `lf` (with the name hint) before,
 * and an `ri` of such leaves past {@link MAX_LEAF} entries. A dirty hive (sequence numbers differ,
 * or a checksum mismatch) is refused: its logs would have to be replayed first.
 */
import { writeBaseBlockChecksum } from "./baseBlock";
import { Hive, openHive } from "./hive";
import type { HiveKey } from "./key";
import { BASE_BLOCK_SIZE, BIG_DATA_THRESHOLD } from "./limits";
import { upcaseName } from "./names";
import { NO_CELL } from "./records";
import { type HiveEditValue, REG_TYPE_CODES, encodeValue } from "./encodeValue";

export type { HiveEditValue } from "./encodeValue";
export { encodeValue } from "./encodeValue";

/**
 * One edit; paths are below the hive's root (`ControlSet001\Services\x`), compared without
 * regard to case. createKey creates missing parents too and does nothing when the key exists;
 * setValue creates or replaces a value of an existing key ("" names the default value);
 * deleteKey removes a key without subkeys (nothing when its parent exists and it does not).
 */
export type HiveEdit =
  | { kind: "createKey"; path: string }
  | ({ kind: "setValue"; path: string; name: string } & HiveEditValue)
  | { kind: "deleteKey"; path: string };

export interface HiveEditOptions {
  /** Last-written time of the keys changed and of the base block; default the base block's. */
  lastWritten?: Date;
}

/** Most entries Windows keeps in one subkey list leaf before it splits the list under an ri. */
export const MAX_LEAF = 1012;
const HBIN_HEADER = 32;
const BIN_ALIGN = 4096;
const KEY_COMP_NAME = 0x0020;
const VALUE_COMP_NAME = 0x0001;
const DATA_RESIDENT = 0x80000000;
const MAX_KEY_NAME = 255;
const MAX_VALUE_NAME = 16_383;
const FILETIME_UNIX_EPOCH = 116_444_736_000_000_000n;

// nk field offsets (from the start of the cell's data)
const NK_WRITTEN = 4;
const NK_PARENT = 16;
const NK_SUBKEYS = 20;
const NK_SUBKEY_LIST = 28;
const NK_VALUES = 36;
const NK_VALUE_LIST = 40;
const NK_SECURITY = 44;
const NK_MAX_SUBKEY_NAME = 52;
const NK_MAX_VALUE_NAME = 60;
const NK_MAX_VALUE_DATA = 64;
const NK_FIXED = 76;
const SK_REFERENCES = 12;

/** A subkey list entry. */
type Child = Pick<HiveKey, "name" | "offset">;

const child = (k: HiveKey): Child => ({ name: k.name, offset: k.offset });
const compressible = (name: string): boolean => [...name].every((c) => c.charCodeAt(0) < 0x100);
const storedName = (name: string): Buffer =>
  Buffer.from(name, compressible(name) ? "latin1" : "utf16le");
const split = (path: string): string[] => path.split("\\").filter((p) => p !== "");

/** The lh hash: hash * 37 + each uppercased UTF-16 code unit, modulo 2^32. */
export function lhHash(name: string): number {
  let hash = 0;
  const up = upcaseName(name);
  for (let i = 0; i < up.length; i += 1) hash = (Math.imul(hash, 37) + up.charCodeAt(i)) >>> 0;
  return hash;
}

/** The lf hint: the first four characters of the name as stored (zero when one is not Latin-1). */
function lfHint(name: string): Buffer {
  const hint = Buffer.alloc(4);
  if (compressible(name)) hint.write(name.slice(0, 4), "latin1");
  return hint;
}

/** The hive being edited: the original bytes plus the new bin, reopened after each edit. */
class Editor {
  private image: Buffer;
  private readonly binStart: number;
  private used: number;
  private changed = false;
  private opened: Hive | undefined;
  private readonly minorVersion: number;
  private readonly filetime: bigint;

  constructor(input: Buffer, when: Date | undefined) {
    const hive = openHive(input, { label: "hive" });
    if (hive.dirty) {
      const b = hive.primaryBaseBlock;
      throw new Error(
        `the hive is dirty (sequence numbers ${b.primarySequence}/${b.secondarySequence}` +
          `${b.storedChecksum === b.computedChecksum ? "" : ", checksum mismatch"}): ` +
          "replay its transaction logs before editing it",
      );
    }
    this.opened = hive;
    const base = hive.baseBlock;
    this.minorVersion = base.minorVersion;
    this.filetime =
      when === undefined
        ? base.lastWrittenFiletime
        : BigInt(when.getTime()) * 10_000n + FILETIME_UNIX_EPOCH;
    this.binStart = base.hiveBinsDataSize;
    if (this.binStart % BIN_ALIGN !== 0 || input.length < BASE_BLOCK_SIZE + this.binStart)
      throw new Error(
        `the hive's bins (${this.binStart} bytes) do not fit its ${input.length}-byte file`,
      );
    this.used = this.binStart;
    this.image = Buffer.alloc(BASE_BLOCK_SIZE + this.binStart + 2 * BIN_ALIGN);
    input.copy(this.image, 0, 0, BASE_BLOCK_SIZE + this.binStart);
  }

  createKey(path: string): void {
    const parts = split(path);
    let key: HiveKey = this.root();
    let i = 0;
    for (; i < parts.length; i += 1) {
      const next = key.subkey(parts[i]);
      if (next === undefined) break;
      key = next;
    }
    if (i === parts.length) return;
    const security = this.u32(key.offset, NK_SECURITY);
    if (!this.isSecurityCell(security))
      throw new Error(`${key.where}: its security cell ${security} is not an sk record`);
    let parent = key.offset;
    let siblings: Child[] = key.subkeys().map(child);
    for (; i < parts.length; i += 1) {
      const name = parts[i];
      const child = this.writeKeyNode(name, parent, security);
      this.setSubkeys(parent, insertSorted(siblings, { name, offset: child }), name);
      parent = child;
      siblings = [];
    }
    this.commit();
  }

  setValue(edit: Extract<HiveEdit, { kind: "setValue" }>): void {
    const key = this.existing(edit.path, `set value ${JSON.stringify(edit.name)}`);
    if (edit.name.length > MAX_VALUE_NAME) throw new Error(`value name too long: ${edit.name}`);
    const data = encodeValue(edit);
    if (data.length > BIG_DATA_THRESHOLD) {
      throw new Error(
        `${key.where} : ${edit.name}: ${data.length} bytes of data; at most ${BIG_DATA_THRESHOLD} ` +
          "are written (big-data values are not supported)",
      );
    }
    const old = key.valueRecord(edit.name);
    const vk = this.writeValue(old?.name ?? edit.name, REG_TYPE_CODES[edit.type], data);
    const count = this.u32(key.offset, NK_VALUES);
    const listOffset = this.u32(key.offset, NK_VALUE_LIST);
    const entries: number[] = [];
    for (let i = 0; i < count; i += 1) entries.push(this.u32(listOffset, 4 * i));
    const at = old === undefined ? -1 : entries.indexOf(old.offset);
    if (at >= 0) {
      this.put32(listOffset, 4 * at, vk);
    } else {
      const list = this.alloc(4 * (count + 1));
      [...entries, vk].forEach((offset, i) => this.put32(list, 4 * i, offset));
      this.put32(key.offset, NK_VALUES, count + 1);
      this.put32(key.offset, NK_VALUE_LIST, list);
    }
    const nameBytes = 2 * edit.name.length;
    if (this.u32(key.offset, NK_MAX_VALUE_NAME) < nameBytes)
      this.put32(key.offset, NK_MAX_VALUE_NAME, nameBytes);
    if (this.u32(key.offset, NK_MAX_VALUE_DATA) < data.length)
      this.put32(key.offset, NK_MAX_VALUE_DATA, data.length);
    this.touch(key.offset);
    this.commit();
  }

  deleteKey(path: string): void {
    const parts = split(path);
    if (parts.length === 0) throw new Error("cannot delete the hive's root key");
    const parentPath = parts.slice(0, -1).join("\\");
    const parent = this.existing(parentPath, `delete key ${path}`);
    const key = parent.subkey(parts[parts.length - 1]);
    if (key === undefined) return;
    if (key.subkeyCount > 0)
      throw new Error(`${key.where} has ${key.subkeyCount} subkeys: only a leaf key is deleted`);
    const rest = parent.subkeys().filter((k) => k.offset !== key.offset);
    this.setSubkeys(parent.offset, rest.map(child), "");
    const sk = this.u32(key.offset, NK_SECURITY);
    const references = this.isSecurityCell(sk) ? this.u32(sk, SK_REFERENCES) : 0;
    if (references > 1) this.put32(sk, SK_REFERENCES, references - 1);
    this.commit();
  }

  /** The edited image: exactly the base block and the bins, sequence numbers bumped and equal. */
  result(): Buffer {
    const out = Buffer.from(this.image.subarray(0, BASE_BLOCK_SIZE + this.binsEnd()));
    if (!this.changed) return out;
    const sequence = (out.readUInt32LE(4) + 1) >>> 0;
    out.writeUInt32LE(sequence, 4);
    out.writeUInt32LE(sequence, 8);
    out.writeBigUInt64LE(this.filetime, 12);
    writeBaseBlockChecksum(out);
    return out;
  }

  /** The root of the image as edited so far, reread after a change (its keys cache their lists). */
  private root(): HiveKey {
    const end = BASE_BLOCK_SIZE + this.binsEnd();
    this.opened ??= openHive(this.image.subarray(0, end), { label: "hive" });
    return this.opened.root;
  }

  private isSecurityCell(offset: number): boolean {
    const at = this.abs(offset);
    const fits = offset % 8 === 0 && at + 16 <= this.image.length;
    return fits && this.image.toString("latin1", at, at + 2) === "sk";
  }

  private existing(path: string, doing: string): HiveKey {
    let key = this.root();
    for (const part of split(path)) {
      const next = key.subkey(part);
      if (next === undefined) {
        const at = key.path === "" ? part : `${key.path}\\${part}`;
        throw new Error(`cannot ${doing}: no key ${at} (create it first)`);
      }
      key = next;
    }
    return key;
  }

  private writeKeyNode(name: string, parent: number, security: number): number {
    if (name.length > MAX_KEY_NAME) throw new Error(`key name longer than 255: ${name}`);
    const stored = storedName(name);
    const nk = this.alloc(NK_FIXED + stored.length);
    const at = this.abs(nk);
    this.image.write("nk", at, "latin1");
    this.image.writeUInt16LE(compressible(name) ? KEY_COMP_NAME : 0, at + 2);
    this.image.writeBigUInt64LE(this.filetime, at + NK_WRITTEN);
    this.put32(nk, NK_PARENT, parent);
    for (const field of [NK_SUBKEY_LIST, 32, NK_VALUE_LIST, 48]) this.put32(nk, field, NO_CELL);
    this.put32(nk, NK_SECURITY, security);
    this.image.writeUInt16LE(stored.length, at + 72);
    stored.copy(this.image, at + NK_FIXED);
    this.put32(security, SK_REFERENCES, this.u32(security, SK_REFERENCES) + 1);
    return nk;
  }

  private writeValue(name: string, type: number, data: Buffer): number {
    const stored = storedName(name);
    const vk = this.alloc(20 + stored.length);
    const at = this.abs(vk);
    this.image.write("vk", at, "latin1");
    this.image.writeUInt16LE(stored.length, at + 2);
    if (data.length <= 4) {
      this.put32(vk, 4, (DATA_RESIDENT | data.length) >>> 0);
      data.copy(this.image, at + 8);
    } else {
      const cell = this.alloc(data.length);
      data.copy(this.image, this.abs(cell));
      this.put32(vk, 4, data.length);
      this.put32(vk, 8, cell);
    }
    this.put32(vk, 12, type);
    this.image.writeUInt16LE(compressible(name) ? VALUE_COMP_NAME : 0, at + 16);
    stored.copy(this.image, at + 20);
    return vk;
  }

  /** Points `parent` at a new subkey list holding `children` (sorted), or at none. */
  private setSubkeys(parent: number, children: Child[], added: string): void {
    this.put32(parent, NK_SUBKEYS, children.length);
    this.put32(parent, NK_SUBKEY_LIST, children.length === 0 ? NO_CELL : this.writeList(children));
    const nameBytes = 2 * added.length;
    const field = this.u32(parent, NK_MAX_SUBKEY_NAME);
    // The low 16 bits hold the length; format 1.5 keeps flags in the high ones.
    if ((field & 0xffff) < nameBytes)
      this.put32(parent, NK_MAX_SUBKEY_NAME, ((field & 0xffff0000) | nameBytes) >>> 0);
    this.touch(parent);
  }

  private writeList(children: Child[]): number {
    if (children.length > MAX_LEAF) {
      const leaves: number[] = [];
      for (let i = 0; i < children.length; i += MAX_LEAF)
        leaves.push(this.writeList(children.slice(i, i + MAX_LEAF)));
      const ri = this.alloc(4 + 4 * leaves.length);
      this.image.write("ri", this.abs(ri), "latin1");
      this.image.writeUInt16LE(leaves.length, this.abs(ri) + 2);
      leaves.forEach((leaf, i) => this.put32(ri, 4 + 4 * i, leaf));
      return ri;
    }
    const hashed = this.minorVersion >= 5;
    const list = this.alloc(4 + 8 * children.length);
    const at = this.abs(list);
    this.image.write(hashed ? "lh" : "lf", at, "latin1");
    this.image.writeUInt16LE(children.length, at + 2);
    children.forEach((c, i) => {
      this.put32(list, 4 + 8 * i, c.offset);
      if (hashed) this.put32(list, 8 + 8 * i, lhHash(c.name));
      else lfHint(c.name).copy(this.image, at + 8 + 8 * i);
    });
    return list;
  }

  private touch(nk: number): void {
    this.image.writeBigUInt64LE(this.filetime, this.abs(nk) + NK_WRITTEN);
  }

  /** A new allocated cell of at least `size` data bytes in the new bin; its bins offset. */
  private alloc(size: number): number {
    if (this.used === this.binStart) this.used += HBIN_HEADER;
    const cellSize = Math.ceil((size + 4) / 8) * 8;
    const need = BASE_BLOCK_SIZE + this.used + cellSize + BIN_ALIGN;
    if (need > this.image.length) {
      const grown = Buffer.alloc(Math.max(need, 2 * this.image.length - BASE_BLOCK_SIZE));
      this.image.copy(grown);
      this.image = grown;
    }
    const offset = this.used;
    this.image.fill(0, BASE_BLOCK_SIZE + offset, BASE_BLOCK_SIZE + offset + cellSize);
    this.image.writeInt32LE(-cellSize, BASE_BLOCK_SIZE + offset);
    this.used += cellSize;
    return offset;
  }

  private binsEnd(): number {
    if (this.used === this.binStart) return this.binStart;
    return this.binStart + Math.ceil((this.used - this.binStart) / BIN_ALIGN) * BIN_ALIGN;
  }

  /** Closes the new bin (header, a free cell to its end), updates the base block. */
  private commit(): void {
    this.changed = true;
    const end = this.binsEnd();
    if (end > this.binStart) {
      const bin = BASE_BLOCK_SIZE + this.binStart;
      this.image.write("hbin", bin, "latin1");
      this.image.writeUInt32LE(this.binStart, bin + 4);
      this.image.writeUInt32LE(end - this.binStart, bin + 8);
      this.image.writeBigUInt64LE(this.filetime, bin + 20);
      if (end > this.used) this.image.writeInt32LE(end - this.used, BASE_BLOCK_SIZE + this.used);
      this.image.writeUInt32LE(end, 40);
    }
    writeBaseBlockChecksum(this.image);
    this.opened = undefined;
  }

  private abs(cell: number): number {
    return BASE_BLOCK_SIZE + cell + 4;
  }

  private u32(cell: number, field: number): number {
    return this.image.readUInt32LE(this.abs(cell) + field);
  }

  private put32(cell: number, field: number, value: number): void {
    this.image.writeUInt32LE(value >>> 0, this.abs(cell) + field);
  }
}

function insertSorted(children: Child[], added: Child): Child[] {
  const name = upcaseName(added.name);
  const at = children.findIndex((c) => name < upcaseName(c.name));
  return at < 0 ? [...children, added] : [...children.slice(0, at), added, ...children.slice(at)];
}

/**
 * A copy of the clean hive `hive` with `edits` applied in order (a later edit sees the keys an
 * earlier one created). Throws an Error naming the edit on a dirty hive, a missing key (setValue,
 * deleteKey's parent), a key with subkeys to delete, or a value too large to write.
 */
export function applyHiveEdits(
  hive: Buffer,
  edits: readonly HiveEdit[],
  options: HiveEditOptions = {},
): Buffer {
  const editor = new Editor(hive, options.lastWritten);
  for (const edit of edits) {
    if (edit.kind === "createKey") editor.createKey(edit.path);
    else if (edit.kind === "setValue") editor.setValue(edit);
    else editor.deleteKey(edit.path);
  }
  return editor.result();
}
