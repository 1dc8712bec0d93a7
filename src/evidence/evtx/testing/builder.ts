/**
 * Test helper: writes EVTX files token by token, for what the real fixture does not hold (every
 * value type, CDATA, entity and character references, processing instructions) and for crafted
 * input (expansion bombs, deep nesting). Not used by the reader itself. Follows the same layout
 * the reader documents: chunk-relative offsets, names and template definitions stored inline at
 * first use, records framed by size and size copy, CRC32s over the header and record data.
 */
import { crc32 } from "../crc32";
import { CHUNK_HEADER_SIZE, CHUNK_SIZE, FILE_HEADER_SIZE } from "../limits";

/** A substitution value: its type and its bytes, or a writer for values that hold offsets. */
export type TemplateValue =
  { type: number; bytes: Buffer } | { type: number; write: (b: ChunkBuilder) => void };

export class ChunkBuilder {
  readonly bytes = Buffer.alloc(CHUNK_SIZE);
  pos = CHUNK_HEADER_SIZE;
  private firstId = 0n;
  private lastId = 0n;

  u8(v: number): this {
    this.bytes[this.pos++] = v;
    return this;
  }
  u16(v: number): this {
    this.pos = this.bytes.writeUInt16LE(v, this.pos);
    return this;
  }
  u32(v: number): this {
    this.pos = this.bytes.writeUInt32LE(v >>> 0, this.pos);
    return this;
  }
  u64(v: bigint): this {
    this.pos = this.bytes.writeBigUInt64LE(v, this.pos);
    return this;
  }
  raw(b: Buffer): this {
    this.pos += b.copy(this.bytes, this.pos);
    return this;
  }

  /** A name reference; with `text`, the name is stored right here (first use). */
  nameRef(text: string | number): this {
    if (typeof text === "number") return this.u32(text);
    this.u32(this.pos + 4)
      .u32(0)
      .u16(0)
      .u16(text.length);
    return this.raw(Buffer.from(text, "utf16le")).u16(0);
  }

  fragmentHeader(): this {
    return this.u8(0x0f).u8(1).u8(1).u8(0);
  }
  /**
   * Open start element (data size left 0: the reader ignores it). Inside a template definition
   * it carries a dependency id (0xFFFF); `raw` writes one without, as fragments outside
   * templates hold them.
   */
  open(name: string | number, hasAttributes = false, raw = false): this {
    this.u8(hasAttributes ? 0x41 : 0x01);
    if (!raw) this.u16(0xffff);
    return this.u32(0).nameRef(name);
  }
  attrList(): this {
    return this.u32(0);
  }
  attr(name: string | number): this {
    return this.u8(0x06).nameRef(name);
  }
  closeStart(): this {
    return this.u8(0x02);
  }
  closeEmpty(): this {
    return this.u8(0x03);
  }
  end(): this {
    return this.u8(0x04);
  }
  text(s: string): this {
    return this.u8(0x05).u8(0x01).u16(s.length).raw(Buffer.from(s, "utf16le"));
  }
  subst(index: number, optional = false, type = 0x01): this {
    return this.u8(optional ? 0x0e : 0x0d)
      .u16(index)
      .u8(type);
  }
  eof(): this {
    return this.u8(0x00);
  }

  /** Element `<name>` whose whole content is `content`, e.g. one substitution. */
  element(name: string | number, content: (b: this) => void): this {
    this.open(name).closeStart();
    content(this);
    return this.end();
  }

  /**
   * Template instance. With `def` a callback, the definition is written inline (its fragment
   * between header and EOF) and its offset passed to `onDef`; with a number, the instance refers
   * to a definition already in the chunk. A value is given as bytes or written in place (needed
   * when it holds chunk offsets, e.g. a nested fragment with inline names).
   */
  template(
    def: ((b: this) => void) | number,
    values: TemplateValue[],
    onDef?: (offset: number) => void,
  ): this {
    this.u8(0x0c).u8(1).u32(0x12345678);
    if (typeof def === "number") {
      this.u32(def);
    } else {
      const defOffset = this.pos + 4;
      onDef?.(defOffset);
      this.u32(defOffset).u32(0).raw(Buffer.alloc(16, 0x11));
      const sizeAt = this.pos;
      this.u32(0);
      const start = this.pos;
      this.fragmentHeader();
      def(this);
      this.eof();
      this.bytes.writeUInt32LE(this.pos - start, sizeAt);
    }
    this.u32(values.length);
    const descriptors = this.pos;
    this.pos += values.length * 4;
    values.forEach((v, i) => {
      const start = this.pos;
      if ("bytes" in v) this.raw(v.bytes);
      else v.write(this);
      this.bytes.writeUInt16LE(this.pos - start, descriptors + i * 4);
      this.bytes[descriptors + i * 4 + 2] = v.type;
    });
    return this;
  }

  /** One event record whose BinXML `body` writes (fragment header and EOF included here). */
  record(id: bigint, filetime: bigint, body: (b: this) => void): this {
    const start = this.pos;
    this.u32(0x2a2a).u32(0).u64(id).u64(filetime);
    this.fragmentHeader();
    body(this);
    this.eof();
    const size = this.pos + 4 - start;
    this.u32(size);
    this.bytes.writeUInt32LE(size, start + 4);
    if (this.firstId === 0n) this.firstId = id;
    this.lastId = id;
    return this;
  }

  /** Header fields and both CRCs. */
  finish(): Buffer {
    const b = this.bytes;
    b.write("ElfChnk\0", 0, "latin1");
    b.writeBigUInt64LE(this.firstId, 8);
    b.writeBigUInt64LE(this.lastId, 16);
    b.writeBigUInt64LE(this.firstId, 24);
    b.writeBigUInt64LE(this.lastId, 32);
    b.writeUInt32LE(128, 40);
    b.writeUInt32LE(this.pos, 44);
    b.writeUInt32LE(this.pos, 48);
    fixChunkCrcs(b);
    return b;
  }
}

/** Recomputes a chunk's record-data and header CRC32s (after a test edited it). */
export function fixChunkCrcs(chunk: Buffer): void {
  const free = Math.min(Math.max(chunk.readUInt32LE(48), CHUNK_HEADER_SIZE), CHUNK_SIZE);
  chunk.writeUInt32LE(crc32(chunk.subarray(CHUNK_HEADER_SIZE, free)), 52);
  chunk.writeUInt32LE(crc32(chunk.subarray(0, 120), chunk.subarray(128, CHUNK_HEADER_SIZE)), 124);
}

/** A file: header (signature, version 3.1, chunk count, flags, CRC) followed by the chunks. */
export function evtxFile(chunks: Buffer[], flags = 0): Buffer {
  const header = Buffer.alloc(FILE_HEADER_SIZE);
  header.write("ElfFile\0", 0, "latin1");
  header.writeUInt32LE(128, 32);
  header.writeUInt16LE(1, 36);
  header.writeUInt16LE(3, 38);
  header.writeUInt16LE(FILE_HEADER_SIZE, 40);
  header.writeUInt16LE(chunks.length, 42);
  header.writeUInt32LE(flags, 120);
  header.writeUInt32LE(crc32(header.subarray(0, 120)), 124);
  return Buffer.concat([header, ...chunks]);
}

/** A UTF-16LE string value with its terminator, as Windows stores them. */
export const str = (s: string) => ({ type: 0x01, bytes: Buffer.from(`${s}\0`, "utf16le") });

/**
 * The usual record skeleton: `<Event><System><Provider Name=%0/><EventID>%1</EventID>
 * </System><EventData><Data Name="v">%2</Data></EventData></Event>`, with %1 the event id.
 */
export function simpleEvent(b: ChunkBuilder, eventId: number, value: TemplateValue): void {
  const id = Buffer.alloc(2);
  id.writeUInt16LE(eventId);
  b.template(
    (t) => {
      t.open("Event").closeStart();
      t.open("System").closeStart();
      t.open("Provider", true).attrList().attr("Name").subst(0).closeEmpty();
      t.element("EventID", (e) => e.subst(1, false, 0x06));
      t.end();
      t.open("EventData").closeStart();
      t.open("Data", true).attrList().attr("Name").text("v").closeStart().subst(2).end();
      t.end();
      t.end();
    },
    [str("Test-Provider"), { type: 0x06, bytes: id }, value],
  );
}
