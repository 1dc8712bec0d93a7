/**
 * What `vm-rescue events FILE [--id N…] [--since T] [--json]` prints: a selection of records and
 * one line per event. Every string in a line comes from the broken VM's disk, so control
 * characters, line breaks and bidirectional overrides are shown as visible escapes: a crafted
 * provider name cannot forge extra lines or reorder what the operator reads.
 */
import { EvtxRecord } from "./record";
import { isoToMillis } from "./timeFormat";
import { XmlElement, XmlNode, renderElementXml } from "./xml";

export interface EventSelection {
  /** Keep only these event ids (empty or absent: all). */
  ids?: number[];
  /** Keep only events created at or after this time. */
  since?: Date;
}

/** The records matching the selection, in their given order. */
export function selectEvents(
  records: readonly EvtxRecord[],
  selection: EventSelection = {},
): EvtxRecord[] {
  const ids = selection.ids?.length ? new Set(selection.ids) : undefined;
  const since = selection.since?.getTime();
  if (since !== undefined && Number.isNaN(since)) {
    throw new RangeError("selectEvents: invalid since");
  }
  return records.filter(
    (r) =>
      (!ids || ids.has(r.eventId)) && (since === undefined || isoToMillis(r.timeCreated) >= since),
  );
}

/**
 * Characters shown as escapes: C0/C1 controls, the backslash (so escapes are unambiguous), line
 * and paragraph separators, bidi marks, embeddings, overrides and isolates, the BOM, and lone
 * surrogates.
 */
const UNSAFE = new RegExp(
  [
    "[\\\\\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u200e\\u200f\\u2028\\u2029]",
    "[\\u202a-\\u202e\\u2066-\\u2069\\ufeff]",
    "[\\ud800-\\udbff](?![\\udc00-\\udfff])",
    "(?<![\\ud800-\\udbff])[\\udc00-\\udfff]",
  ].join("|"),
  "g",
);

const NAMED_ESCAPES: Record<string, string> = {
  "\\": "\\\\",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
};

/** Text with every unsafe character replaced by a visible escape (`\n`, `\x1b`, `\u{202e}`). */
export function escapeText(text: string): string {
  return text.replace(UNSAFE, (ch) => {
    const named = NAMED_ESCAPES[ch];
    if (named) return named;
    const code = ch.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u{${code.toString(16)}}`;
  });
}

/** Longest value shown in a line; the rest is elided (the JSON output has it all). */
export const MAX_VALUE_CHARS = 160;

function shown(value: string): string {
  const cut = value.length > MAX_VALUE_CHARS ? `${value.slice(0, MAX_VALUE_CHARS)}…` : value;
  const text = escapeText(cut);
  return text === "" || /[\s"=]/.test(text) ? `"${text.replace(/"/g, '\\"')}"` : text;
}

/** The event's data as `name=value` pairs (or bare values), then its binary data if any. */
function keyData(r: EvtxRecord): string {
  const parts = Array.isArray(r.data)
    ? r.data.map(shown)
    : Object.entries(r.data).map(([k, v]) => `${escapeText(k)}=${shown(v)}`);
  if (r.binary) parts.push(`binary=${shown(r.binary)}`);
  return parts.join(" ");
}

/** One line per event: creation time, event id, provider, record id, key data. */
export function formatEvents(records: readonly EvtxRecord[]): string {
  return records
    .map((r) => {
      const head = `${escapeText(r.timeCreated)}  ${String(r.eventId).padStart(5)}  `;
      const data = keyData(r);
      return `${head}${escapeText(r.provider)}  #${r.recordId}${data ? `  ${data}` : ""}`;
    })
    .join("\n");
}

/**
 * The record as XML: exactly what the log held when it was read with `{ xml: true }`; otherwise
 * rebuilt from the fields kept (System essentials, then EventData; UserData fields appear as named
 * Data items), which is enough to read but not a byte-faithful rendering.
 */
export function renderXml(record: EvtxRecord): string {
  if (record.xml !== undefined) return record.xml;
  const el = (name: string, attrs: [string, string | undefined][], kids: XmlNode[] = []) => {
    const attributes = attrs
      .filter((a): a is [string, string] => a[1] !== undefined)
      .map(([n, value]) => ({ name: n, value }));
    return { type: "element", name, attributes, children: kids } as XmlElement;
  };
  const text = (value: string | number | undefined): XmlNode[] =>
    value === undefined ? [] : [{ type: "text", value: String(value) }];
  const qualifiers = record.qualifiers?.toString();
  const system = el(
    "System",
    [],
    [
      el("Provider", [
        ["Name", record.provider],
        ["EventSourceName", record.eventSource],
      ]),
      el("EventID", [["Qualifiers", qualifiers]], text(record.eventId)),
      ...(record.level !== undefined ? [el("Level", [], text(record.level))] : []),
      el("TimeCreated", [["SystemTime", record.timeCreated]]),
      el("EventRecordID", [], text(record.recordId)),
      ...(record.channel !== undefined ? [el("Channel", [], text(record.channel))] : []),
      ...(record.computer !== undefined ? [el("Computer", [], text(record.computer))] : []),
      el("Security", [["UserID", record.userId]]),
    ],
  );
  const items = Array.isArray(record.data)
    ? record.data.map((v) => el("Data", [], text(v)))
    : Object.entries(record.data).map(([k, v]) => el("Data", [["Name", k]], text(v)));
  if (record.binary !== undefined) items.push(el("Binary", [], text(record.binary)));
  const xmlns = "http://schemas.microsoft.com/win/2004/08/events/event";
  return renderElementXml(el("Event", [["xmlns", xmlns]], [system, el("EventData", [], items)]));
}
