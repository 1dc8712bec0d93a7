/**
 * Bounds against crafted logs: every limit in limits.ts trips on a log written to exceed it and
 * turns into a skipped record with a warning, quickly, instead of a hang, a deep recursion or
 * unbounded memory.
 */
import { readEvtx } from "./readEvtx";
import {
  MAX_ELEMENT_DEPTH,
  MAX_NODES_PER_RECORD,
  MAX_SUBSTITUTIONS,
  MAX_TEMPLATE_BYTES_PER_CHUNK,
  MAX_TEMPLATE_DEPTH,
  MAX_WARNINGS,
} from "./limits";
import { ChunkBuilder, evtxFile, simpleEvent, str } from "./testing/builder";

const T = 131443533882141616n;

/** Reads a one-chunk file and returns its warnings, failing when reading takes too long. */
function warningsOf(b: ChunkBuilder): string[] {
  const started = Date.now();
  const result = readEvtx(evtxFile([b.finish()]));
  expect(Date.now() - started).toBeLessThan(3000);
  return result.warnings;
}

/**
 * A BinXML value holding an instance of the template at `defAt` whose one value is `inner`
 * (a string at the bottom): position-independent, so values can nest to any depth.
 */
function nested(defAt: number, levels: number): Buffer {
  let inner: { type: number; bytes: Buffer } = str("x");
  for (let i = 0; i < levels; i++) {
    const head = Buffer.alloc(4 + 10 + 4 + 4);
    head.set([0x0f, 1, 1, 0, 0x0c, 1], 0);
    head.writeUInt32LE(defAt, 10);
    head.writeUInt32LE(1, 14);
    head.writeUInt16LE(inner.bytes.length, 18);
    head[20] = inner.type;
    inner = { type: 0x21, bytes: Buffer.concat([head, inner.bytes, Buffer.from([0])]) };
  }
  return inner.bytes;
}

/** A chunk whose first record defines `<A>` holding `fanOut` references to substitution 0. */
function chunkWithFanOut(fanOut: number): { b: ChunkBuilder; defAt: number } {
  const b = new ChunkBuilder();
  let defAt = 0;
  const def = (t: ChunkBuilder) => {
    t.open("A").closeStart();
    for (let i = 0; i < fanOut; i++) t.subst(0);
    t.end();
  };
  b.record(1n, T, (r) => r.template(def, [str("x")], (at) => (defAt = at)));
  return { b, defAt };
}

describe("limits on crafted records", () => {
  test("a substitution bomb (10 references per level, 6 levels) stops at the node budget", () => {
    const { b, defAt } = chunkWithFanOut(10);
    b.record(2n, T, (r) => r.template(defAt, [{ type: 0x21, bytes: nested(defAt, 6) }]));
    const warnings = warningsOf(b);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/record at 0x200 skipped: .*no System\/EventID/);
    expect(warnings[1]).toMatch(
      new RegExp(`skipped: .*record expands past ${MAX_NODES_PER_RECORD} nodes`),
    );
  });

  test("templates nested through BinXML values stop at the template depth", () => {
    const { b, defAt } = chunkWithFanOut(1);
    b.record(2n, T, (r) => r.template(defAt, [{ type: 0x21, bytes: nested(defAt, 12) }]));
    expect(warningsOf(b)[1]).toMatch(
      new RegExp(`templates nested deeper than ${MAX_TEMPLATE_DEPTH}`),
    );
  });

  test("elements nested past the depth limit are refused", () => {
    const b = new ChunkBuilder();
    const depth = MAX_ELEMENT_DEPTH + 10;
    b.record(1n, T, (r) =>
      r.template((t) => {
        const nameAt = t.pos + 11; // token, dependency id, data size, name offset
        t.open("E").closeStart();
        for (let i = 1; i < depth; i++) t.open(nameAt).closeStart();
        for (let i = 0; i < depth; i++) t.end();
      }, []),
    );
    expect(warningsOf(b)).toEqual([expect.stringMatching(/BinXML elements nested too deep/)]);
  });

  test("a substitution count past the limit is refused before any allocation", () => {
    const { b, defAt } = chunkWithFanOut(1);
    b.record(2n, T, (r) => r.u8(0x0c).u8(1).u32(0).u32(defAt).u32(0xffffffff));
    expect(warningsOf(b)[1]).toMatch(
      new RegExp(`4294967295 substitutions \\(limit ${MAX_SUBSTITUTIONS}\\)`),
    );
  });

  test("a template instance inside a template definition is refused (no cycles)", () => {
    const b = new ChunkBuilder();
    b.record(1n, T, (r) => r.template((t) => t.u8(0x0c).u8(1).u32(0).u32(0x200), []));
    expect(warningsOf(b)).toEqual([
      expect.stringMatching(/template instance in a definition at chunk offset/),
    ]);
  });

  test("names and templates at offsets outside the chunk are refused", () => {
    const b = new ChunkBuilder();
    b.record(1n, T, (r) => r.template((t) => t.open(0xfffffff0).closeEmpty(), []));
    b.record(2n, T, (r) => r.u8(0x0c).u8(1).u32(0).u32(0x10).u32(0));
    const warnings = warningsOf(b);
    expect(warnings[0]).toMatch(/name offset 0xfffffff0 outside the chunk/);
    expect(warnings[1]).toMatch(/template offset 0x10 outside the chunk/);
  });

  test("template definitions re-parsed from crafted offsets stop at the per-chunk budget", () => {
    const b = new ChunkBuilder();
    let region = 0;
    b.record(1n, T, (r) => {
      r.u8(0xff); // this record fails at once; its bytes host the fake definitions
      region = r.pos;
      for (let i = 0; i < 32; i++) r.u32(60000); // each aligned offset: data size 60,000
    });
    for (let i = 0; i < 6; i++) {
      b.record(BigInt(i + 2), T, (r) =>
        r
          .u8(0x0c)
          .u8(1)
          .u32(0)
          .u32(region + 4 * i)
          .u32(0),
      );
    }
    const warnings = warningsOf(b);
    expect(warnings.slice(1, 5)).toEqual(
      Array(4).fill(expect.stringMatching(/unexpected token 0x60 in fragment/)),
    );
    expect(warnings[5]).toMatch(new RegExp(`template bytes past ${MAX_TEMPLATE_BYTES_PER_CHUNK}`));
  });

  test("a record id past 2^53 is refused rather than rounded", () => {
    const b = new ChunkBuilder();
    b.record(2n ** 60n, T, (r) => simpleEvent(r, 1, str("v")));
    b.record(5n, T, (r) => simpleEvent(r, 2, str("w")));
    const result = readEvtx(evtxFile([b.finish()]));
    expect(result.records.map((r) => [r.recordId, r.eventId])).toEqual([[5, 2]]);
    expect(result.warnings).toEqual([
      expect.stringMatching(/record id 1152921504606846976 past 2\^53/),
    ]);
  });

  test("warnings stop at the cap and the rest are counted", () => {
    const b = new ChunkBuilder();
    for (let i = 1; i <= 1500; i++) b.record(BigInt(i), T, (r) => r.u8(0xff));
    const warnings = warningsOf(b);
    expect(warnings).toHaveLength(MAX_WARNINGS + 1);
    expect(warnings[MAX_WARNINGS]).toBe(`${1500 - MAX_WARNINGS} further warnings not shown`);
  });
});
