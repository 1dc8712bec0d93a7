/**
 * The CLI renderers: selection by id and time, one line per event with hostile text made
 * visible, and XML for records read with or without their tree.
 */
import { escapeText, formatEvents, renderXml, selectEvents } from "./events";
import { readEvtx } from "./readEvtx";
import { EvtxRecord } from "./record";
import { loadSystemEvtx } from "./testing/evtxexport";

const bytes = loadSystemEvtx();
const describeFixture = bytes ? describe : describe.skip;

describeFixture("on the real System.evtx", () => {
  let records: EvtxRecord[] = []; // read in beforeAll: a skipped describe still runs its body
  beforeAll(() => {
    records = readEvtx(bytes as Buffer).records;
  });

  test("selects by event id and creation time", () => {
    const ids = selectEvents(records, { ids: [7026] }).map((r) => r.recordId);
    expect(ids).toEqual([44, 214, 348]);
    const since = new Date("2017-07-12T17:20:00Z");
    const late = selectEvents(records, { ids: [7026, 6005], since });
    expect(late.map((r) => r.recordId)).toEqual([310, 348]);
    expect(selectEvents(records, {})).toHaveLength(1881);
    expect(selectEvents(records, { ids: [] })).toHaveLength(1881);
  });

  test("prints one line per event: time, id, provider, record, data", () => {
    const lines = formatEvents(selectEvents(records, { ids: [7026, 7000] })).split("\n");
    expect(lines).toHaveLength(6);
    expect(lines[0]).toBe(
      "2017-07-12T17:16:28.2141616Z   7000  Service Control Manager  #35  " +
        "param1=CldFlt param2=%%50 binary=43006C00640046006C0074000000",
    );
    expect(lines[1]).toBe(
      "2017-07-12T17:16:29.2609979Z   7026  Service Control Manager  #44  " +
        "param1=\\r\\nCSC\\r\\ndam",
    );
  });

  test("UserData fields print by name", () => {
    const [install] = selectEvents(records, { ids: [20001] });
    expect(formatEvents([install])).toContain(
      "Microsoft-Windows-UserPnp  #48  " +
        "DriverName=sensorshidclassdriver.inf_amd64_be6069ec8fe30d8b\\\\sensorshidclassdriver.inf",
    );
  });
});

const hostile: EvtxRecord = {
  recordId: 9,
  written: "2024-07-19T04:09:00.0000000Z",
  timeCreated: "2024-07-19T04:09:00.0000000Z",
  eventId: 7000,
  provider: "Evil\nProvider\u202e",
  data: { "param\u001b1": "a b", param2: "", param3: "x".repeat(200), param4: "\ud800" },
};

describe("hostile text", () => {
  test("controls, bidi overrides, separators and lone surrogates become visible escapes", () => {
    expect(escapeText("a\nb\r\tc\\d")).toBe("a\\nb\\r\\tc\\\\d");
    expect(escapeText("\u001b[31mred")).toBe("\\x1b[31mred");
    expect(escapeText("exe.\u202etxt")).toBe("exe.\\u{202e}txt");
    expect(escapeText("\u2066x\u2069\u200f\u2028\u0085")).toBe(
      "\\u{2066}x\\u{2069}\\u{200f}\\u{2028}\\x85",
    );
    expect(escapeText("\ud800 \udc00")).toBe("\\u{d800} \\u{dc00}");
    expect(escapeText("C:\\é€😀")).toBe("C:\\\\é€😀");
  });

  test("a crafted record still prints as exactly one line, quoted and cut where needed", () => {
    const out = formatEvents([hostile, hostile]);
    const lines = out.split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe(
      "2024-07-19T04:09:00.0000000Z   7000  Evil\\nProvider\\u{202e}  #9  " +
        `param\\x1b1="a b" param2="" param3=${"x".repeat(160)}… param4=\\u{d800}`,
    );
  });

  test("an invalid since is refused", () => {
    expect(() => selectEvents([hostile], { since: new Date("nope") })).toThrow(RangeError);
  });
});

describe("renderXml", () => {
  test("rebuilds the kept fields when the record was read without XML", () => {
    const record: EvtxRecord = {
      recordId: 44,
      written: "2017-07-12T17:16:29.2609979Z",
      timeCreated: "2017-07-12T17:16:29.2609979Z",
      eventId: 7026,
      qualifiers: 49152,
      provider: "Service Control Manager",
      eventSource: "Service Control Manager",
      level: 4,
      channel: "System",
      computer: "WIN-P4SIAA0SQCO",
      data: { param1: "\r\nCSC\r\ndam", "<b>": "x&y" },
    };
    expect(renderXml(record)).toBe(
      [
        '<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">',
        "  <System>",
        '    <Provider Name="Service Control Manager" EventSourceName="Service Control Manager"/>',
        '    <EventID Qualifiers="49152">7026</EventID>',
        "    <Level>4</Level>",
        '    <TimeCreated SystemTime="2017-07-12T17:16:29.2609979Z"/>',
        "    <EventRecordID>44</EventRecordID>",
        "    <Channel>System</Channel>",
        "    <Computer>WIN-P4SIAA0SQCO</Computer>",
        "    <Security/>",
        "  </System>",
        "  <EventData>",
        '    <Data Name="param1">\r\nCSC\r\ndam</Data>',
        '    <Data Name="&lt;b&gt;">x&amp;y</Data>',
        "  </EventData>",
        "</Event>",
      ].join("\n"),
    );
    expect(renderXml({ ...record, xml: "<Event/>" })).toBe("<Event/>");
  });
});
