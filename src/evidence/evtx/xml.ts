/**
 * The XML tree a record's BinXML expands to, and its rendering. Rendering follows the layout of
 * Windows' "XML view" and of libevtx's `evtxexport -f xml` (two-space indent, text inline, empty
 * elements self-closed) so a person can diff the two. Names come from the disk and may be crafted,
 * so characters that would break the markup are replaced in names and escaped in text.
 */

export interface XmlAttribute {
  name: string;
  value: string;
}

export interface XmlElement {
  type: "element";
  name: string;
  attributes: XmlAttribute[];
  children: XmlNode[];
}

export type XmlNode =
  | XmlElement
  | { type: "text"; value: string }
  | { type: "cdata"; value: string }
  | { type: "pi"; target: string; data: string }
  /** A reference to an entity other than the five XML predefines (kept, not expanded). */
  | { type: "entity"; name: string };

/** Child elements of `el` with the given name. */
export function childElements(el: XmlElement, name?: string): XmlElement[] {
  const out: XmlElement[] = [];
  for (const c of el.children) {
    if (c.type === "element" && (name === undefined || c.name === name)) out.push(c);
  }
  return out;
}

/** First child element of `el` with the given name. */
export function childElement(el: XmlElement | undefined, name: string): XmlElement | undefined {
  if (!el) return undefined;
  for (const c of el.children) if (c.type === "element" && c.name === name) return c;
  return undefined;
}

/** Value of the attribute `name` of `el`, if present. */
export function attribute(el: XmlElement | undefined, name: string): string | undefined {
  return el?.attributes.find((a) => a.name === name)?.value;
}

/** Concatenated text of `node` and its descendants (unknown entities as `&name;`). */
export function textContent(node: XmlNode | undefined): string {
  if (!node) return "";
  switch (node.type) {
    case "text":
    case "cdata":
      return node.value;
    case "entity":
      return `&${node.name};`;
    case "pi":
      return "";
    case "element":
      return node.children.map(textContent).join("");
  }
}

const TEXT_ESCAPES = /[&<>\u0000-\u0008\u000b\u000c\u000e-\u001f]/g;
const ATTRIBUTE_ESCAPES = /[&<>"\u0000-\u001f]/g;

/** XML-escapes text; control characters XML cannot carry raw become character references. */
export function escapeXml(text: string, inAttribute = false): string {
  const pattern = inAttribute ? ATTRIBUTE_ESCAPES : TEXT_ESCAPES;
  return text.replace(pattern, (ch) => {
    if (ch === "&") return "&amp;";
    if (ch === "<") return "&lt;";
    if (ch === ">") return "&gt;";
    if (ch === '"') return "&quot;";
    return `&#x${ch.charCodeAt(0).toString(16).toUpperCase()};`;
  });
}

/** An on-disk name made safe as an XML name (markup characters become `_`). */
export function safeName(name: string): string {
  const cleaned = name.replace(/[\s<>&"'=/!?\u0000-\u001f]/g, "_");
  return cleaned === "" ? "_" : cleaned;
}

function renderInline(node: XmlNode): string {
  switch (node.type) {
    case "text":
      return escapeXml(node.value);
    case "cdata":
      return `<![CDATA[${node.value.replace(/]]>/g, "]]]]><![CDATA[>")}]]>`;
    case "entity":
      return `&${safeName(node.name)};`;
    case "pi":
      return `<?${safeName(node.target)} ${node.data.replace(/\?>/g, "? >")}?>`;
    case "element":
      return renderElement(node, "", "");
  }
}

function renderElement(el: XmlElement, indent: string, step: string): string {
  const name = safeName(el.name);
  const attrs = el.attributes
    .map((a) => ` ${safeName(a.name)}="${escapeXml(a.value, true)}"`)
    .join("");
  const open = `${indent}<${name}${attrs}`;
  const hasElements = el.children.some((c) => c.type === "element");
  if (!hasElements) {
    const inner = el.children.map(renderInline).join("");
    return inner === "" ? `${open}/>` : `${open}>${inner}</${name}>`;
  }
  const lines = el.children.map((c) =>
    c.type === "element" ? renderElement(c, indent + step, step) : indent + step + renderInline(c),
  );
  return `${open}>\n${lines.join("\n")}\n${indent}</${name}>`;
}

/** The element as indented XML text (two spaces per level, as Event Viewer shows it). */
export function renderElementXml(el: XmlElement): string {
  return renderElement(el, "", "  ");
}
