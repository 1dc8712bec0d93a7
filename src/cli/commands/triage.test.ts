import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { main, Io } from "../main";
import { EXAMPLES, SHARED_FIXTURES } from "../../../tests/helpers/paths";
import { DRIVERS, scenario } from "../../../tests/builders/dumpScenarios";

const SAMPLE = path.join(EXAMPLES, "112926-9218-01.dmp");
const FIXTURE = path.join(SHARED_FIXTURES, "triage_x64.dmp");
const withFixture = fs.existsSync(FIXTURE) ? test : test.skip;
if (!fs.existsSync(FIXTURE)) console.warn(`skipping the real-dump CLI test: ${FIXTURE} is absent`);

function captureIo(): Io & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, isTty: false, out: (t) => stdout.push(t), err: (t) => stderr.push(t) };
}

async function run(...args: string[]) {
  const io = captureIo();
  const code = await main(["triage", ...args], io);
  return { code, stdout: io.stdout.join(""), stderr: io.stderr.join("") };
}

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "vm-rescue-triage-"));
  fs.copyFileSync(SAMPLE, path.join(dir, "112926-9218-01.dmp"));
  fs.writeFileSync(path.join(dir, "MEMORY.DMP"), "MDMP" + "\0".repeat(100));
  fs.writeFileSync(path.join(dir, "notes.txt"), "not a dump and not named .dmp");
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test("--json prints the TriageResult array for the sample dump, exit 0", async () => {
  const { code, stdout } = await run(SAMPLE, "--json");
  expect(code).toBe(0);
  const [r] = JSON.parse(stdout);
  expect(r).toMatchObject({
    file: SAMPLE,
    bugCheck: { code: "0x1000007E", name: "SYSTEM_THREAD_EXCEPTION_NOT_HANDLED_M" },
    crashTime: "2026-11-29T06:12:44.000Z",
    os: { build: 17763, machine: "x64" },
    causedBy: {
      module: "cxnetmon.sys",
      offset: "0x1a2b4",
      address: "0xfffff8051235a2b4",
      method: "bugcheck-parameter",
    },
    drivers: 36,
    error: null,
  });
  expect(Object.keys(r).sort()).toEqual([
    "bugCheck",
    "causedBy",
    "crashTime",
    "drivers",
    "error",
    "file",
    "os",
  ]);
});

withFixture("the real dump: amdppm.sys+0x334c in the readable row", async () => {
  const { code, stdout } = await run(FIXTURE);
  expect(code).toBe(0);
  expect(stdout).toContain("2021-02-21 01:38:22 UTC");
  expect(stdout).toContain("SYSTEM_THREAD_EXCEPTION_NOT_HANDLED_M (0x1000007E)");
  expect(stdout).toContain("caused by amdppm.sys at amdppm.sys+0x334c");
  expect(stdout).toContain("crash address amdppm.sys+0x334c");
  expect(stdout).toContain("build 19041 x64, 151 drivers");
});

test("a folder expands to its .dmp files; a bad one gets an error line while the others are reported (exit 3)", async () => {
  const { code, stdout, stderr } = await run(dir, "--json");
  expect(code).toBe(3);
  const results = JSON.parse(stdout);
  expect(results.map((r: { file: string }) => path.basename(r.file))).toEqual([
    "112926-9218-01.dmp",
    "MEMORY.DMP",
  ]);
  expect(results[0].causedBy.module).toBe("cxnetmon.sys");
  expect(results[1]).toMatchObject({
    bugCheck: null,
    causedBy: null,
    error: "user-mode minidump (MDMP), not a kernel crash dump",
  });
  expect(stderr).toBe(
    `vm-rescue: 1 of 2 files could not be parsed: ${path.join(dir, "MEMORY.DMP")}`,
  );
});

test("the readable form has one row per file, errors included", async () => {
  const { code, stdout } = await run(dir);
  expect(code).toBe(3);
  const rows = stdout.split("\n");
  expect(rows).toHaveLength(2);
  expect(rows[0]).toMatch(
    /112926-9218-01\.dmp {2}2026-11-29 06:12:44 UTC {2}SYSTEM_THREAD_EXCEPTION_NOT_HANDLED_M \(0x1000007E\)/,
  );
  expect(rows[0]).toContain("caused by cxnetmon.sys at cxnetmon.sys+0x1a2b4 [bugcheck-parameter]");
  expect(rows[1]).toMatch(/MEMORY\.DMP {2}error: user-mode minidump/);
});

test.each([
  [[], /^vm-rescue: triage needs at least one minidump file or folder$/],
  [["/no/such/file.dmp"], /^vm-rescue: no such file or folder: \/no\/such\/file\.dmp$/],
])("usage errors exit 2 with one line: %j", async (args, message) => {
  const { code, stdout, stderr } = await run(...args);
  expect(code).toBe(2);
  expect(stdout).toBe("");
  expect(stderr).toMatch(message);
});

test.each([[[]], [["--json"]]])(
  "no file a minidump (%j): exit 2, one line naming the file and why, nothing on stdout",
  async (mode) => {
    const notes = path.join(dir, "notes.txt");
    const one = await run(notes, ...mode);
    expect(one.code).toBe(2);
    expect(one.stdout).toBe("");
    expect(one.stderr).toBe(
      `vm-rescue: ${notes}: not a Windows crash dump (signature "not ", expected "PAGE")`,
    );
    const two = await run(notes, path.join(dir, "MEMORY.DMP"), ...mode);
    expect(two.code).toBe(2);
    expect(two.stdout).toBe("");
    expect(two.stderr).toBe(
      `vm-rescue: ${notes}: not a Windows crash dump (signature "not ", expected "PAGE"); 1 more could not be parsed either`,
    );
  },
);

test("a folder without .dmp files is a usage error", async () => {
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), "vm-rescue-empty-"));
  try {
    const { code, stderr } = await run(empty);
    expect(code).toBe(2);
    expect(stderr).toBe(`vm-rescue: no .dmp files in ${empty}`);
  } finally {
    fs.rmSync(empty, { recursive: true, force: true });
  }
});

test("text output escapes ESC, CR/LF and U+202E in module names from the dump; --json keeps them exact", async () => {
  const hostile = "evil\u001b[2J\r\nproblems: none\u202etxt.sys";
  const culprit = { ...DRIVERS.cxnetmon, name: hostile };
  const bytes = scenario({
    bugCheck: 0x1000007e,
    parameters: [0xc0000005n, culprit.base + 0x1a2b4n, 0n, 0n],
    drivers: [...Object.values(DRIVERS).filter((d) => d !== DRIVERS.cxnetmon), culprit],
  });
  const file = path.join(dir, "hostile.dmp");
  fs.writeFileSync(file, bytes);
  const text = await run(file);
  expect(text.stdout.trimEnd().split("\n")).toHaveLength(1);
  expect(text.stdout).not.toMatch(/[\u001b\r\u202e]/);
  expect(text.stdout).toContain("evil\\x1b[2J\\x0d\\x0aproblems: none\\u202etxt.sys");
  const json = await run(file, "--json");
  expect(JSON.parse(json.stdout)[0].causedBy.module).toBe(hostile);
});
