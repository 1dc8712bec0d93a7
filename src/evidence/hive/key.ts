import { filetimeToDate } from "./baseBlock";
import { HiveBins } from "./bins";
import { ValueData, decodeValue, typeName } from "./decode";
import { regfError } from "./errors";
import { MAX_KEY_DEPTH } from "./limits";
import { namesEqual } from "./names";
import {
  KeyNode,
  readClassName,
  readKeyNode,
  readSubkeyOffsets,
  readValueOffsets,
  readValueRecord,
  type ValueRecord,
} from "./records";
import { readValueBytes } from "./valueData";

/** A value as read: its name ("" for the default value), type, decoded data and raw bytes. */
export interface HiveValue {
  readonly name: string;
  readonly type: number;
  readonly typeName: string;
  readonly data: ValueData;
  readonly raw: Buffer;
}

/** What a key needs from its hive: the cells, names for messages, and the visit budget. */
export interface HiveContext {
  readonly bins: HiveBins;
  readonly label: string;
  readonly minorVersion: number;
  /**
   * Counts list entries expanded (subkeys and values of each key object); throws once the
   * hive's budget is spent.
   */
  charge(count: number): void;
  /** Counts value bytes about to be copied out; throws once the hive's byte budget is spent. */
  chargeBytes(count: number): void;
}

/**
 * One key of an opened hive. Keys are read lazily from the hive image: subkeys and values are
 * parsed when asked for, and every reference is checked (cell bounds, cycles through the key's
 * ancestors, duplicates, depth) before it is followed.
 */
export class HiveKey {
  /** Levels below the root (the root is 0). */
  readonly depth: number;
  private subkeyOffsetsMemo: number[] | undefined;
  private valueOffsetsMemo: number[] | undefined;

  constructor(
    private readonly ctx: HiveContext,
    readonly node: KeyNode,
    /** Path from the root, without the root's own name: `ControlSet001\Services` ("" = root). */
    readonly path: string,
    readonly parent: HiveKey | undefined,
  ) {
    this.depth = parent === undefined ? 0 : parent.depth + 1;
  }

  get name(): string {
    return this.node.name;
  }

  /** Offset of the key's cell in the hive bins data (stable identity within one image). */
  get offset(): number {
    return this.node.offset;
  }

  get lastWritten(): Date {
    return filetimeToDate(this.node.lastWrittenFiletime);
  }

  /** The key's class name, if it has one (some keys keep data there, e.g. LSA keys). */
  get className(): string | undefined {
    return readClassName(this.ctx.bins, this.node, this.where, this.ctx.label);
  }

  /** `\ControlSet001\Services` for messages; `(root)` for the root. */
  get where(): string {
    return this.path === "" ? "(root)" : `\\${this.path}`;
  }

  /** Number of subkeys the key's lists hold (which may differ from the nk's count field). */
  get subkeyCount(): number {
    return this.subkeyOffsets().length;
  }

  get valueCount(): number {
    return this.valueOffsets().length;
  }

  /** All subkeys, in the order their lists hold them (Windows keeps them sorted by name). */
  subkeys(): HiveKey[] {
    const offsets = this.subkeyOffsets();
    const seen = new Set<number>();
    return offsets.map((offset, index) => {
      if (seen.has(offset)) {
        throw regfError(
          "regf-duplicate-subkey",
          this.ctx.label,
          `subkey list of key ${this.where}: key at 0x${offset.toString(16)} is listed twice`,
        );
      }
      seen.add(offset);
      return this.child(offset, index);
    });
  }

  /** The subkey called `name` (compared as Windows does, ignoring case), if any. */
  subkey(name: string): HiveKey | undefined {
    const offsets = this.subkeyOffsets();
    for (let index = 0; index < offsets.length; index += 1) {
      const node = this.readChildNode(offsets[index], index);
      if (namesEqual(node.name, name)) return this.child(offsets[index], index, node);
    }
    return undefined;
  }

  /** All values, in the order the key's value list holds them. */
  values(): HiveValue[] {
    return this.valueOffsets().map((offset, index) => this.readValue(offset, index));
  }

  /** The value called `name` ("" for the default value), ignoring case, if any. */
  value(name: string): HiveValue | undefined {
    const offsets = this.valueOffsets();
    for (let index = 0; index < offsets.length; index += 1) {
      const what = (): string => `value ${index} of key ${this.where}`;
      const record = readValueRecord(this.ctx.bins, offsets[index], what, this.ctx.label);
      if (namesEqual(record.name, name)) return this.readValue(offsets[index], index);
    }
    return undefined;
  }

  /** The key value (vk) record called `name`, ignoring case, if any: where its data lives in the image. */
  valueRecord(name: string): ValueRecord | undefined {
    const offsets = this.valueOffsets();
    for (let index = 0; index < offsets.length; index += 1) {
      const what = (): string => `value ${index} of key ${this.where}`;
      const record = readValueRecord(this.ctx.bins, offsets[index], what, this.ctx.label);
      if (namesEqual(record.name, name)) return record;
    }
    return undefined;
  }

  /**
   * The key's subkey list, expanded once per key object and charged to the hive's budget: each
   * new path to a key expands its lists again, so a crafted hive whose lists share keys (a graph
   * instead of a tree) runs out of budget instead of taking exponential time.
   */
  private subkeyOffsets(): number[] {
    if (this.subkeyOffsetsMemo === undefined) {
      const { bins, label } = this.ctx;
      const offsets = readSubkeyOffsets(bins, this.node, this.where, label);
      this.ctx.charge(offsets.length);
      this.subkeyOffsetsMemo = offsets;
    }
    return this.subkeyOffsetsMemo;
  }

  private valueOffsets(): number[] {
    if (this.valueOffsetsMemo === undefined) {
      const { bins, label } = this.ctx;
      const offsets = readValueOffsets(bins, this.node, this.where, label);
      this.ctx.charge(offsets.length);
      this.valueOffsetsMemo = offsets;
    }
    return this.valueOffsetsMemo;
  }

  private readChildNode(offset: number, index: number): KeyNode {
    const what = (): string => `subkey ${index} of key ${this.where}`;
    return readKeyNode(this.ctx.bins, offset, what, this.ctx.label);
  }

  private child(offset: number, index: number, known?: KeyNode): HiveKey {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- walks up from this key to the root
    for (let k: HiveKey | undefined = this; k !== undefined; k = k.parent) {
      if (k.node.offset === offset) {
        throw regfError(
          "regf-key-cycle",
          this.ctx.label,
          `subkey ${index} of key ${this.where} is the key itself or one of its parents ` +
            `(cell 0x${offset.toString(16)})`,
        );
      }
    }
    if (this.depth + 1 > MAX_KEY_DEPTH) {
      throw regfError(
        "regf-too-deep",
        this.ctx.label,
        `key ${this.where.slice(0, 200)}: subkeys nest deeper than ${MAX_KEY_DEPTH} levels`,
      );
    }
    const node = known ?? this.readChildNode(offset, index);
    const path = this.path === "" ? node.name : `${this.path}\\${node.name}`;
    return new HiveKey(this.ctx, node, path, this);
  }

  private readValue(offset: number, index: number): HiveValue {
    const { bins, label, minorVersion } = this.ctx;
    const where = (): string => `value ${index} of key ${this.where}`;
    const record = readValueRecord(bins, offset, where, label);
    const what = (): string => `value ${JSON.stringify(record.name)} of key ${this.where}`;
    const raw = readValueBytes(bins, record, minorVersion, what, label, this.ctx.chargeBytes);
    return {
      name: record.name,
      type: record.type,
      typeName: typeName(record.type),
      data: decodeValue(record.type, raw),
      raw,
    };
  }
}
