import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { readDumpFile, triageDump, triageFiles } from "./index";
import { writeDump } from "../../tests/builders/dumpWriter";
import { DRIVERS, addr, scenario } from "../../tests/builders/dumpScenarios";

let dir: string;
beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "vm-rescue-triage-index-"))));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test("a bad file gives a result with a one-line error and nothing else", () => {
  expect(triageDump(new TextEncoder().encode("PK\x03\x04 a zip file"), "x.dmp")).toEqual({
    file: "x.dmp",
    bugCheck: null,
    crashTime: null,
    os: null,
    causedBy: null,
    drivers: null,
    error: 'not a Windows crash dump (signature "PK..", expected "PAGE")',
  });
});

test("unknown bug-check codes keep their code with a null name; a missing crash time is null", () => {
  const r = triageDump(
    writeDump({ bugCheck: 0x1234, parameters: [0n, 0n, 0n, 0n], drivers: [DRIVERS.kernel] }),
    "odd.dmp",
  );
  expect(r.bugCheck).toEqual({
    code: "0x1234",
    name: null,
    parameters: ["0x0", "0x0", "0x0", "0x0"],
  });
  expect(r.crashTime).toBeNull();
  expect(r.error).toBeNull();
});

test("readDumpFile reads only the triage part, not the secondary data after it", () => {
  const bytes = scenario({
    bugCheck: 0xd1,
    parameters: [0n, 2n, 0n, addr("ndis", 1n)],
    trailer: new Uint8Array(50_000).fill(0x42),
  });
  const file = path.join(dir, "with-blobs.dmp");
  fs.writeFileSync(file, bytes);
  const read = readDumpFile(file);
  expect(read.byteLength).toBeLessThan(bytes.byteLength - 50_000 + 8);
  expect(triageDump(read, file).causedBy?.module).toBe("ndis.sys");
});

test("a multi-GB kernel dump is rejected after reading its header only", () => {
  const file = path.join(dir, "MEMORY.DMP");
  fs.writeFileSync(
    file,
    writeDump({ dumpType: 2, bugCheck: 0x7e, parameters: [0n, 0n, 0n, 0n], drivers: [] }).subarray(
      0,
      0x2080,
    ),
  );
  fs.truncateSync(file, 3 * 1024 ** 3); // sparse: costs no disk
  expect(readDumpFile(file).byteLength).toBe(0x2080);
  expect(triageFiles([file])[0].error).toBe(
    "a kernel memory dump, not a small memory dump (minidump, type 4)",
  );
});

test("triageFiles reports a missing path as an error result", () => {
  expect(triageFiles([path.join(dir, "gone.dmp")])[0].error).toBe(
    `no such file or folder: ${path.join(dir, "gone.dmp")}`,
  );
});
