import * as fs from "node:fs";
import { SHARED_FIXTURES } from "../../tests/helpers/paths";
import * as path from "node:path";
import fc from "fast-check";
import { DumpFormatError, DumpFormatReason } from "./minidumpTypes";
import { parseMinidump, readCapturedMemory } from "./minidump";
import { findCausedBy } from "./causedBy";
import { buildStack, writeDump } from "../../tests/builders/dumpWriter";
import { DRIVERS, STACK_TOP, addr, scenario } from "../../tests/builders/dumpScenarios";

const FIXTURE = path.join(SHARED_FIXTURES, "triage_x64.dmp");
const haveFixture = fs.existsSync(FIXTURE);
const withFixture = haveFixture ? test : test.skip;
if (!haveFixture) console.warn(`skipping real-dump tests: ${FIXTURE} is absent`);

function rejection(bytes: Uint8Array): DumpFormatReason | "parsed" {
  try {
    parseMinidump(bytes);
    return "parsed";
  } catch (e) {
    if (e instanceof DumpFormatError) return e.reason;
    throw e;
  }
}

describe("the real Windows 10 triage dump (triage_x64.dmp)", () => {
  const dump = () => parseMinidump(fs.readFileSync(FIXTURE));

  withFixture("has the header facts WinDbg and BlueScreenView show", () => {
    const d = dump();
    expect(d.machine).toBe("x64");
    expect(d.majorVersion).toBe(15);
    expect(d.build).toBe(19041);
    expect(d.processors).toBe(16);
    expect(d.bugCheck.code).toBe(0x1000007e);
    expect(d.bugCheck.parameters).toEqual([
      0xffffffffc0000005n,
      0xfffff8048b58334cn,
      0xffff850429891ee8n,
      0xffff850429891720n,
    ]);
    expect(d.crashTime?.toISOString()).toMatch(/^2021-02-21T01:38:22\.9\d\dZ$/);
  });

  withFixture(
    "lists 151 drivers with names from the string pool (kernel, HAL, kd first) and 4 unloaded",
    () => {
      const d = dump();
      expect(d.drivers).toHaveLength(151);
      expect(d.driverEntrySize).toBe(0x90);
      expect(d.drivers.slice(0, 3).map((x) => x.name)).toEqual([
        "ntoskrnl.exe",
        "hal.dll",
        "kd.dll",
      ]);
      expect(d.drivers[0]).toMatchObject({
        base: 0xfffff8047ba00000n,
        size: 0x1046000,
        checksum: 0xa5938c,
      });
      expect(d.drivers.find((x) => x.name === "amdppm.sys")).toMatchObject({
        base: 0xfffff8048b580000n,
        size: 0x3b000,
      });
      expect(d.unloadedDrivers.map((u) => u.name)).toEqual([
        "dam.sys",
        "WdBoot.sys",
        "hwpolicy.sys",
        "mcupdate.dll",
      ]);
      expect(d.kdbgKernBase).toBe(d.drivers[0].base);
      expect(d.warnings).toEqual([]);
    },
  );

  withFixture(
    "exposes the faulting context, the bug-check breakpoint record and the captured stack",
    () => {
      const d = dump();
      expect(d.context?.ip).toBe(0xfffff8048b58334cn);
      expect(d.exception).toMatchObject({
        code: 0x80000003,
        address: 0xfffff8047ba00000n + 0x3f5a80n,
      });
      expect(d.stack?.base).toBe(0xffff850429890ee8n);
      expect(d.stack?.bytes.byteLength).toBe(0x2118);
      // P3 points at the exception record on the captured stack.
      const rec = readCapturedMemory(d, d.bugCheck.parameters[2], 4);
      expect(rec && Buffer.from(rec).readUInt32LE(0)).toBe(0xc0000005);
      expect(d.dataBlocks).toHaveLength(1831);
    },
  );
});

describe("synthetic dumps", () => {
  test("a written x64 dump reads back field by field", () => {
    const bytes = writeDump({
      build: 17763,
      processors: 4,
      bugCheck: 0xd1,
      parameters: [1n, 2n, 3n, 4n],
      crashTime: "2026-11-29T06:12:44.500Z",
      drivers: [
        DRIVERS.kernel,
        DRIVERS.hal,
        { ...DRIVERS.ndis, checksum: 0x1234, timestamp: 0x5678 },
      ],
      unloaded: [{ name: "averyveryverylongname.sys", start: 0x1000n, end: 0x2000n }],
      stack: { top: STACK_TOP, bytes: buildStack(0x100, [{ offset: 8, qword: 0xabcn }]) },
      context: { ip: 0x1111n, sp: 0x2222n },
      exception: { code: 0xc0000005, address: 0x3333n, information: [1n, 0xffn] },
      trailer: new TextEncoder().encode("DumpBlob secondary data"),
    });
    const d = parseMinidump(bytes);
    expect(d).toMatchObject({ machine: "x64", build: 17763, processors: 4, dumpType: 4 });
    expect(d.crashTime?.toISOString()).toBe("2026-11-29T06:12:44.500Z");
    expect(d.drivers.map((x) => x.name)).toEqual(["ntoskrnl.exe", "hal.dll", "ndis.sys"]);
    expect(d.drivers[2]).toMatchObject({
      path: "\\SystemRoot\\System32\\drivers\\ndis.sys",
      checksum: 0x1234,
      timestamp: 0x5678,
    });
    // DriverName holds 12 characters at most.
    expect(d.unloadedDrivers).toEqual([
      { name: "averyveryver", nameTruncated: true, start: 0x1000n, end: 0x2000n },
    ]);
    expect(d.context).toEqual({ ip: 0x1111n, sp: 0x2222n });
    expect(d.exception).toEqual({
      code: 0xc0000005,
      flags: 0,
      address: 0x3333n,
      information: [1n, 0xffn],
    });
    expect(readCapturedMemory(d, STACK_TOP + 8n, 8)).toEqual(
      new Uint8Array([0xbc, 0x0a, 0, 0, 0, 0, 0, 0]),
    );
    expect(d.sizeOfDump).toBeLessThan(bytes.byteLength);
  });

  test("ARM64: machine, and the context PC/SP at the ARM64 offsets", () => {
    const d = parseMinidump(
      scenario({
        machine: "arm64",
        bugCheck: 0x7e,
        parameters: [0n, 0n, 0n, 0n],
        context: { ip: addr("ndis", 0x10n), sp: STACK_TOP + 0x40n },
      }),
    );
    expect(d.machine).toBe("arm64");
    expect(d.context).toEqual({ ip: addr("ndis", 0x10n), sp: STACK_TOP + 0x40n });
  });

  test.each([
    ["0x98", 0x98],
    ["0xa0", 0xa0],
    ["0xa8", 0xa8],
  ])("derives a driver entry size of %s from the list/pool gap", (_hex, stride) => {
    const d = parseMinidump(
      scenario({ bugCheck: 0x7e, parameters: [0n, 0n, 0n, 0n], driverEntrySize: stride }),
    );
    expect(d.driverEntrySize).toBe(stride);
    expect(d.drivers.map((x) => x.name)).toContain("cxnetmon.sys");
    expect(d.drivers.find((x) => x.name === "cxnetmon.sys")?.base).toBe(DRIVERS.cxnetmon.base);
  });

  test("data blocks are readable captured memory", () => {
    const blob = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
    const d = parseMinidump(
      scenario({
        bugCheck: 0xa,
        parameters: [0n, 0n, 0n, 0n],
        dataBlocks: [{ address: 0xffffc000_00001000n, bytes: blob }],
      }),
    );
    expect(readCapturedMemory(d, 0xffffc000_00001004n, 4)).toEqual(new Uint8Array([5, 6, 7, 8]));
    expect(readCapturedMemory(d, 0xffffc000_00001006n, 4)).toBeNull();
  });

  test("warns when the KDBG copy disagrees with the first driver", () => {
    const bytes = scenario({ bugCheck: 0xa, parameters: [0n, 0n, 0n, 0n], kdbg: false });
    expect(parseMinidump(bytes).kdbgKernBase).toBeNull();
    const d = parseMinidump(
      writeDump({
        bugCheck: 0xa,
        parameters: [0n, 0n, 0n, 0n],
        drivers: [DRIVERS.ndis, DRIVERS.kernel],
      }),
    );
    expect(d.warnings.join("\n")).toMatch(/outside the kernel image ndis\.sys/);
  });
});

describe("rejections: one DumpFormatError with a reason and a one-line message", () => {
  const good = scenario({ bugCheck: 0x7e, parameters: [0n, 0n, 0n, 0n] });
  const ascii = (s: string) => new TextEncoder().encode(s);
  const withBlocks = scenario({
    bugCheck: 0x7e,
    parameters: [0n, 0n, 0n, 0n],
    dataBlocks: [{ address: 0x1000n, bytes: new Uint8Array(16) }],
  });
  const patched = (offset: number, value: number, source = good): Uint8Array => {
    const b = source.slice();
    new DataView(b.buffer).setUint32(offset, value, true);
    return b;
  };

  test.each<[string, Uint8Array, DumpFormatReason, RegExp]>([
    ["an empty file", new Uint8Array(0), "not-a-dump", /not a Windows crash dump/],
    [
      "a text file",
      ascii("hello world, this is not a dump at all"),
      "not-a-dump",
      /not a Windows crash dump/,
    ],
    [
      "a user-mode minidump",
      ascii("MDMP\x93\xa7\0\0" + "\0".repeat(64)),
      "user-mode-minidump",
      /user-mode minidump/,
    ],
    [
      "a 32-bit PAGEDUMP",
      writeDump({ validDump: "DUMP", bugCheck: 0x7e, parameters: [0n, 0n, 0n, 0n], drivers: [] }),
      "32-bit-dump",
      /32-bit/,
    ],
    [
      "a kernel memory dump",
      writeDump({ dumpType: 2, bugCheck: 0x7e, parameters: [0n, 0n, 0n, 0n], drivers: [] }),
      "unsupported-dump-type",
      /kernel memory dump/,
    ],
    [
      "a full memory dump",
      writeDump({ dumpType: 1, bugCheck: 0x7e, parameters: [0n, 0n, 0n, 0n], drivers: [] }),
      "unsupported-dump-type",
      /full/,
    ],
    [
      "a bitmap dump",
      writeDump({ dumpType: 5, bugCheck: 0x7e, parameters: [0n, 0n, 0n, 0n], drivers: [] }),
      "unsupported-dump-type",
      /bitmap/,
    ],
    [
      "an i386 dump",
      writeDump({ machine: 0x14c, bugCheck: 0x7e, parameters: [0n, 0n, 0n, 0n], drivers: [] }),
      "unsupported-machine",
      /0x14c/,
    ],
    ["a missing TRGD marker", patched(good.byteLength - 4, 0), "corrupt", /TRGD/],
    ["a driver count of a million", patched(0x2034, 1_000_000), "corrupt", /driver count/],
    [
      "a driver name outside the pool",
      patched(parseMinidumpListOffset(good), 0x10),
      "corrupt",
      /string pool/,
    ],
    ["a call stack past the triage part", patched(0x202c, 0x7fffffff), "corrupt", /call stack/],
    [
      "a data-block count past the end",
      patched(0x207c, 60000, withBlocks),
      "corrupt",
      /data-block/,
    ],
  ])("%s", (_label, bytes, reason, message) => {
    let error: unknown;
    try {
      parseMinidump(bytes);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DumpFormatError);
    expect((error as DumpFormatError).reason).toBe(reason);
    expect((error as DumpFormatError).message).toMatch(message);
    expect((error as DumpFormatError).message).not.toMatch(/\n/);
  });

  test("a dump cut short anywhere inside its triage part is reported as truncated", () => {
    const lengths = new Set<number>([
      1,
      4,
      7,
      8,
      100,
      0x1fff,
      0x2000,
      0x207f,
      0x2080,
      0x2081,
      good.byteLength - 1,
    ]);
    for (let l = 0x2100; l < good.byteLength; l += 997) lengths.add(l);
    for (const l of lengths) expect([l, rejection(good.subarray(0, l))]).toEqual([l, "truncated"]);
  });

  test("secondary data after the triage part may be cut without harm", () => {
    const withTrailer = scenario({
      bugCheck: 0x7e,
      parameters: [0n, 0n, 0n, 0n],
      trailer: new Uint8Array(64).fill(7),
    });
    expect(rejection(withTrailer.subarray(0, withTrailer.byteLength - 30))).toBe("parsed");
  });
});

function parseMinidumpListOffset(bytes: Uint8Array): number {
  return new DataView(bytes.buffer, bytes.byteOffset).getUint32(0x2030, true);
}

describe("robustness (property)", () => {
  const inputs: Uint8Array[] = [
    scenario({
      bugCheck: 0x7e,
      parameters: [0xc0000005n, addr("cxnetmon", 0x10n), STACK_TOP, STACK_TOP + 0x100n],
      unloaded: [{ name: "old.sys", start: 1n, end: 2n }],
    }),
  ];
  if (haveFixture) inputs.push(new Uint8Array(fs.readFileSync(FIXTURE)));

  test("mutated or truncated dumps give a result or a DumpFormatError, never anything else", () => {
    const arb = fc.record({
      which: fc.nat(inputs.length - 1),
      cut: fc.option(fc.double({ min: 0, max: 1, noNaN: true })),
      edits: fc.array(
        fc.record({
          at: fc.double({ min: 0, max: 1, noNaN: true }),
          value: fc.integer({ min: 0, max: 0xffffffff }),
          inHeaders: fc.boolean(),
        }),
        { maxLength: 8 },
      ),
    });
    fc.assert(
      fc.property(arb, ({ which, cut, edits }) => {
        const src = inputs[which];
        const bytes = src.slice(
          0,
          cut === null ? src.byteLength : Math.floor(cut * src.byteLength),
        );
        const view = new DataView(bytes.buffer);
        for (const e of edits) {
          // Half the edits land in the headers, where every field matters.
          const span = e.inHeaders ? Math.min(0x2080, bytes.byteLength) : bytes.byteLength;
          const at = Math.floor(e.at * span) & ~3;
          if (at + 4 <= bytes.byteLength) view.setUint32(at, e.value, true);
        }
        try {
          const d = parseMinidump(bytes);
          expect(d.drivers.length).toBeLessThanOrEqual(4096);
          findCausedBy(d); // the analysis of whatever parsed must not throw either
        } catch (err) {
          if (!(err instanceof DumpFormatError)) throw err;
          expect(err.message).not.toMatch(/\n/);
        }
      }),
      { numRuns: 300, seed: 20261129 },
    );
  });
});
