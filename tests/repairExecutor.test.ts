/**
 * End to end on this machine: the TypeScript side compiles a plan from a real SYSTEM hive and BCD
 * store, repair.ps1 executes it under a real PowerShell on a copy of them (against the fake of the
 * Windows-only commands in tests/pester/fakes, registry writes by hivex), and the TypeScript
 * readers check the changed hives. Every plan runs in one PowerShell process (its start is the slow
 * part), each on its own disk. Skipped with one line where pwsh or the fixtures are absent, never
 * in CI.
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

/** One plan for repair.ps1 to run (`runs` times in a row) on its own disk. */
interface Job {
  disk: Disk;
  compiled: CompiledRepair;
  runs: number;
}

/**
 * Runs every job in one PowerShell process (its start is the slow part): repair.ps1 dot-sourced
 * with the fakes once, then per job the fake Windows reset to the job's disk and the plan run.
 * Returns each job's result documents, or the error that stopped it.
 */
function runRepairs(jobs: Job[]): (string[] | Error)[] {
  const outs = jobs.map(({ disk, runs }) =>
    Array.from({ length: runs }, (_, i) => path.join(disk.dir, `out-${i}.json`)),
  );
  const driver = [
    "$ErrorActionPreference = 'Stop'",
    `. ${ps(path.join(ROOT, "src", "guest", "repair.ps1"))} -Actions 'EnableCrashDump'`,
    `. ${ps(path.join(ROOT, "tests", "pester", "fakes", "Windows.ps1"))}`,
    // The script's parameters as the binder sets them (locals: the dot-sourced ones keep their validation).
    "function Invoke-Run([string]$Dir, [string]$OpsFile, [string[]]$Actions) {",
    "  $OutputPath = Join-Path $Dir 'helper/repair-result.json'",
    "  $DiskNumber = 2; $UploadKind = 'None'; $UploadUrls = ''; $DryRun = $false; $MinWindowsPartitionBytes = 1073741824",
    "  $Operations = (Get-Content -Raw $OpsFile).Trim()",
    "  $ActionList = $Actions",
    "  [string]@(Invoke-Repair)[0]",
    "}",
    ...jobs.map(({ disk, compiled }, j) => {
      const ops = path.join(disk.dir, "ops.b64");
      fs.writeFileSync(ops, encodeOperations(compiled));
      const actions = [...new Set(compiled.operations.map((o) => o.action))];
      return [
        "try {",
        `  $env:TEMP = ${ps(disk.dir)}`,
        `  Reset-FakeWindows -Volume ${ps(disk.vol)} -Esp ${ps(disk.esp)}`,
        ...outs[j].map(
          (o) =>
            `  [System.IO.File]::WriteAllText(${ps(o)}, (Invoke-Run ${ps(disk.dir)} ${ps(ops)} @(${actions.map(ps).join(", ")})))
  if (@($script:Fake.Loaded.Keys).Count -gt 0) { throw 'a hive stayed loaded' }`,
        ),
        `} catch { [System.IO.File]::WriteAllText(${ps(path.join(disk.dir, "error.txt"))}, ($_ | Out-String)) }`,
      ].join("\n");
    }),
  ].join("\n");
  const script = path.join(jobs[0].disk.dir, "run.ps1");
  fs.writeFileSync(script, driver);
  execFileSync(PWSH, ["-NoProfile", "-NonInteractive", "-File", script], {
    stdio: "pipe",
    timeout: 600_000,
  });
  return jobs.map(({ disk }, j) => {
    const error = path.join(disk.dir, "error.txt");
    if (fs.existsSync(error)) return new Error(fs.readFileSync(error, "utf8"));
    return outs[j].map((o) => fs.readFileSync(o, "utf8"));
  });
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
  jest.setTimeout(600_000);
  const disks: Disk[] = [];
  afterAll(() => disks.forEach((d) => fs.rmSync(d.dir, { recursive: true, force: true })));

  const SECOND_RUN = [
    { action: "Chkdsk", args: {} },
    { action: "DisableDriver", args: { service: "Tcpip" } },
    { action: "SetSafeBoot", args: { mode: "minimal" } },
  ] as RepairAction[];
  /** Every case, and the second-run case run twice, in one PowerShell process (made once). */
  let done: ReturnType<typeof check>[] | undefined;
  const outcome = (i: number) => {
    if (!done) {
      const jobs = [...CASES.map(([, a]) => job(a, 1)), job(SECOND_RUN, 2)];
      done = runRepairs(jobs).map((r, j) => check(jobs[j], r));
    }
    return done[i];
  };

  function job(actions: RepairAction[], runs: number): Job {
    const disk = newDisk();
    disks.push(disk);
    return { disk, compiled: compileRepairPlan(plan(actions), evidence(), OPTS), runs };
  }

  function check({ disk, compiled }: Job, ran: string[] | Error) {
    if (ran instanceof Error) return { error: ran };
    const results = ran.map((t) => parseRepairResult(t));
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
    return { results, check };
  }

  it.each(CASES.map((c, i) => [...c, i] as const))(
    "%s: executed, and the TypeScript reader finds what the plan writes",
    (_n, _a, i) => {
      const ran = outcome(i);
      if ("error" in ran) throw ran.error;
      const { results, check } = ran;
      const doc = results[0] as unknown as { outcome: string; operations: { status: string }[] };
      const statuses = doc.operations.map((o) => o.status);
      expect(statuses.filter((s) => s !== "applied" && s !== "alreadyApplied")).toEqual([]);
      expect(statuses).toContain("applied");
      expect(doc.outcome).toBe("applied");
      expect(check.differences).toEqual([]);
      expect(check.ok).toBe(true);
    },
  );

  it("a second run of the finished plan changes nothing and says already applied", () => {
    const ran = outcome(CASES.length);
    if ("error" in ran) throw ran.error;
    const { results, check } = ran;
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
