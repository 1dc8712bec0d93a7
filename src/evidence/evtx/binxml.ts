/**
 * BinXML token parser. A record's payload is a BinXML fragment, almost always one template
 * instance: a reference to a template definition (an XML skeleton with numbered substitution
 * slots, stored once per chunk) plus the values for those slots. This module turns tokens into a
 * small tree that still holds the slots; `expand.ts` fills them in.
 *
 * Every offset in BinXML is relative to the 64 KiB chunk, so the parser works on the chunk's bytes.
 * Names and template definitions are looked up by chunk offset (the chunk header's string and
 * template tables are only the writer's hash buckets over the same offsets) and cached per chunk.
 * Elements inside template definitions carry a 2-byte dependency id that elements written directly
 * in a fragment lack (forwarded-event logs and raw BinXML values hold such elements).
 * A template definition may not contain a template instance, so definitions cannot form cycles;
 * element nesting and the bytes parsed for definitions are capped (see limits.ts).
 */
import { FormatError } from "../formatError";
import {
  CHUNK_HEADER_SIZE,
  MAX_ELEMENT_DEPTH,
  MAX_SUBSTITUTIONS,
  MAX_TEMPLATE_BYTES_PER_CHUNK,
} from "./limits";
import { formatGuid, ValueType } from "./values";

/** BinXML tokens; 0x40 or-ed onto some means "has attributes" or "more data follows". */
export const Token = {
  EndOfStream: 0x00,
  OpenStartElement: 0x01,
  CloseStartElement: 0x02,
  CloseEmptyElement: 0x03,
  EndElement: 0x04,
  Value: 0x05,
  Attribute: 0x06,
  CData: 0x07,
  CharRef: 0x08,
  EntityRef: 0x09,
  PITarget: 0x0a,
  PIData: 0x0b,
  TemplateInstance: 0x0c,
  NormalSubstitution: 0x0d,
  OptionalSubstitution: 0x0e,
  FragmentHeader: 0x0f,
} as const;

const MORE_FLAG = 0x40;
const base = (token: number) => token & ~MORE_FLAG;

/** Parts an attribute value or element content is made of. */
export type TPart =
  | { k: "text"; text: string }
  | { k: "entity"; name: string }
  | { k: "subst"; index: number; optional: boolean };

export interface TElement {
  k: "element";
  name: string;
  attrs: { name: string; parts: TPart[] }[];
  children: TNode[];
}

/** Where one substitution value lies in the chunk, and its declared type. */
export interface SubstValue {
  type: number;
  offset: number;
  size: number;
}

export interface TemplateDef {
  offset: number;
  guid: string;
  dataSize: number;
  nodes: TNode[];
}

export interface TTemplate {
  k: "template";
  def: TemplateDef;
  values: SubstValue[];
}

export type TNode =
  | TPart
  | TElement
  | TTemplate
  | { k: "cdata"; text: string }
  | { k: "pi"; target: string; data: string };

/** What one chunk shares among its records: its bytes and the names and templates read so far. */
export interface ChunkContext {
  readonly bytes: Buffer;
  /** Describes the chunk for messages, e.g. "System.evtx chunk 3". */
  readonly where: string;
  readonly names: Map<number, { text: string; size: number }>;
  readonly templates: Map<number, TemplateDef | FormatError>;
  templateBytes: number;
}

export function newChunkContext(bytes: Buffer, where: string): ChunkContext {
  return { bytes, where, names: new Map(), templates: new Map(), templateBytes: 0 };
}

const PREDEFINED_ENTITIES: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
};

const isPartToken = (token: number) =>
  base(token) === Token.Value ||
  base(token) === Token.CharRef ||
  base(token) === Token.EntityRef ||
  token === Token.NormalSubstitution ||
  token === Token.OptionalSubstitution;

const hex = (n: number) => `0x${n.toString(16)}`;

/** A cursor over [pos, end) of the chunk's bytes. */
export class BinXmlParser {
  private readonly bytes: Buffer;

  constructor(
    private readonly ctx: ChunkContext,
    public pos: number,
    private readonly end: number,
    private readonly inTemplate: boolean,
  ) {
    this.bytes = ctx.bytes;
    if (end > this.bytes.length || pos > end) this.fail("evtx-binxml-range", "range past chunk");
  }

  fail(code: string, what: string, at = this.pos): never {
    const where = `EVTX ${this.ctx.where}`;
    throw new FormatError(code, `${where}: BinXML ${what} at chunk offset ${hex(at)}`);
  }

  private need(n: number, what: string): void {
    if (this.pos + n > this.end) this.fail("evtx-binxml-truncated", `${what} runs past its end`);
  }

  private u8(what: string): number {
    this.need(1, what);
    return this.bytes[this.pos++];
  }

  private peek(what: string): number {
    this.need(1, what);
    return this.bytes[this.pos];
  }

  private u16(what: string): number {
    this.need(2, what);
    this.pos += 2;
    return this.bytes.readUInt16LE(this.pos - 2);
  }

  private u32(what: string): number {
    this.need(4, what);
    this.pos += 4;
    return this.bytes.readUInt32LE(this.pos - 4);
  }

  private utf16(chars: number, what: string): string {
    this.need(chars * 2, what);
    this.pos += chars * 2;
    return this.bytes.toString("utf16le", this.pos - chars * 2, this.pos);
  }

  /** Tokens up to an end-of-stream token or the end of the range. */
  fragment(): TNode[] {
    const nodes: TNode[] = [];
    while (this.pos < this.end) {
      const token = this.bytes[this.pos];
      if (token === Token.EndOfStream) {
        this.pos++;
        break;
      }
      if (token === Token.FragmentHeader) {
        this.need(4, "fragment header");
        this.pos += 4; // token, major 1, minor 1, flags
      } else if (token === Token.TemplateInstance) {
        nodes.push(this.templateInstance());
      } else if (base(token) === Token.OpenStartElement) {
        nodes.push(this.element(0));
      } else if (isPartToken(token)) {
        nodes.push(this.part());
      } else {
        this.fail("evtx-binxml-token", `unexpected token ${hex(token)} in fragment`);
      }
    }
    return nodes;
  }

  /** A name by chunk offset; a name stored right here (first use in the chunk) is stepped over. */
  private name(offset: number): string {
    const name = readName(this.ctx, offset, this);
    if (offset === this.pos) {
      this.need(name.size, "inline name");
      this.pos += name.size;
    }
    return name.text;
  }

  private element(depth: number): TElement {
    if (depth >= MAX_ELEMENT_DEPTH) this.fail("evtx-binxml-depth", "elements nested too deep");
    const token = this.u8("element");
    // Elements of template definitions carry a dependency id (u16) before the data size (u32);
    // elements written directly in a fragment (forwarded events, raw BinXML values) do not.
    const header = this.inTemplate ? 6 : 4;
    this.need(header + 4, "element header");
    this.pos += header;
    const name = this.name(this.u32("element name offset"));
    if (token & MORE_FLAG) this.u32("attribute list size");
    const attrs: TElement["attrs"] = [];
    while (this.pos < this.end && base(this.bytes[this.pos]) === Token.Attribute) {
      this.pos++;
      const attrName = this.name(this.u32("attribute name offset"));
      attrs.push({ name: attrName, parts: this.parts() });
    }
    const close = this.u8("end of start element");
    if (close === Token.CloseEmptyElement) return { k: "element", name, attrs, children: [] };
    if (close !== Token.CloseStartElement) {
      const what = `unexpected token ${hex(close)} after attributes`;
      this.fail("evtx-binxml-token", what, this.pos - 1);
    }
    return { k: "element", name, attrs, children: this.content(depth) };
  }

  /** An element's content up to and including its end-element token. */
  private content(depth: number): TNode[] {
    const children: TNode[] = [];
    for (;;) {
      const token = this.peek("element content");
      if (token === Token.EndElement) {
        this.pos++;
        return children;
      }
      if (base(token) === Token.OpenStartElement) {
        children.push(this.element(depth + 1));
      } else if (base(token) === Token.CData) {
        this.pos++;
        children.push({ k: "cdata", text: this.utf16(this.u16("CDATA length"), "CDATA") });
      } else if (token === Token.PITarget) {
        children.push(this.processingInstruction());
      } else if (isPartToken(token)) {
        children.push(this.part());
      } else {
        this.fail("evtx-binxml-token", `unexpected token ${hex(token)} in element content`);
      }
    }
  }

  private processingInstruction(): TNode {
    this.pos++;
    const target = this.name(this.u32("PI target name offset"));
    if (this.u8("PI data") !== Token.PIData) {
      this.fail("evtx-binxml-token", "PI target without PI data", this.pos - 1);
    }
    return { k: "pi", target, data: this.utf16(this.u16("PI data length"), "PI data") };
  }

  private parts(): TPart[] {
    const parts: TPart[] = [];
    while (this.pos < this.end && isPartToken(this.bytes[this.pos])) parts.push(this.part());
    return parts;
  }

  private part(): TPart {
    const token = this.u8("value");
    if (token === Token.NormalSubstitution || token === Token.OptionalSubstitution) {
      const index = this.u16("substitution id");
      this.u8("substitution type");
      return { k: "subst", index, optional: token === Token.OptionalSubstitution };
    }
    if (base(token) === Token.CharRef) {
      return { k: "text", text: String.fromCharCode(this.u16("character reference")) };
    }
    if (base(token) === Token.EntityRef) {
      const name = this.name(this.u32("entity name offset"));
      const known = PREDEFINED_ENTITIES[name];
      return known !== undefined ? { k: "text", text: known } : { k: "entity", name };
    }
    const type = this.u8("value type");
    if (type !== ValueType.String) {
      this.fail("evtx-binxml-value-type", `value text of type ${hex(type)}`, this.pos - 1);
    }
    return { k: "text", text: this.utf16(this.u16("value length"), "value text") };
  }

  private templateInstance(): TTemplate {
    if (this.inTemplate) this.fail("evtx-template-nested", "template instance in a definition");
    this.need(10, "template instance");
    this.pos += 6; // token, unknown byte, template id (the first 4 bytes of the GUID)
    const defOffset = this.u32("template definition offset");
    const def = loadTemplate(this.ctx, defOffset, this);
    if (defOffset === this.pos) {
      this.need(24 + def.dataSize, "inline template definition");
      this.pos += 24 + def.dataSize;
    }
    const count = this.u32("substitution count");
    if (count > MAX_SUBSTITUTIONS) {
      this.fail("evtx-substitution-count", `${count} substitutions (limit ${MAX_SUBSTITUTIONS})`);
    }
    this.need(count * 4, "substitution descriptors");
    const values: SubstValue[] = [];
    let at = this.pos + count * 4;
    for (let i = 0; i < count; i++) {
      const size = this.bytes.readUInt16LE(this.pos + i * 4);
      values.push({ type: this.bytes[this.pos + i * 4 + 2], offset: at, size });
      at += size;
    }
    if (at > this.end) this.fail("evtx-substitution-truncated", "substitution values run past end");
    this.pos = at;
    return { k: "template", def, values };
  }
}

/** The name stored at `offset`: next-name offset u32, hash u16, length u16, UTF-16, NUL. */
function readName(ctx: ChunkContext, offset: number, at: BinXmlParser) {
  const cached = ctx.names.get(offset);
  if (cached) return cached;
  const b = ctx.bytes;
  if (offset < CHUNK_HEADER_SIZE || offset + 8 > b.length) {
    at.fail("evtx-name-offset", `name offset ${hex(offset)} outside the chunk`);
  }
  const chars = b.readUInt16LE(offset + 6);
  const size = 8 + chars * 2 + 2;
  if (offset + size > b.length) at.fail("evtx-name-truncated", `name at ${hex(offset)} too long`);
  const name = { text: b.toString("utf16le", offset + 8, offset + 8 + chars * 2), size };
  ctx.names.set(offset, name);
  return name;
}

/**
 * The template definition at `offset` (next-definition offset u32, GUID, data size u32, then a
 * BinXML fragment), parsed once per chunk; a failure is cached too so it is not re-parsed.
 */
function loadTemplate(ctx: ChunkContext, offset: number, at: BinXmlParser): TemplateDef {
  const cached = ctx.templates.get(offset);
  if (cached instanceof FormatError) throw cached;
  if (cached) return cached;
  try {
    const b = ctx.bytes;
    if (offset < CHUNK_HEADER_SIZE || offset + 24 > b.length) {
      at.fail("evtx-template-offset", `template offset ${hex(offset)} outside the chunk`);
    }
    const dataSize = b.readUInt32LE(offset + 20);
    if (dataSize > b.length - offset - 24) {
      at.fail("evtx-template-truncated", `template at ${hex(offset)} runs past the chunk`);
    }
    ctx.templateBytes += dataSize;
    if (ctx.templateBytes > MAX_TEMPLATE_BYTES_PER_CHUNK) {
      at.fail("evtx-template-budget", `template bytes past ${MAX_TEMPLATE_BYTES_PER_CHUNK}`);
    }
    const guid = formatGuid(b.subarray(offset + 4, offset + 20));
    const nodes = new BinXmlParser(ctx, offset + 24, offset + 24 + dataSize, true).fragment();
    const def: TemplateDef = { offset, guid, dataSize, nodes };
    ctx.templates.set(offset, def);
    return def;
  } catch (e) {
    if (e instanceof FormatError) ctx.templates.set(offset, e);
    throw e;
  }
}
