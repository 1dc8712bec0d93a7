/**
 * End to end on this machine: the TypeScript side compiles a plan from a real SYSTEM hive and BCD
 * store, repair.ps1 executes it under a real PowerShell on a copy of them (against the fake of the
 * Windows-only commands in tests/pester/fakes, registry writes by hivex), and the TypeScript
 * readers check the changed hives. Skipped with one line where pwsh or the fixtures are absent,
 * never in CI.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CONTRACT_VERSION, type RepairAction, type RepairPlan } from "../src/collect/contract";
import { parseRepairResult } from "../src/collect/validate";
import { decodeBcd } from "../src/evidence/bcd";
import { openHive } from "../src/evidence/hive";
import { fixture, missing } from "../src/evidence/facts/testing/evidence";
import {
  checkRepairedDisk,
  compileRepairPlan,
  encodeOperations,
  type CompiledRepair,
} from "../src/repair/operations";

const ROOT = path.resolve(__dirname, "..");
// The PowerShell tools/test.mjs uses (tools/powershell.cjs): the project's .tools/pwsh.
const { TOOLS } = require("../tools/powershell.cjs") as { TOOLS: string };
const PWSH = path.join(TOOLS, "pwsh", "pwsh");
const SYSTEM = fixture("hives", "SYSTEM_WIN7_X86");
const BCD = fixture("hives", "BCD");

const absent = [
  ...missing([SYSTEM, BCD], ["hivexregedit", "hivexget"]),
  ...(fs.existsSync(PWSH) ? [] : [PWSH]),
];
if (absent.length > 0 && process.env.CI) {
  throw new Error(`the repair executor test needs ${absent.join(", ")} in CI`);
}
const describeIf = absent.length === 0 ? describe : describe.skip;
if (absent.length > 0)
  console.warn(`skipping the repair executor end to end: missing ${absent.join(", ")}`);

const ps = (s: string) => `'${s.replace(/'/g, "''")}'`;

interface Disk {
  dir: string;
  vol: string;
  esp: string;
}

function newDisk(): Disk {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vmr-e2e-"));
  const vol = path.join(dir, "vol");
  const esp = path.join(dir, "esp");
  fs.mkdirSync(path.join(vol, "Windows", "System32", "config"), { recursive: true });
  fs.mkdirSync(path.join(vol, "Windows", "System32", "drivers"), { recursive: true });
  fs.mkdirSync(path.join(vol, "Windows", "INF"), { recursive: true });
  fs.mkdirSync(path.join(esp, "EFI", "Microsoft", "Boot"), { recursive: true });
  fs.copyFileSync(SYSTEM, path.join(vol, "Windows", "System32", "config", "SYSTEM"));
  fs.copyFileSync(BCD, path.join(esp, "EFI", "Microsoft", "Boot", "BCD"));
  fs.writeFileSync(path.join(vol, "Windows", "System32", "drivers", "tcpip.sys"), "driver");
  fs.writeFileSync(path.join(vol, "Windows", "INF", "oem3.inf"), "inf");
  return { dir, vol, esp };
}

/** One run of repair.ps1 (dot-sourced with the fakes) on the disk; returns its result document. */
function runRepair(disk: Disk, compiled: CompiledRepair, runs = 1): string[] {
  const ops = path.join(disk.dir, "ops.b64");
  fs.writeFileSync(ops, encodeOperations(compiled));
  const actions = [...new Set(compiled.operations.map((o) => o.action))];
  const outs = Array.from({ length: runs }, (_, i) => path.join(disk.dir, `out-${i}.json`));
  const driver = [
    "$ErrorActionPreference = 'Stop'",
    `$env:TEMP = ${ps(disk.dir)}`,
    `. ${ps(path.join(ROOT, "src", "guest", "repair.ps1"))} -Actions 'EnableCrashDump'`,
    `. ${ps(path.join(ROOT, "tests", "pester", "fakes", "Windows.ps1"))}`,
    `Reset-FakeWindows -Volume ${ps(disk.vol)} -Esp ${ps(disk.esp)}`,
    // The script's parameters as the binder sets them (locals: the dot-sourced ones keep their validation).
    "function Invoke-Run {",
    `  $OutputPath = ${ps(path.join(disk.dir, "helper", "repair-result.json"))}`,
    "  $DiskNumber = 2; $UploadKind = 'None'; $UploadUrls = ''; $DryRun = $false; $MinWindowsPartitionBytes = 1073741824",
    `  $Operations = (Get-Content -Raw ${ps(ops)}).Trim()`,
    `  $ActionList = @(${actions.map(ps).join(", ")})`,
    "  [string]@(Invoke-Repair)[0]",
    "}",
    ...outs.map(
      (o) =>
        `[System.IO.File]::WriteAllText(${ps(o)}, (Invoke-Run)); if (@($script:Fake.Loaded.Keys).Count -gt 0) { throw 'a hive stayed loaded' }`,
    ),
  ].join("\n");
  const script = path.join(disk.dir, "run.ps1");
  fs.writeFileSync(script, driver);
  execFileSync(PWSH, ["-NoProfile", "-NonInteractive", "-File", script], {
    stdio: "pipe",
    timeout: 240_000,
  });
  return outs.map((o) => fs.readFileSync(o, "utf8"));
}

const plan = (actions: RepairAction[]): RepairPlan => ({
  schemaVersion: CONTRACT_VERSION,
  kind: "repairPlan",
  dryRun: false,
  actions: actions.map((a) => ({ ...a, reason: "test" })),
});

const evidence = () => ({
  system: openHive(fs.readFileSync(SYSTEM), { label: "SYSTEM" }),
  bcd: decodeBcd(openHive(fs.readFileSync(BCD), { label: "BCD" }), { file: "BCD" }),
});

const OPTS = {
  imageBuild: 7601,
  helperBuild: 20348,
  repairSource: "wim:D:\\sources\\install.wim:1",
};

const CASES: [string, RepairAction[]][] = [
  ["DisableDriver", [{ action: "DisableDriver", args: { service: "Tcpip" } } as RepairAction]],
  ["CleanBoot", [{ action: "CleanBoot", args: { services: ["Tcpip", "Afd"] } } as RepairAction]],
  ["EnableCrashDump", [{ action: "EnableCrashDump", args: { kind: "small" } } as RepairAction]],
  [
    "RestoreLastKnownGood then DisableDriver",
    [
      { action: "DisableDriver", args: { service: "Tcpip" } },
      { action: "RestoreLastKnownGood", args: {} },
    ] as RepairAction[],
  ],
  ["SetSafeBoot", [{ action: "SetSafeBoot", args: { mode: "network" } } as RepairAction]],
  ["EnableEms", [{ action: "EnableEms", args: {} } as RepairAction]],
  ["Chkdsk", [{ action: "Chkdsk", args: {} } as RepairAction]],
  ["SfcOffline", [{ action: "SfcOffline", args: {} } as RepairAction]],
  ["DismRestoreHealth", [{ action: "DismRestoreHealth", args: {} } as RepairAction]],
  ["RevertPendingActions", [{ action: "RevertPendingActions", args: {} } as RepairAction]],
  [
    "RemoveDriverPackage",
    [{ action: "RemoveDriverPackage", args: { publishedInf: "oem3.inf" } } as RepairAction],
  ],
  [
    "QuarantineDriverFile",
    [
      {
        action: "QuarantineDriverFile",
        args: { path: "Windows\\System32\\drivers\\tcpip.sys" },
      } as RepairAction,
    ],
  ],
];

describeIf("repair.ps1 executes a plan compiled from a real hive", () => {
  jest.setTimeout(300_000);
  const disks: Disk[] = [];
  afterAll(() => disks.forEach((d) => fs.rmSync(d.dir, { recursive: true, force: true })));

  function repairAndCheck(actions: RepairAction[], runs = 1) {
    const disk = newDisk();
    disks.push(disk);
    const compiled = compileRepairPlan(plan(actions), evidence(), OPTS);
    const results = runRepair(disk, compiled, runs).map((t) => parseRepairResult(t));
    const after = {
      system: fs.readFileSync(path.join(disk.vol, "Windows", "System32", "config", "SYSTEM")),
      bcd: fs.readFileSync(path.join(disk.esp, "EFI", "Microsoft", "Boot", "BCD")),
    };
    const check = checkRepairedDisk(compiled, {
      before: {
        system: { path: "\\SYSTEM", bytes: fs.readFileSync(SYSTEM) },
        bcd: { path: "\\BCD", bytes: fs.readFileSync(BCD) },
      },
      after,
    });
    return { compiled, results, check, disk };
  }

  it.each(CASES)("%s: executed, and the TypeScript reader finds what the plan writes", (_n, a) => {
    const { results, check } = repairAndCheck(a);
    const doc = results[0] as unknown as { outcome: string; operations: { status: string }[] };
    const statuses = doc.operations.map((o) => o.status);
    expect(statuses.filter((s) => s !== "applied" && s !== "alreadyApplied")).toEqual([]);
    expect(statuses).toContain("applied");
    expect(doc.outcome).toBe("applied");
    expect(check.differences).toEqual([]);
    expect(check.ok).toBe(true);
  });

  it("a second run of the finished plan changes nothing and says already applied", () => {
    const { results, check } = repairAndCheck(
      [
        { action: "Chkdsk", args: {} },
        { action: "DisableDriver", args: { service: "Tcpip" } },
        { action: "SetSafeBoot", args: { mode: "minimal" } },
      ] as RepairAction[],
      2,
    );
    const second = results[1] as unknown as { outcome: string; operations: { status: string }[] };
    expect(second.outcome).toBe("alreadyApplied");
    expect(new Set(second.operations.map((o) => o.status))).toEqual(new Set(["alreadyApplied"]));
    expect(results[1].results.map((r) => r.message)).toEqual([
      "already applied",
      "already applied",
      "already applied",
    ]);
    expect(check.ok).toBe(true);
  });
});
