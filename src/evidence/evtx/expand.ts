/**
 * Fills a parsed template's substitution slots with the instance's values, giving the record's
 * XML tree. Two Windows rules shape the result: an optional substitution whose value is null (type
 * 0 or zero bytes) drops the attribute it fills, and an element whose whole content is such a null
 * optional substitution is dropped (this is why classic events have no <Version> element). A value
 * of type BinXML is itself a fragment, usually another template instance (EventData, UserData).
 *
 * One value can be referenced by many slots and a BinXML value can hold templates that repeat
 * their own values, so the expansion is charged against a per-record node and text budget, and
 * template nesting is capped: a crafted record ends in a FormatError, not in exponential output.
 */
import { FormatError } from "../formatError";
import { BinXmlParser, ChunkContext, SubstValue, TElement, TNode, TPart } from "./binxml";
import { MAX_NODES_PER_RECORD, MAX_TEMPLATE_DEPTH, MAX_TEXT_PER_RECORD } from "./limits";
import { ARRAY_FLAG, formatArray, formatValue, ValueType } from "./values";
import { textContent, XmlAttribute, XmlElement, XmlNode } from "./xml";

/** One substitution value and what it expanded to, kept so repeated references reuse it. */
interface Slot {
  value: SubstValue;
  text?: string;
  nodes?: XmlNode[];
  cost?: { nodes: number; chars: number };
}

export class Expander {
  private nodes = 0;
  private chars = 0;

  constructor(private readonly ctx: ChunkContext) {}

  /** Expands a record's top-level fragment. */
  expandRecord(fragment: TNode[]): XmlNode[] {
    return this.expand(fragment, [], 0);
  }

  private charge(nodes: number, chars: number): void {
    this.nodes += nodes;
    this.chars += chars;
    if (this.nodes > MAX_NODES_PER_RECORD || this.chars > MAX_TEXT_PER_RECORD) {
      throw new FormatError(
        "evtx-record-expansion",
        `EVTX ${this.ctx.where}: record expands past ${MAX_NODES_PER_RECORD} nodes or ` +
          `${MAX_TEXT_PER_RECORD} characters`,
      );
    }
  }

  private expand(nodes: TNode[], slots: Slot[], depth: number): XmlNode[] {
    const out: XmlNode[] = [];
    for (const node of nodes) this.expandNode(node, slots, depth, out);
    return out;
  }

  private expandNode(node: TNode, slots: Slot[], depth: number, out: XmlNode[]): void {
    switch (node.k) {
      case "text":
        this.charge(1, node.text.length);
        out.push({ type: "text", value: node.text });
        return;
      case "entity":
        this.charge(1, node.name.length);
        out.push({ type: "entity", name: node.name });
        return;
      case "cdata":
        this.charge(1, node.text.length);
        out.push({ type: "cdata", value: node.text });
        return;
      case "pi":
        this.charge(1, node.target.length + node.data.length);
        out.push({ type: "pi", target: node.target, data: node.data });
        return;
      case "subst":
        if (!(node.optional && isNull(slots[node.index]))) {
          out.push(...this.substitute(slots[node.index], depth));
        }
        return;
      case "element":
        out.push(...this.element(node, slots, depth));
        return;
      case "template": {
        if (depth >= MAX_TEMPLATE_DEPTH) {
          throw new FormatError(
            "evtx-template-depth",
            `EVTX ${this.ctx.where}: templates nested deeper than ${MAX_TEMPLATE_DEPTH} ` +
              `(definition at chunk offset 0x${node.def.offset.toString(16)})`,
          );
        }
        const inner = node.values.map((value) => ({ value }));
        out.push(...this.expand(node.def.nodes, inner, depth + 1));
        return;
      }
    }
  }

  /** The element, none (null optional content), or one per item of an array value. */
  private element(node: TElement, slots: Slot[], depth: number): XmlElement[] {
    this.charge(1, node.name.length);
    const attributes: XmlAttribute[] = [];
    for (const attr of node.attrs) {
      const only = attr.parts.length === 1 ? attr.parts[0] : undefined;
      if (only?.k === "subst" && only.optional && isNull(slots[only.index])) continue;
      const value = attr.parts.map((p) => this.partText(p, slots, depth)).join("");
      this.charge(1, attr.name.length);
      attributes.push({ name: attr.name, value });
    }
    const items = this.arrayItems(node, slots);
    if (items) {
      return items.map((item) => {
        this.charge(1, item.length);
        const children: XmlNode[] = item === "" ? [] : [{ type: "text", value: item }];
        return { type: "element", name: node.name, attributes, children };
      });
    }
    const children = this.expand(node.children, slots, depth);
    const onlyNullOptional =
      node.children.length > 0 &&
      node.children.every((c) => c.k === "subst" && c.optional && isNull(slots[c.index]));
    if (onlyNullOptional && attributes.length === 0) return [];
    return [{ type: "element", name: node.name, attributes, children }];
  }

  /**
   * The items when the element's whole content is one array value: Windows then repeats the
   * element once per item (classic events keep their insertion strings as one string array).
   */
  private arrayItems(node: TElement, slots: Slot[]): string[] | undefined {
    const only = node.children.length === 1 ? node.children[0] : undefined;
    if (only?.k !== "subst") return undefined;
    const slot = slots[only.index];
    if (!slot || isNull(slot) || !(slot.value.type & ARRAY_FLAG)) return undefined;
    const { type, offset, size } = slot.value;
    return formatArray(type & ~ARRAY_FLAG, this.ctx.bytes.subarray(offset, offset + size));
  }

  private partText(part: TPart, slots: Slot[], depth: number): string {
    if (part.k === "text") return part.text;
    if (part.k === "entity") return `&${part.name};`;
    return this.substitute(slots[part.index], depth).map(textContent).join("");
  }

  /** The nodes a slot stands for: a text node, or a nested fragment's expansion. */
  private substitute(slot: Slot | undefined, depth: number): XmlNode[] {
    if (!slot || isNull(slot)) return [];
    const { type, offset, size } = slot.value;
    if (type !== ValueType.BinXml) {
      slot.text ??= formatValue(type, this.ctx.bytes.subarray(offset, offset + size));
      if (slot.text === "") return [];
      this.charge(1, slot.text.length);
      return [{ type: "text", value: slot.text }];
    }
    if (slot.nodes && slot.cost) {
      this.charge(slot.cost.nodes, slot.cost.chars);
      return slot.nodes;
    }
    const before = { nodes: this.nodes, chars: this.chars };
    const fragment = new BinXmlParser(this.ctx, offset, offset + size, false).fragment();
    slot.nodes = this.expand(fragment, [], depth);
    slot.cost = { nodes: this.nodes - before.nodes, chars: this.chars - before.chars };
    return slot.nodes;
  }
}

/** Null for the optional-substitution rule: no value, type null, or no bytes. */
function isNull(slot: Slot | undefined): boolean {
  return !slot || slot.value.type === ValueType.Null || slot.value.size === 0;
}
