/**
 * From a record's XML tree to the fields the planner and the CLI use. Event logs carry their
 * payload in one of two shapes: `<EventData>` with `<Data Name="…">` items (or unnamed items in
 * classic events) and an optional `<Binary>`, or `<UserData>` with one provider-defined element
 * whose children are the fields. Both become `data`; names come from the disk, so the map is built
 * with own properties only (a field called `__proto__` stays a field).
 */
import { FormatError } from "../formatError";
import { attribute, childElement, childElements, textContent, XmlElement, XmlNode } from "./xml";

/** One event as read from the log. */
export interface EvtxRecord {
  /** The record header's identifier (what evtxexport calls the event number). */
  recordId: number;
  /** When the record was written (record header FILETIME), ISO 8601 UTC, 7 fractional digits. */
  written: string;
  eventId: number;
  /** EventID's Qualifiers attribute (classic events: the high word of the message id). */
  qualifiers?: number;
  /** Provider Name (or EventSourceName when no Name), "" when the record names none. */
  provider: string;
  /** Provider/@EventSourceName when present (classic source name, e.g. "BugCheck", "DCOM"). */
  eventSource?: string;
  level?: number;
  channel?: string;
  computer?: string;
  /** Security UserID (a SID string) when present. */
  userId?: string;
  /** System/TimeCreated/@SystemTime, or `written` when the record has none. */
  timeCreated: string;
  /** Named Data items, a UserData element's fields, or the unnamed Data items in order. */
  data: Record<string, string> | string[];
  /** EventData/Binary as upper-case hex, when present. */
  binary?: string;
  /**
   * Set when the record comes from a chunk that failed its checksums and was read anyway
   * (`readEvtx(…, { salvage: true })`): its bytes may be damaged.
   */
  unverified?: true;
  /** The record rendered as XML, when `readEvtx` was asked for it. */
  xml?: string;
}

/**
 * Builds a field map with own properties only (a field called `__proto__` stays a field) and
 * keeps repeated names apart as `name#2`, `name#3`, … rather than losing them.
 */
class FieldMap {
  readonly fields: Record<string, string> = {};
  private readonly seen = new Map<string, number>();

  set(name: string, value: string): void {
    let key = name;
    const n = (this.seen.get(name) ?? 0) + 1;
    this.seen.set(name, n);
    if (n > 1) key = `${name}#${n}`;
    while (Object.prototype.hasOwnProperty.call(this.fields, key)) key += "'"; // "a#2" was a name
    if (key !== "__proto__") {
      this.fields[key] = value;
      return;
    }
    Object.defineProperty(this.fields, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
}

function eventData(eventData: XmlElement): Pick<EvtxRecord, "data" | "binary"> {
  const items = childElements(eventData, "Data");
  const binaryEl = childElement(eventData, "Binary");
  const binary = binaryEl ? textContent(binaryEl) : undefined;
  const named = items.length > 0 && items.every((d) => attribute(d, "Name") !== undefined);
  if (!named) return { data: items.map(textContent), ...(binary !== undefined && { binary }) };
  const map = new FieldMap();
  for (const d of items) map.set(attribute(d, "Name") as string, textContent(d));
  return { data: map.fields, ...(binary !== undefined && { binary }) };
}

const isNamespace = (name: string) => name === "xmlns" || name.startsWith("xmlns:");

/**
 * A UserData element's fields, in document order: the wrapper's attributes by name, then for
 * each element below it its attributes as `Element.attr` and, for a leaf, its text as `Element`
 * (nested paths joined with "."). A leaf with attributes and no text adds no text field. This is
 * the order in which libevtx lists an event's strings.
 */
function userData(userData: XmlElement): Pick<EvtxRecord, "data"> {
  const wrapper = childElements(userData)[0];
  if (!wrapper) return { data: [] };
  const map = new FieldMap();
  const walk = (el: XmlElement, path: string) => {
    for (const a of el.attributes) {
      if (!isNamespace(a.name)) map.set(path ? `${path}.${a.name}` : a.name, a.value);
    }
    const kids = childElements(el);
    for (const kid of kids) walk(kid, path ? `${path}.${kid.name}` : kid.name);
    const text = textContent(el);
    const leafField = kids.length === 0 && (text !== "" || el.attributes.length === 0);
    if (path && leafField) map.set(path, text);
  };
  walk(wrapper, "");
  return { data: map.fields };
}

function optionalInt(text: string | undefined): number | undefined {
  if (text === undefined || !/^\s*\d{1,10}\s*$/.test(text)) return undefined;
  return Number(text);
}

/** Builds the record from its expanded BinXML; `where` names the record for messages. */
export function toRecord(
  nodes: XmlNode[],
  recordId: number,
  written: string,
  where: string,
): { record: EvtxRecord; root: XmlElement } {
  const root = nodes.find((n): n is XmlElement => n.type === "element");
  const system = childElement(root, "System");
  const eventIdEl = childElement(system, "EventID");
  const eventId = optionalInt(eventIdEl && textContent(eventIdEl));
  if (!root || eventId === undefined) {
    throw new FormatError("evtx-record-no-event-id", `EVTX ${where}: no System/EventID number`);
  }
  const provider = childElement(system, "Provider");
  const text = (name: string) => {
    const el = childElement(system, name);
    return el ? textContent(el) : undefined;
  };
  const record: EvtxRecord = {
    recordId,
    written,
    eventId,
    provider: attribute(provider, "Name") ?? attribute(provider, "EventSourceName") ?? "",
    timeCreated: attribute(childElement(system, "TimeCreated"), "SystemTime") ?? written,
    data: [],
  };
  const eventSource = attribute(provider, "EventSourceName");
  if (eventSource !== undefined) record.eventSource = eventSource;
  const qualifiers = optionalInt(attribute(eventIdEl, "Qualifiers"));
  if (qualifiers !== undefined) record.qualifiers = qualifiers;
  const level = optionalInt(text("Level"));
  if (level !== undefined) record.level = level;
  const channel = text("Channel");
  if (channel !== undefined) record.channel = channel;
  const computer = text("Computer");
  if (computer !== undefined) record.computer = computer;
  const userId = attribute(childElement(system, "Security"), "UserID");
  if (userId !== undefined) record.userId = userId;
  const ed = childElement(root, "EventData");
  const ud = childElement(root, "UserData");
  if (ed) Object.assign(record, eventData(ed));
  else if (ud) Object.assign(record, userData(ud));
  return { record, root };
}
