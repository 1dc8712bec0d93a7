// `npm test`: every check the project has, in phases, each timed; the last line is the plain
// "N passed, N failed, N skipped" over jest and Pester together.
//   typecheck  tsc --noEmit (incremental)
//   format     prettier --check
//   lint       eslint (typescript-eslint + the tree's import boundaries)
//   jest       every *.test.ts
//   pester     tests/pester/*.Tests.ps1 under a real PowerShell (installed into .tools/ with dotnet
//              where missing; skipped with one line where neither pwsh nor dotnet exists, never in CI)
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const bin = (name) => path.join(root, "node_modules", ".bin", name);
const inCi = Boolean(process.env.CI);
const times = [];
let passed = 0;
let failed = 0;
let skipped = 0;

function phase(name, fn) {
  const start = process.hrtime.bigint();
  process.stderr.write(`\n── ${name}\n`);
  const ok = fn();
  times.push([name, Number(process.hrtime.bigint() - start) / 1e9, ok]);
  return ok;
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: "inherit", ...opts });
  return r.status === 0;
}

function finish(code) {
  process.stderr.write("\nphase times: ");
  process.stderr.write(
    times.map(([n, s, ok]) => `${n} ${s.toFixed(1)} s${ok ? "" : " (failed)"}`).join(", "),
  );
  process.stderr.write("\n");
  process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  process.exit(code);
}

fs.mkdirSync(path.join(root, ".tools"), { recursive: true });
const gates = [
  [
    "typecheck",
    () =>
      run(bin("tsc"), ["--noEmit", "--incremental", "--tsBuildInfoFile", ".tools/tsc.tsbuildinfo"]),
  ],
  [
    "format",
    () => run(bin("prettier"), ["--check", "--log-level", "warn", "**/*.{ts,js,mjs,cjs}"]),
  ],
  ["lint", () => run(bin("eslint"), ["--max-warnings", "0", "."])],
];
for (const [name, fn] of gates) {
  if (!phase(name, fn)) finish(1);
}

// PowerShell first: the jest suite has an end-to-end test that runs repair.ps1 under it.
const { ensurePowerShell } = require("./powershell.cjs");
let ps;
let psError = null;
try {
  ps = ensurePowerShell((line) => process.stderr.write(`${line}\n`));
} catch (e) {
  psError = String(e.message).split("\n")[0];
}

const jestJson = path.join(root, ".tools", "jest-results.json");
const jestOk = phase("jest", () =>
  run(bin("jest"), ["--ci", "--json", `--outputFile=${jestJson}`, ...process.argv.slice(2)]),
);
if (fs.existsSync(jestJson)) {
  const r = JSON.parse(fs.readFileSync(jestJson, "utf8"));
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += r.numPendingTests + r.numTodoTests;
}

const pesterOk = phase("pester", () => {
  if (psError !== null) {
    process.stderr.write(`PowerShell could not be installed: ${psError}\n`);
    return false;
  }
  if (ps.missing) {
    process.stderr.write(`skipping the Pester suite: ${ps.missing}\n`);
    return !inCi;
  }
  const counts = path.join(root, ".tools", "pester-counts.txt");
  const script = [
    "$ErrorActionPreference = 'Stop'",
    `Import-Module '${ps.pester}'`,
    "$c = New-PesterConfiguration",
    "$c.Run.Path = 'tests/pester'",
    "$c.Run.PassThru = $true",
    "$c.Output.Verbosity = 'Normal'",
    "$r = Invoke-Pester -Configuration $c",
    `Set-Content -Path '${counts}' -Value ('{0} {1} {2}' -f $r.PassedCount, $r.FailedCount, $r.SkippedCount)`,
    "if ($r.FailedCount -gt 0 -or $r.Result -ne 'Passed') { exit 1 }",
  ].join("; ");
  const ok = run(ps.pwsh, ["-NoProfile", "-NonInteractive", "-Command", script]);
  if (fs.existsSync(counts)) {
    const [p, f, s] = fs.readFileSync(counts, "utf8").trim().split(" ").map(Number);
    passed += p;
    failed += f;
    skipped += s;
    fs.rmSync(counts);
  } else failed += 1;
  return ok;
});

finish(jestOk && pesterOk ? 0 : 1);
