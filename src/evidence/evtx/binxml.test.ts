/**
 * BinXML features the real fixture does not exercise, on files written token by token: every
 * substitution value type, arrays, nested BinXML values, CDATA, character and entity references,
 * processing instructions and the optional-substitution rules. Expected texts are what Event
 * Viewer shows for these types (decimal integers, 0x-padded hex, braced GUIDs, S-1-… SIDs).
 */
import { readEvtx } from "./readEvtx";
import { ChunkBuilder, evtxFile, simpleEvent, str, TemplateValue } from "./testing/builder";
import { renderXml } from "./events";

const T0 = 131443533882141616n; // 2017-07-12T17:16:28.2141616Z

function readOne(value: TemplateValue) {
  const b = new ChunkBuilder();
  b.record(7n, T0, (r) => simpleEvent(r, 4242, value));
  const result = readEvtx(evtxFile([b.finish()]), { xml: true });
  expect(result.warnings).toEqual([]);
  expect(result.records).toHaveLength(1);
  return result.records[0];
}

const le = (size: number, write: (b: Buffer) => void) => {
  const b = Buffer.alloc(size);
  write(b);
  return b;
};

describe("substitution value types", () => {
  const cases: [string, number, Buffer, string][] = [
    ["null", 0x00, Buffer.alloc(0), ""],
    ["string (terminator dropped)", 0x01, Buffer.from("héllo\0", "utf16le"), "héllo"],
    ["ANSI string, Windows-1252", 0x02, Buffer.from([0x80, 0x41, 0x00]), "€A"],
    ["int8", 0x03, Buffer.from([0xfb]), "-5"],
    ["uint8", 0x04, Buffer.from([0xfb]), "251"],
    ["int16", 0x05, le(2, (b) => b.writeInt16LE(-2)), "-2"],
    ["uint16", 0x06, le(2, (b) => b.writeUInt16LE(65535)), "65535"],
    ["int32", 0x07, le(4, (b) => b.writeInt32LE(-100000)), "-100000"],
    ["uint32", 0x08, le(4, (b) => b.writeUInt32LE(4294967295)), "4294967295"],
    [
      "int64 past 2^53",
      0x09,
      le(8, (b) => b.writeBigInt64LE(-9007199254740993n)),
      "-9007199254740993",
    ],
    ["uint64 max", 0x0a, Buffer.alloc(8, 0xff), "18446744073709551615"],
    ["real32", 0x0b, le(4, (b) => b.writeFloatLE(0.1)), "0.1"],
    ["real64", 0x0c, le(8, (b) => b.writeDoubleLE(-2.5e-7)), "-2.5e-7"],
    ["bool true", 0x0d, le(4, (b) => b.writeUInt32LE(1)), "true"],
    ["bool false", 0x0d, Buffer.alloc(4), "false"],
    ["binary", 0x0e, Buffer.from([0xde, 0xad, 0x0b]), "DEAD0B"],
    [
      "GUID",
      0x0f,
      Buffer.from("b7a88ca64f00b6d7a69807e2de0f1f5d", "hex"),
      "{A68CA8B7-004F-D7B6-A698-07E2DE0F1F5D}",
    ],
    ["size_t (8 bytes)", 0x10, le(8, (b) => b.writeBigUInt64LE(0xfffff8001234n)), "0xfffff8001234"],
    ["size_t (4 bytes)", 0x10, le(4, (b) => b.writeUInt32LE(0x1234)), "0x1234"],
    [
      "FILETIME",
      0x11,
      le(8, (b) => b.writeBigUInt64LE(130000000000000001n)),
      "2012-12-14T23:06:40.0000001Z",
    ],
    [
      "SYSTEMTIME",
      0x12,
      Buffer.from("e107070003000c00110010001c00d600", "hex"),
      "2017-07-12T17:16:28.214Z",
    ],
    [
      "SID",
      0x13,
      Buffer.concat([
        Buffer.from([1, 5, 0, 0, 0, 0, 0, 5]),
        le(20, (b) => [21, 1, 2, 3, 1000].forEach((v, i) => b.writeUInt32LE(v, i * 4))),
      ]),
      "S-1-5-21-1-2-3-1000",
    ],
    ["hex32", 0x14, le(4, (b) => b.writeUInt32LE(0xc0000034)), "0xc0000034"],
    ["hex64", 0x15, le(8, (b) => b.writeBigUInt64LE(0x80n)), "0x0000000000000080"],
    ["int32 of the wrong size shows its bytes", 0x07, Buffer.from([1, 2, 3]), "010203"],
    ["SID shorter than its count shows its bytes", 0x13, Buffer.from([1, 5, 0, 0]), "01050000"],
  ];

  test.each(cases)("%s", (_name, type, bytes, expected) => {
    const record = readOne({ type, bytes });
    expect(record.eventId).toBe(4242);
    expect(record.provider).toBe("Test-Provider");
    expect(record.written).toBe("2017-07-12T17:16:28.2141616Z");
    expect(record.data).toEqual({ v: expected });
  });
});

describe("arrays", () => {
  test("a string array repeats its element once per item, as classic events store them", () => {
    const record = readOne({ type: 0x81, bytes: Buffer.from("a\0\0b\0", "utf16le") });
    expect(record.data).toEqual({ v: "a", "v#2": "", "v#3": "b" });
    expect(record.xml).toContain('<Data Name="v">a</Data>\n    <Data Name="v"/>');
  });

  test("a uint16 array yields one item per element", () => {
    const bytes = le(6, (b) => [1, 2, 65535].forEach((v, i) => b.writeUInt16LE(v, i * 2)));
    expect(readOne({ type: 0x86, bytes }).data).toEqual({ v: "1", "v#2": "2", "v#3": "65535" });
  });

  test("SID, GUID and ANSI string arrays split into their items", () => {
    const sid = (sub: number) => Buffer.from([1, 1, 0, 0, 0, 0, 0, 5, sub, 0, 0, 0]);
    expect(readOne({ type: 0x93, bytes: Buffer.concat([sid(18), sid(19)]) }).data).toEqual({
      v: "S-1-5-18",
      "v#2": "S-1-5-19",
    });
    const guid = Buffer.from("b7a88ca64f00b6d7a69807e2de0f1f5d", "hex");
    expect(readOne({ type: 0x8f, bytes: Buffer.concat([guid, Buffer.alloc(16)]) }).data).toEqual({
      v: "{A68CA8B7-004F-D7B6-A698-07E2DE0F1F5D}",
      "v#2": "{00000000-0000-0000-0000-000000000000}",
    });
    const ansi = Buffer.from([0x61, 0, 0x80, 0x62, 0]);
    expect(readOne({ type: 0x82, bytes: ansi }).data).toEqual({ v: "a", "v#2": "€b" });
  });

  test("an array whose bytes do not divide into items shows its bytes", () => {
    expect(readOne({ type: 0x88, bytes: Buffer.from([1, 2, 3, 4, 5]) }).data).toEqual({
      v: "0102030405",
    });
  });
});

describe("tokens", () => {
  test("a nested BinXML value expands in place; CDATA, char and entity refs become text", () => {
    // Elements written directly in a value (no template) have no dependency id.
    const record = readOne({
      type: 0x21,
      write: (b) => {
        b.fragmentHeader().open("Inner", false, true).closeStart();
        b.u8(0x07).u16(3).raw(Buffer.from("x<y", "utf16le")); // CDATA
        b.u8(0x08).u16(0x41); // &#65;
        b.u8(0x09).nameRef("amp"); // &amp;
        b.u8(0x09).nameRef("nbsp"); // not predefined: kept as a reference
        b.u8(0x0a).nameRef("pi-target").u8(0x0b).u16(2).raw(Buffer.from("go", "utf16le"));
        b.end().eof();
      },
    });
    expect(record.data).toEqual({ v: "x<yA&&nbsp;" });
    expect(renderXml(record)).toContain(
      '<Data Name="v">\n      <Inner><![CDATA[x<y]]>A&amp;&nbsp;<?pi-target go?></Inner>\n',
    );
  });

  test("optional substitutions with null values drop their attribute and element", () => {
    const b = new ChunkBuilder();
    b.record(1n, T0, (r) =>
      r.template(
        (t) => {
          t.open("Event").closeStart().open("System").closeStart();
          t.open("Provider", true).attrList().attr("Name").subst(0).attr("Guid").subst(1, true);
          t.closeEmpty();
          t.element("EventID", (e) => e.subst(2, false, 0x06));
          t.element("Version", (e) => e.subst(1, true));
          t.open("Security", true).attrList().attr("UserID").subst(1, true).closeEmpty();
          t.end().end();
        },
        [
          str("P"),
          { type: 0x00, bytes: Buffer.alloc(0) },
          { type: 0x06, bytes: Buffer.from([7, 0]) },
        ],
      ),
    );
    const [record] = readEvtx(evtxFile([b.finish()]), { xml: true }).records;
    expect(record.xml).toBe(
      [
        "<Event>",
        "  <System>",
        '    <Provider Name="P"/>',
        "    <EventID>7</EventID>",
        "    <Security/>",
        "  </System>",
        "</Event>",
      ].join("\n"),
    );
  });

  test("control characters stay in the data and become character references in the XML", () => {
    const record = readOne(str("a\u0003b"));
    expect(record.data).toEqual({ v: "a\u0003b" });
    expect(record.xml).toContain('<Data Name="v">a&#x3;b</Data>');
  });

  test("a record written without a template (as forwarded events are) reads the same", () => {
    const b = new ChunkBuilder();
    b.record(3n, T0, (r) => {
      r.open("Event", false, true).closeStart().open("System", false, true).closeStart();
      r.open("Provider", true, true).attrList().attr("Name").text("Fwd").closeEmpty();
      r.open("EventID", false, true).closeStart().text("4624").end();
      r.end().end();
    });
    const [record] = readEvtx(evtxFile([b.finish()])).records;
    expect(record).toMatchObject({ recordId: 3, eventId: 4624, provider: "Fwd", data: [] });
  });

  test("a Data item named __proto__ stays an own field", () => {
    const b = new ChunkBuilder();
    b.record(1n, T0, (r) =>
      r.template(
        (t) => {
          t.open("Event").closeStart().open("System").closeStart();
          t.element("EventID", (e) => e.text("1"));
          t.end().open("EventData").closeStart();
          t.open("Data", true).attrList().attr("Name").text("__proto__").closeStart();
          t.subst(0).end().end().end();
        },
        [str("polluted?")],
      ),
    );
    const [record] = readEvtx(evtxFile([b.finish()])).records;
    expect(Object.keys(record.data)).toEqual(["__proto__"]);
    expect((record.data as Record<string, string>)["__proto__"]).toBe("polluted?");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
