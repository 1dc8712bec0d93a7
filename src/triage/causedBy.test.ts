import * as fs from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { findCausedBy, isReporterModule, ModuleMap } from "./causedBy";
import { parseMinidump } from "./minidump";
import {
  buildStack,
  contextRecordBytes,
  exceptionRecordBytes,
} from "../../tests/builders/dumpWriter";
import { DRIVERS, STACK_SIZE, STACK_TOP, addr, scenario } from "../../tests/builders/dumpScenarios";
import type { DumpSpec } from "../../tests/builders/dumpWriter";
import { SHARED_FIXTURES } from "../../tests/helpers/paths";

const FIXTURE = path.join(SHARED_FIXTURES, "triage_x64.dmp");
const withFixture = fs.existsSync(FIXTURE) ? test : test.skip;
if (!fs.existsSync(FIXTURE))
  console.warn(`skipping real-dump caused-by tests: ${FIXTURE} is absent`);

type Params = [bigint, bigint, bigint, bigint];
const analyse = (spec: Partial<DumpSpec> & { bugCheck: number; parameters: Params }) =>
  findCausedBy(parseMinidump(scenario(spec)));
const stackOf = (...items: Parameters<typeof buildStack>[1]) => ({
  top: STACK_TOP,
  bytes: buildStack(STACK_SIZE, items),
});
const at = (module: keyof typeof DRIVERS, off: bigint) =>
  `${DRIVERS[module].name.split("\\").pop()}+0x${off.toString(16)}`;
const culprit = (a: ReturnType<typeof analyse>) =>
  a.causedBy && `${a.causedBy.module}+${a.causedBy.offset}`;

describe("the real dump triage_x64.dmp", () => {
  const load = (patch?: (v: DataView) => void) => {
    const bytes = new Uint8Array(fs.readFileSync(FIXTURE));
    patch?.(new DataView(bytes.buffer));
    return findCausedBy(parseMinidump(bytes));
  };

  withFixture("is caused by amdppm.sys+0x334c, from P2 (as WinDbg and BlueScreenView say)", () => {
    const a = load();
    expect(a.causedBy).toMatchObject({
      module: "amdppm.sys",
      offset: "0x334c",
      address: "0xfffff8048b58334c",
      method: "bugcheck-parameter",
    });
    expect(a.causedBy?.evidence[0]).toMatch(
      /^P2 \(exception address\) 0xfffff8048b58334c is amdppm\.sys\+0x334c/,
    );
    expect(a.crashAddress).toMatchObject({ module: "amdppm.sys", offset: 0x334cn });
  });

  withFixture(
    "without P2, the exception record P3 points to on the captured stack names the same place",
    () => {
      const a = load((v) => v.setBigUint64(0x48, 0n, true));
      expect(a.causedBy).toMatchObject({
        module: "amdppm.sys",
        offset: "0x334c",
        method: "exception-record",
      });
      expect(a.causedBy?.evidence.join("\n")).toMatch(/P2 \(exception address\) is 0/);
    },
  );

  withFixture(
    "with no usable parameters, the stack scan skips the kernel and finds amdppm.sys+0x334c",
    () => {
      const a = load((v) => v.setUint32(0x38, 0x133, true));
      expect(a.causedBy).toMatchObject({
        module: "amdppm.sys",
        offset: "0x334c",
        method: "stack-scan",
      });
      expect(a.causedBy?.evidence[0]).toMatch(/after 1 kernel\/HAL\/kd address\b/);
    },
  );
});

describe("parameter-borne addresses per bug-check family", () => {
  test.each<[string, number, Params, string]>([
    [
      "0x7E P2",
      0x7e,
      [0xffffffffc0000005n, addr("cxnetmon", 0x1a2b4n), 0n, 0n],
      at("cxnetmon", 0x1a2b4n),
    ],
    [
      "0x1000007E P2",
      0x1000007e,
      [0xffffffffc0000005n, addr("cxnetmon", 0x1a2b4n), 0n, 0n],
      at("cxnetmon", 0x1a2b4n),
    ],
    [
      "0x1E P2",
      0x1e,
      [0xffffffffc0000005n, addr("ndis", 0x4c2e1n), 0n, 0xffffffffffffffffn],
      at("ndis", 0x4c2e1n),
    ],
    [
      "0x8E P2",
      0x1000008e,
      [0xffffffffc0000005n, addr("storport", 0x1234n), 0n, 0n],
      at("storport", 0x1234n),
    ],
    ["0x3B P2", 0x3b, [0xffffffffc0000005n, addr("vmbus", 0x52d3n), 0n, 0n], at("vmbus", 0x52d3n)],
    ["0xA P4", 0xa, [0x10n, 2n, 0n, addr("ndis", 0x99n)], at("ndis", 0x99n)],
    ["0xD1 P4", 0xd1, [0x10n, 2n, 0n, addr("cxnetmon", 0x77n)], at("cxnetmon", 0x77n)],
    [
      "0x50 P3",
      0x50,
      [0xffffd00000000000n, 0n, addr("storport", 0x4000n), 2n],
      at("storport", 0x4000n),
    ],
    [
      "0xC2 subtype 0x9B P4",
      0xc2,
      [0x9bn, 0n, 0n, addr("cxnetmon", 0x500n)],
      at("cxnetmon", 0x500n),
    ],
  ])("%s", (_label, code, parameters, expected) => {
    const a = analyse({ bugCheck: code, parameters });
    expect(culprit(a)).toBe(expected);
    expect(a.causedBy?.method).toBe("bugcheck-parameter");
  });

  test("a parameter that is not a code address for this bug check is not used (0xC2 subtype 0x7: pool addresses)", () => {
    const a = analyse({
      bugCheck: 0xc2,
      parameters: [0x7n, 0n, 0n, addr("cxnetmon", 0x500n)],
      stack: stackOf({ offset: 0x10, qword: addr("ndis", 0x42n) }),
    });
    expect(culprit(a)).toBe(at("ndis", 0x42n));
    expect(a.causedBy?.method).toBe("stack-scan");
  });
});

describe("records and the stack when the parameters blame the kernel or nothing", () => {
  test("0x1000007E with P2 in ntoskrnl: the exception record at P3 names the driver", () => {
    const p3 = STACK_TOP + 0x800n;
    const a = analyse({
      bugCheck: 0x1000007e,
      parameters: [0xffffffffc0000005n, addr("kernel", 0x2a8ban), p3, 0n],
      stack: stackOf({
        offset: 0x800,
        bytes: exceptionRecordBytes({ code: 0xc0000005, address: addr("cxnetmon", 0x1a2b4n) }),
      }),
    });
    expect(a.causedBy).toMatchObject({
      module: "cxnetmon.sys",
      offset: "0x1a2b4",
      method: "exception-record",
    });
    expect(a.causedBy?.evidence[0]).toMatch(
      /P2 \(exception address\) 0x[0-9a-f]+ is ntoskrnl\.exe\+0x2a8ba, the kernel itself: looking further/,
    );
  });

  test("0x7E with kernel-only P2/P3: the CONTEXT at P4 names the driver", () => {
    const a = analyse({
      bugCheck: 0x7e,
      parameters: [
        0xffffffffc0000005n,
        addr("kernel", 0x10n),
        STACK_TOP + 0x100n,
        STACK_TOP + 0x200n,
      ],
      stack: stackOf(
        {
          offset: 0x100,
          bytes: exceptionRecordBytes({ code: 0xc0000005, address: addr("kernel", 0x10n) }),
        },
        {
          offset: 0x200,
          bytes: contextRecordBytes("x64", {
            ip: addr("storport", 0x3c0n),
            sp: STACK_TOP + 0x1000n,
          }),
        },
      ),
    });
    expect(a.causedBy).toMatchObject({
      module: "storport.sys",
      offset: "0x3c0",
      method: "context-record",
    });
  });

  test("0x3B with P2 = 0: the CONTEXT at P3", () => {
    const a = analyse({
      bugCheck: 0x3b,
      parameters: [0xffffffffc0000005n, 0n, STACK_TOP + 0x200n, 0n],
      stack: stackOf({
        offset: 0x200,
        bytes: contextRecordBytes("x64", { ip: addr("vmbus", 0x1n), sp: 0n }),
      }),
    });
    expect(a.causedBy).toMatchObject({ module: "vmbus.sys", method: "context-record" });
  });

  test("a record pointer outside the captured memory is reported, then the stack is scanned", () => {
    const a = analyse({
      bugCheck: 0x7e,
      parameters: [0xffffffffc0000005n, 0n, 0xffff9999_00000000n, 0n],
      stack: stackOf({ offset: 0x40, qword: addr("ndis", 0x5n) }),
    });
    expect(a.causedBy?.method).toBe("stack-scan");
    expect(a.causedBy?.evidence.join("\n")).toMatch(
      /P3 \(exception record at 0xffff999900000000\) is not in the captured memory/,
    );
  });

  test.each<[string, number, Params]>([
    ["0x133 DPC_WATCHDOG_VIOLATION", 0x133, [0n, 0x501n, 0x500n, 0xfffff80478c05358n]],
    [
      "0x9F DRIVER_POWER_STATE_FAILURE",
      0x9f,
      [3n, 0xffffb00000001000n, 0xffffb00000002000n, 0xffffb00000003000n],
    ],
    ["0x1D3 WFP_INVALID_OPERATION (all parameters zero)", 0x1d3, [0n, 0n, 0n, 0n]],
  ])(
    "%s: the first driver on the stack after the kernel, HAL and kd",
    (_label, code, parameters) => {
      const a = analyse({
        bugCheck: code,
        parameters,
        stack: stackOf(
          { offset: 0x08, qword: addr("kernel", 0x1c46a0n) },
          { offset: 0x10, qword: 0x0000000000001234n },
          { offset: 0x18, qword: addr("hal", 0x100n) },
          { offset: 0x20, qword: addr("kd", 0x200n) },
          { offset: 0x30, qword: addr("ndis", 0x4c2e1n) },
          { offset: 0x38, qword: addr("cxnetmon", 0x10n) },
        ),
      });
      expect(a.causedBy).toMatchObject({
        module: "ndis.sys",
        offset: "0x4c2e1",
        method: "stack-scan",
      });
      expect(a.causedBy?.evidence[a.causedBy.evidence.length - 1]).toMatch(
        new RegExp(
          `stack slot 0x${(STACK_TOP + 0x30n).toString(16)} \\(TopOfStack\\+0x30\\).*after 3 kernel/HAL/kd addresses`,
        ),
      );
    },
  );

  test("the context instruction pointer is the last resort", () => {
    const a = analyse({
      bugCheck: 0x12345,
      parameters: [0n, 0n, 0n, 0n],
      stack: undefined,
      context: { ip: addr("vmbus", 0x52d3n), sp: 0n },
    });
    expect(a.causedBy).toMatchObject({
      module: "vmbus.sys",
      offset: "0x52d3",
      method: "context-ip",
    });
    expect(a.causedBy?.evidence).toContain("the dump has no captured stack");
  });
});

describe("no driver to blame: null, with evidence instead of a guess", () => {
  test("only ntoskrnl (and HAL, kd) on the stack and in the parameters", () => {
    const a = analyse({
      bugCheck: 0x1000007e,
      parameters: [0xffffffffc0000005n, addr("kernel", 0x924b35n), 0n, 0n],
      stack: stackOf(
        { offset: 0x8, qword: addr("kernel", 0x1n) },
        { offset: 0x10, qword: addr("hal", 0x2n) },
        { offset: 0x18, qword: addr("kd", 0x3n) },
      ),
    });
    expect(a.causedBy).toBeNull();
    expect(a.evidence.join("\n")).toMatch(
      /P2 \(exception address\) 0x[0-9a-f]+ is ntoskrnl\.exe\+0x924b35, the kernel itself/,
    );
    expect(a.evidence[a.evidence.length - 1]).toMatch(
      /^only the kernel \(ntoskrnl\.exe, hal\.dll, kd\.dll\)/,
    );
    expect(a.crashAddress?.module).toBe("ntoskrnl.exe");
  });

  test("0x7B INACCESSIBLE_BOOT_DEVICE points to the SYSTEM hive instead", () => {
    const a = analyse({
      bugCheck: 0x7b,
      parameters: [0xffffa00000001000n, 0xffffffffc0000034n, 0n, 0n],
    });
    expect(a.causedBy).toBeNull();
    expect(a.evidence.join("\n")).toMatch(/boot-start storage drivers/);
  });

  test("addresses inside no known module are reported as such", () => {
    const a = analyse({
      bugCheck: 0xd1,
      parameters: [0n, 2n, 0n, 0xfffff80499990000n],
      context: { ip: 0xfffff80499990000n, sp: 0n },
    });
    expect(a.causedBy).toBeNull();
    expect(a.evidence[0]).toBe(
      "P4 (address that referenced memory) 0xfffff80499990000 is not inside any loaded or unloaded driver",
    );
  });
});

describe("unloaded drivers", () => {
  const unloaded = [{ name: "oldflt.sys", start: 0xfffff8047b000000n, end: 0xfffff8047b020000n }];

  test("0xCE: the address in P1 is inside an unloaded driver", () => {
    const a = analyse({
      bugCheck: 0xce,
      parameters: [0xfffff8047b001230n, 0x10n, 0xfffff8047b001230n, 0n],
      unloaded,
    });
    expect(a.causedBy).toMatchObject({
      module: "oldflt.sys",
      offset: "0x1230",
      method: "bugcheck-parameter",
    });
    expect(a.causedBy?.evidence.join("\n")).toMatch(/no longer loaded at crash time/);
  });

  test("a stack address in an unloaded driver's former range", () => {
    const a = analyse({
      bugCheck: 0x133,
      parameters: [0n, 0n, 0n, 0n],
      unloaded,
      stack: stackOf({ offset: 0x8, qword: 0xfffff8047b000040n }),
    });
    expect(a.causedBy).toMatchObject({
      module: "oldflt.sys",
      offset: "0x40",
      method: "stack-scan",
    });
  });

  test("a name Windows cut to 12 characters is reported as such", () => {
    const a = analyse({
      bugCheck: 0xce,
      parameters: [0xfffff8047b001230n, 0n, 0n, 0n],
      unloaded: [
        { name: "contosofilter.sys", start: 0xfffff8047b000000n, end: 0xfffff8047b020000n },
      ],
    });
    expect(a.causedBy?.module).toBe("contosofilte");
    expect(a.causedBy?.evidence.join("\n")).toMatch(/only the first 12 characters/);
  });

  test("a loaded driver wins over an unloaded one that used to occupy the same range", () => {
    const map = new ModuleMap(
      [{ ...DRIVERS.ndis, path: "", checksum: 0, timestamp: 0 }],
      [
        {
          name: "gone.sys",
          nameTruncated: false,
          start: DRIVERS.ndis.base,
          end: DRIVERS.ndis.base + 0x1000n,
        },
      ],
    );
    expect(map.resolve(DRIVERS.ndis.base + 0x10n)).toMatchObject({
      module: "ndis.sys",
      unloaded: false,
    });
  });
});

test("ARM64: the CONTEXT record at P4 is read with the ARM64 layout", () => {
  const a = analyse({
    machine: "arm64",
    bugCheck: 0x1000007e,
    parameters: [0xffffffffc0000005n, 0n, 0n, STACK_TOP + 0x400n],
    stack: stackOf({
      offset: 0x400,
      bytes: contextRecordBytes("arm64", { ip: addr("cxnetmon", 0x2222n), sp: STACK_TOP }),
    }),
  });
  expect(a.causedBy).toMatchObject({
    module: "cxnetmon.sys",
    offset: "0x2222",
    method: "context-record",
  });
});

test("reporter modules: kernel images, HALs and kernel-debugger DLLs", () => {
  for (const n of [
    "ntoskrnl.exe",
    "ntkrnlmp.exe",
    "ntkrnlpa.exe",
    "ntkrpamp.exe",
    "hal.dll",
    "halmacpi.dll",
    "kd.dll",
    "kdcom.dll",
    "kdnet.dll",
  ]) {
    expect([n, isReporterModule(n)]).toEqual([n, true]);
  }
  for (const n of ["ndis.sys", "hidclass.sys", "kbdclass.sys", "amdppm.sys"])
    expect([n, isReporterModule(n)]).toEqual([n, false]);
});

describe("bounded work on a crafted dump", () => {
  const unloaded = (name: string, start: bigint, end: bigint) => ({
    name,
    nameTruncated: false,
    start,
    end,
  });

  test("overlapping unloaded ranges resolve to the first entry in list order, as a scan would", () => {
    const base = 0xfffff80000000000n;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(64), fc.nat(32)), { minLength: 1, maxLength: 40 }),
        fc.array(fc.nat(100), { minLength: 1, maxLength: 20 }),
        (ranges, probes) => {
          const list = ranges.map(([s, len], i) =>
            unloaded(`u${i}.sys`, base + BigInt(s), base + BigInt(s + len)),
          );
          const map = new ModuleMap([], list);
          for (const p of probes) {
            const a = base + BigInt(p);
            const naive = list.find((u) => a >= u.start && a < u.end);
            expect(map.resolve(a)?.module ?? null).toBe(naive?.name ?? null);
          }
        },
      ),
    );
  });

  test("the stack scan reads at most a kernel stack's 64 KiB and says so", () => {
    const size = 1024 * 1024;
    const late = analyse({
      bugCheck: 0x1000007e,
      parameters: [0xffffffffc0000005n, 0n, 0n, 0n],
      stack: {
        top: STACK_TOP,
        bytes: buildStack(size, [{ offset: 900 * 1024, qword: addr("cxnetmon", 0x10n) }]),
      },
    });
    expect(late.causedBy?.method).not.toBe("stack-scan");
    expect(late.causedBy?.evidence.join("\n") ?? late.evidence?.join("\n") ?? "").toMatch(
      /in the 65536 bytes scanned/,
    );
    const early = analyse({
      bugCheck: 0x1000007e,
      parameters: [0xffffffffc0000005n, 0n, 0n, 0n],
      stack: {
        top: STACK_TOP,
        bytes: buildStack(size, [{ offset: 10 * 1024, qword: addr("cxnetmon", 0x10n) }]),
      },
    });
    expect(early.causedBy).toMatchObject({ module: "cxnetmon.sys", method: "stack-scan" });
  });
});
