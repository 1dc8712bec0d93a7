// `npm test`: every check the project has, in phases, each timed; the last line is the plain
// "N passed, N failed, N skipped" over jest and Pester together.
//   typecheck  tsc --noEmit (incremental, its build info in .tools/)
//   format     prettier --check (cached in .tools/ by content)
//   lint       eslint (typescript-eslint + the tree's import boundaries; cached in .tools/ by content)
//   jest       every *.test.ts
//   pester     tests/pester/*.Tests.ps1 under a real PowerShell (installed into .tools/ with dotnet
//              where missing; skipped with one line where neither pwsh nor dotnet exists, never in CI)
// No phase needs another's result, so all of them run at once: jest streams its output, the others'
// output is printed whole when each ends. Every phase runs even when another fails; the exit code
// is 1 when any failed. Arguments are passed to jest (e.g. `npm test -- tests/cli.plan.test.ts`).
// VM_RESCUE_JEST_WORKERS sets jest's --maxWorkers (default: one per core and one more). Jest and
// Pester write their scratch files to a memory file system where there is one (scratchDir).
import { spawn } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const bin = (name) => path.join(root, "node_modules", ".bin", name);
const inCi = Boolean(process.env.CI);
const suiteStart = process.hrtime.bigint();
const seconds = (since) => Number(process.hrtime.bigint() - since) / 1e9;
const TOOLS = path.join(root, ".tools");
fs.mkdirSync(TOOLS, { recursive: true });

/**
 * Runs a command; resolves to { ok, output }. With `stream` its output goes straight through,
 * otherwise it is kept and printed whole under the phase's name when the phase ends.
 */
function run(cmd, args, { stream = false, env = process.env } = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      cwd: root,
      env,
      stdio: stream ? "inherit" : ["ignore", "pipe", "pipe"],
    });
    const chunks = [];
    if (!stream) {
      child.stdout.on("data", (d) => chunks.push(d));
      child.stderr.on("data", (d) => chunks.push(d));
    }
    child.on("error", (e) => resolve({ ok: false, output: `${cmd}: ${e.message}\n` }));
    child.on("close", (code) =>
      resolve({ ok: code === 0, output: Buffer.concat(chunks).toString("utf8") }),
    );
  });
}

/**
 * The tests' scratch files (simulated clouds' state files, disk images, hive copies) go to a
 * memory file system where there is one: the simulated clouds write their state atomically
 * (write, then rename) on every call, and a rename over a file on a disk file system waits for
 * the new file's blocks. VM_RESCUE_TEST_TMPDIR names another folder.
 */
function scratchDir() {
  const chosen = process.env.VM_RESCUE_TEST_TMPDIR;
  if (chosen) return { dir: chosen, created: false };
  const shm = "/dev/shm";
  try {
    fs.accessSync(shm, fs.constants.W_OK);
    // The suite writes a few GB of scratch files: a small /dev/shm (a container's 64 MB) is not used.
    const { bavail, bsize } = fs.statfsSync(shm);
    if (bavail * bsize < SCRATCH_BYTES) return { dir: os.tmpdir(), created: false };
    return { dir: fs.mkdtempSync(path.join(shm, "vm-rescue-tests-")), created: true };
  } catch {
    return { dir: os.tmpdir(), created: false };
  }
}
const SCRATCH_BYTES = 6 * 1024 ** 3;
const { dir: scratch, created: scratchCreated } = scratchDir();
const testEnv = { ...process.env, TMPDIR: scratch, TEMP: scratch, TMP: scratch };
// Only a folder made here is removed: never a folder VM_RESCUE_TEST_TMPDIR names.
const removeScratch = () => {
  if (scratchCreated) fs.rmSync(scratch, { recursive: true, force: true });
};
process.on("exit", removeScratch);
// Ctrl-C or a CI cancel: the scratch folder (in memory) goes too; the children get the signal.
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    removeScratch();
    process.exit(signal === "SIGINT" ? 130 : 143);
  });
}

const times = [];
/** Times one phase; prints its kept output (if any) under its name once it ends. */
async function phase(name, fn) {
  const start = process.hrtime.bigint();
  const { ok, output = "" } = await fn();
  const s = seconds(start);
  times.push([name, s, ok]);
  const text = output.trimEnd();
  process.stderr.write(
    `\n── ${name}: ${ok ? "ok" : "FAILED"} in ${s.toFixed(1)} s\n${text ? `${text}\n` : ""}`,
  );
  return ok;
}

/** A cache file name that changes with the tool's configuration and the installed versions. */
function cacheFile(tool, inputs) {
  const h = crypto.createHash("sha256");
  for (const f of inputs) {
    const p = path.join(root, f);
    h.update(`${f}\0${fs.existsSync(p) ? fs.readFileSync(p) : ""}\0`);
  }
  return path.join(".tools", `${tool}-${h.digest("hex").slice(0, 16)}.cache`);
}
const LOCK = "package-lock.json";

let passed = 0;
let failed = 0;
let skipped = 0;

const typecheck = phase("typecheck", () =>
  run(bin("tsc"), ["--noEmit", "--incremental", "--tsBuildInfoFile", ".tools/tsc.tsbuildinfo"]),
);
const format = phase("format", () =>
  run(bin("prettier"), [
    "--check",
    "--log-level",
    "warn",
    "--cache",
    "--cache-strategy",
    "content",
    "--cache-location",
    cacheFile("prettier", [".prettierrc.json", ".prettierignore", LOCK]),
    "**/*.{ts,js,mjs,cjs}",
  ]),
);
const lint = phase("lint", () =>
  run(bin("eslint"), [
    "--max-warnings",
    "0",
    // The boundaries rule lives in tools/architecture.cjs: a change there starts a new cache.
    "--cache",
    "--cache-strategy",
    "content",
    "--cache-location",
    cacheFile("eslint", ["eslint.config.mjs", "tools/architecture.cjs", LOCK]),
    ".",
  ]),
);

// PowerShell is found (or installed) before jest starts: the jest suite has an end-to-end test
// that runs repair.ps1 under it.
const { ensurePowerShell } = require("./powershell.cjs");
let ps;
let psError = null;
try {
  ps = ensurePowerShell((line) => process.stderr.write(`${line}\n`));
} catch (e) {
  psError = String(e.message).split("\n")[0];
}

const pester = phase("pester", async () => {
  if (psError !== null)
    return { ok: false, output: `PowerShell could not be installed: ${psError}` };
  if (ps.missing) return { ok: !inCi, output: `skipping the Pester suite: ${ps.missing}` };
  const counts = path.join(TOOLS, "pester-counts.txt");
  fs.rmSync(counts, { force: true });
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
  const r = await run(ps.pwsh, ["-NoProfile", "-NonInteractive", "-Command", script], {
    env: testEnv,
  });
  if (fs.existsSync(counts)) {
    const [p, f, s] = fs.readFileSync(counts, "utf8").trim().split(" ").map(Number);
    passed += p;
    failed += f;
    skipped += s;
    fs.rmSync(counts);
  } else failed += 1;
  return r;
});

const workers =
  process.env.VM_RESCUE_JEST_WORKERS ||
  // One more than the cores: many test files wait on the processes they spawn. On 2 cores the
  // suite took 284 s with 2 workers, 253 s with 3, 279 s with 4.
  String((os.availableParallelism?.() ?? os.cpus().length) + 1);
const jestJson = path.join(TOOLS, "jest-results.json");
fs.rmSync(jestJson, { force: true });
const jest = phase("jest", async () => {
  const r = await run(
    bin("jest"),
    [
      "--ci",
      `--maxWorkers=${workers}`,
      // Its transform cache stays between runs (the scratch folder does not).
      `--cacheDirectory=${path.join(TOOLS, "jest-cache")}`,
      "--json",
      `--outputFile=${jestJson}`,
      ...process.argv.slice(2),
    ],
    { stream: true, env: testEnv },
  );
  if (fs.existsSync(jestJson)) {
    const j = JSON.parse(fs.readFileSync(jestJson, "utf8"));
    passed += j.numPassedTests;
    failed += j.numFailedTests;
    skipped += j.numPendingTests + j.numTodoTests;
  } else failed += 1;
  return r;
});

const results = await Promise.all([typecheck, format, lint, jest, pester]);
const order = ["typecheck", "format", "lint", "jest", "pester"];
times.sort((a, b) => order.indexOf(a[0]) - order.indexOf(b[0]));
process.stderr.write(
  `\nphase times: ${times
    .map(([n, s, ok]) => `${n} ${s.toFixed(1)} s${ok ? "" : " (failed)"}`)
    .join(", ")}; total ${seconds(suiteStart).toFixed(1)} s (the phases run at once)\n`,
);
process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
process.exit(results.every(Boolean) ? 0 : 1);
