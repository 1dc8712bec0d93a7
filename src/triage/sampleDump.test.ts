import * as fs from "node:fs";
import { SAMPLE_DUMP_FILE, makeSampleDump } from "../../examples/make-sample-dump";
import { triageFiles } from "./index";

// Regenerate the committed file after changing the generator: VM_RESCUE_UPDATE_SAMPLES=1 npx jest triage/sampleDump
if (process.env.VM_RESCUE_UPDATE_SAMPLES === "1")
  fs.writeFileSync(SAMPLE_DUMP_FILE, makeSampleDump());

test("the committed sample dump is exactly what examples/make-sample-dump.ts produces", () => {
  const committed = fs.readFileSync(SAMPLE_DUMP_FILE);
  expect(Buffer.compare(committed, Buffer.from(makeSampleDump()))).toBe(0);
  expect(committed.byteLength).toBeLessThan(64 * 1024);
});

test("triage of the sample dump tells the sample story: cxnetmon.sys+0x1a2b4 on build 17763", () => {
  const [r] = triageFiles([SAMPLE_DUMP_FILE]);
  expect(r).toEqual({
    file: SAMPLE_DUMP_FILE,
    bugCheck: {
      code: "0x1000007E",
      name: "SYSTEM_THREAD_EXCEPTION_NOT_HANDLED_M",
      parameters: [
        "0xffffffffc0000005",
        "0xfffff8051235a2b4",
        "0xffffd20c4a7e7ee8",
        "0xffffd20c4a7e7fe8",
      ],
    },
    crashTime: "2026-11-29T06:12:44.000Z",
    os: { build: 17763, machine: "x64" },
    causedBy: {
      module: "cxnetmon.sys",
      offset: "0x1a2b4",
      address: "0xfffff8051235a2b4",
      method: "bugcheck-parameter",
      evidence: [
        "P2 (exception address) 0xfffff8051235a2b4 is cxnetmon.sys+0x1a2b4",
        "the context instruction pointer is the same address",
      ],
    },
    drivers: 36,
    error: null,
  });
});
