import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { main, Io } from "../main";
import { analyzeScriptText } from "../../../tests/helpers/psFacts";
import { validateRepairParams } from "../../guest/params.generated";
import { EXAMPLES } from "../../../tests/helpers/paths";
import { operationProblems, type CompiledRepair } from "../../repair/operations";

const COLLECT = path.join(EXAMPLES, "collect-output.json");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "plan-repair-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
function writeFile(name: string, content: string): string {
  const f = path.join(tmp, name);
  fs.writeFileSync(f, content);
  return f;
}

async function run(...args: string[]) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const io: Io = { isTty: false, out: (t) => stdout.push(t), err: (t) => stderr.push(t) };
  const code = await main(["plan-repair", ...args], io);
  return { code, out: stdout.join(""), err: stderr.join("") };
}

describe("vm-rescue plan-repair (by hand / on-premises Hyper-V)", () => {
  test.each(["disk", "Ntfs", "storvsc", "CLFS"])(
    "--driver %s --actions QuarantineDriverFile is refused: exit 2, one line naming the invariant",
    async (driver) => {
      const r = await run(COLLECT, "--driver", driver, "--actions", "QuarantineDriverFile");
      expect(r.code).toBe(2);
      expect(r.out).toBe("");
      expect(r.err.trim().split("\n")).toHaveLength(1);
      expect(r.err).toMatch(
        new RegExp(
          `^vm-rescue: invariant (boot-critical-driver|boot-file): QuarantineDriverFile Windows\\\\System32\\\\drivers\\\\${driver}\\.sys`,
          "i",
        ),
      );
    },
  );

  test.each([
    ["CLFS", "boot-file"],
    ["ntoskrnl.exe", "boot-file"],
  ])(
    "on the AWS sample, --driver %s (no service of that name) is refused naming the invariant %s",
    async (driver, invariant) => {
      const r = await run(
        path.join(EXAMPLES, "aws-collect-output.json"),
        "--cloud",
        "aws",
        "--driver",
        driver,
        "--actions",
        "QuarantineDriverFile",
      );
      expect(r.code).toBe(2);
      expect(r.err.trim().split("\n")).toEqual([
        expect.stringMatching(new RegExp(`^vm-rescue: invariant ${invariant}: driver=${driver}: `)),
      ]);
    },
  );

  test("the sample disk with its dump: names cxnetmon.sys and prints a repair.ps1 line that parses and binds", async () => {
    const r = await run(COLLECT, "--cloud", "hyperv", "--dumps", EXAMPLES);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/caused by cxnetmon\.sys\+0x1a2b4/);
    expect(r.out).toMatch(/DisableDriver: cxnetmon\.sys caused the crash/);
    const line = /^\s+(\.\\repair\.ps1 .*)$/m.exec(r.out)?.[1];
    expect(line).toBeDefined();
    expect(line).toMatch(
      /-Actions 'DisableDriver','QuarantineDriverFile' -DriverService 'cxnetmon'/,
    );
    expect(analyzeScriptText(line as string).syntaxErrors).toEqual([]);
  });

  test("the disk is not pinned by the collect's number (it changes between mounts) unless --disk-number says so", async () => {
    const free = await run(COLLECT, "--cloud", "hyperv", "--dumps", EXAMPLES);
    expect(free.out).not.toMatch(/-DiskNumber/);
    const pinned = await run(
      COLLECT,
      "--cloud",
      "hyperv",
      "--dumps",
      EXAMPLES,
      "--disk-number",
      "5",
      "--json",
    );
    expect(JSON.parse(pinned.out).repairParams.DiskNumber).toBe(5);
    expect(JSON.parse(pinned.out).command).toMatch(/-DiskNumber 5/);
    expect((await run(COLLECT, "--cloud", "hyperv", "--disk-number", "x")).code).toBe(2);
  });

  test("--json carries the validated parameters that the command line spells out", async () => {
    const r = await run(COLLECT, "--cloud", "azure", "--dumps", EXAMPLES, "--json");
    expect(r.code).toBe(0);
    const d = JSON.parse(r.out);
    expect(d.culprit).toMatchObject({
      module: "cxnetmon.sys",
      service: "cxnetmon",
      thirdParty: true,
      bootCritical: false,
    });
    expect(validateRepairParams(d.repairParams)).toEqual(d.repairParams);
    expect(d.repairParams.ProtectedServices).toEqual(
      expect.arrayContaining(["storvsc", "vmbus", "disk"]),
    );
    expect(d.command).not.toContain(`-PublishedInf`);
  });

  test("without the dump the planner does not guess a driver", async () => {
    const r = await run(COLLECT, "--cloud", "azure", "--json");
    const d = JSON.parse(r.out);
    expect(d.triage[0].error).toMatch(/not collected/);
    expect(d.plan.actions.map((a: { action: string }) => a.action)).not.toContain("DisableDriver");
  });

  test("operator overrides: --actions replaces the choice, --dry-run reaches the script", async () => {
    const r = await run(
      COLLECT,
      "--cloud",
      "azure",
      "--dumps",
      EXAMPLES,
      "--actions",
      "SfcOffline,DismRestoreHealth",
      "--dry-run",
      "--json",
    );
    expect(r.code).toBe(0);
    const d = JSON.parse(r.out);
    expect(d.repairParams.Actions).toEqual(
      expect.arrayContaining(["SfcOffline", "DismRestoreHealth"]),
    );
    expect(d.repairParams.DryRun).toBe(true);
    expect(d.command).toMatch(/-DryRun$/);
  });

  test("a disk that cannot boot where it is going: exit 4 and the warning", async () => {
    const r = await run(
      COLLECT,
      "--cloud",
      "aws",
      "--instance-type",
      "m6i.large",
      "--dumps",
      EXAMPLES,
    );
    expect(r.code).toBe(4);
    expect(r.out).toMatch(/blocks booting this disk/);
  });

  const bad: [string, string[], RegExp][] = [
    ["an unknown action", ["--actions", "FormatDisk"], /unknown repair action FormatDisk/],
    ["a hostile driver name", ["--driver", "cxnetmon'; Remove-Item C:\\ -Recurse"], /driver/i],
    ["a driver not on the disk", ["--driver", "nosuchdrv"], /nosuchdrv/],
    ["a missing dumps folder", ["--dumps", path.join(tmp, "none")], /--dumps folder not found/],
    [
      "a dumps folder without a .dmp file",
      ["--dumps", fs.mkdtempSync(path.join(tmp, "no-dumps-"))],
      /^vm-rescue: --dumps folder \S+no-dumps-\w+ holds no \.dmp file/,
    ],
    [
      "a file that is not a minidump",
      ["--dumps", COLLECT],
      /^vm-rescue: --dumps file \S+collect-output\.json is not a kernel minidump: not a Windows crash dump/,
    ],
    [
      "a .dmp file of a user-mode minidump",
      ["--dumps", writeFile("app.dmp", "MDMP" + "\0".repeat(100))],
      /^vm-rescue: --dumps file \S+app\.dmp is not a kernel minidump: user-mode minidump/,
    ],
  ];
  test("an evidence folder holding none of a disk's files: exit 2, one line naming it", async () => {
    const empty = fs.mkdtempSync(path.join(tmp, "empty-evidence-"));
    const r = await run(empty, "--cloud", "azure");
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err.trim().split("\n")).toEqual([
      `vm-rescue: evidence folder ${empty} holds none of a Windows disk's files (Windows\\System32\\config\\SYSTEM, BCD, minidumps, System.evtx); give a copied or mounted disk, a collect output or its manifest`,
    ]);
  });

  test.each(bad)("%s: exit 2 with one line", async (_n, extra, message) => {
    const r = await run(COLLECT, "--cloud", "azure", ...extra);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err).toMatch(message);
    expect(r.err.trim().split("\n")).toHaveLength(1);
  });
});

describe("vm-rescue plan-repair --system-hive: the operations repair.ps1 executes", () => {
  const hive = path.join(tmp, "SYSTEM");
  beforeAll(() => {
    fs.writeFileSync(
      hive,
      execFileSync("xz", ["-dc", path.join(EXAMPLES, "evidence", "SYSTEM.xz")], {
        maxBuffer: 64 * 1024 * 1024,
      }),
    );
  });
  const args = (...more: string[]) => [
    COLLECT,
    "--cloud",
    "hyperv",
    "--actions",
    "Chkdsk,DisableDriver,DismRestoreHealth,SfcOffline",
    "--driver",
    "cxnetmon",
    "--system-hive",
    hive,
    ...more,
  ];

  test("orders chkdsk, then DISM/SFC, then the registry; every registry write carries its expected value", async () => {
    const r = await run(...args("--repair-source", "wim:D:\\sources\\install.wim:1", "--json"));
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out) as { operations: CompiledRepair; command: string };
    const ops = doc.operations.operations;
    expect(ops.map((o) => `${o.phase} ${o.op}`)).toEqual([
      "volume chkdsk",
      "image dismRestoreHealth",
      "image sfcScan",
      "registry setValue",
    ]);
    expect(ops[3]).toMatchObject({
      target: "SYSTEM\\ControlSet001\\Services\\cxnetmon\\Start",
      expected: { type: "REG_DWORD", data: 1 },
      value: { type: "REG_DWORD", data: 4 },
      undo: { op: "setValue", value: { type: "REG_DWORD", data: 1 } },
    });
    expect(ops[1]).toMatchObject({ minHelperBuild: 17763 });
    expect(operationProblems(doc.operations)).toEqual([]);
    const b64 = /-Operations '([A-Za-z0-9+/=]+)'/.exec(doc.command)?.[1];
    expect(JSON.parse(Buffer.from(b64 ?? "", "base64").toString("utf8"))).toEqual(doc.operations);
    expect(analyzeScriptText(doc.command).syntaxErrors).toEqual([]);
  });

  test("refuses DismRestoreHealth without a source, and DISM/SFC on an older helper, in one line", async () => {
    const noSource = await run(...args());
    expect(noSource.code).not.toBe(0);
    expect(noSource.err).toMatch(/DismRestoreHealth needs a repair source that matches the image/);
    const old = await run(
      ...args("--repair-source", "wim:D:\\sources\\install.wim:1", "--helper-build", "14393"),
    );
    expect(old.err).toMatch(/helper runs Windows build 14393, older than the image's 17763/);
  });

  test("lists the operations in the text output", async () => {
    const r = await run(...args("--repair-source", "wim:D:\\sources\\install.wim:1"));
    expect(r.out).toMatch(/^ {2}1\. \[volume\] chkdsk the Windows volume$/m);
    expect(r.out).toMatch(
      /^ {2}4\. \[registry\] setValue SYSTEM\\ControlSet001\\Services\\cxnetmon\\Start: expected \{"type":"REG_DWORD","data":1\}, set \{"type":"REG_DWORD","data":4\}$/m,
    );
  });
});
