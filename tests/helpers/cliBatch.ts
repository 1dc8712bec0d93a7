/**
 * Many runs of the built CLI (`npm run build` first) in one child process, for tables of refusals:
 * each run is `main(args)` from dist/ in its own empty working folder, and reports its exit code,
 * what it printed, the files it left in that folder, its time, and the heavy packages (Pulumi, the
 * cloud SDKs) that were first loaded during it. A package stays loaded once loaded, so the first
 * run that loads one is the run that reports it (the table fails there). Tests about the process
 * itself (signals, EPIPE, a stray warning) spawn bin/ (helpers/cli.ts).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { REPO_ROOT } from "./paths";

export interface BatchResult {
  code: number;
  out: string;
  err: string;
  /** Files the run left in its (empty) working folder. */
  created: string[];
  /** Heavy packages' files first loaded during this run. */
  heavy: string[];
  seconds: number;
}

/** The heavy packages a refusal must not load: Pulumi and the cloud SDKs (paths with "/"). */
export const HEAVY_PACKAGES = /node_modules\/(@pulumi\/|@aws-sdk\/|@azure\/)/;

/** The child: reads the runs on stdin, writes their results as JSON on fd 3. */
const CHILD = `
const fs = require("fs");
const path = require("path");
const HEAVY = ${HEAVY_PACKAGES};
require(path.join(process.argv[1], "dist/src/cli/guard.js")).guardProcess();
const { main } = require(path.join(process.argv[1], "dist/src/cli/main.js"));
const line = (t) => (t.endsWith("\\n") ? t : t + "\\n");
(async () => {
  const runs = JSON.parse(fs.readFileSync(0, "utf8"));
  const results = [];
  for (const { args, cwd } of runs) {
    const before = new Set(Object.keys(require.cache));
    process.chdir(cwd);
    let out = "";
    let err = "";
    const start = process.hrtime.bigint();
    const code = await main(args, { isTty: false, out: (t) => (out += line(t)), err: (t) => (err += line(t)) });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const heavy = Object.keys(require.cache).filter((k) => !before.has(k) && HEAVY.test(k.replace(/\\\\/g, "/")));
    results.push({ code, out, err, created: fs.readdirSync(cwd), heavy, seconds });
  }
  fs.writeSync(3, JSON.stringify(results));
})();
`;

/**
 * Runs every command line in `runs`, in order, each in a new empty folder; results in order.
 * Throws when the process fails or prints anything of its own.
 */
export function runCliBatch(runs: readonly (readonly string[])[]): BatchResult[] {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "vm-rescue-batch-"));
  try {
    const input = runs.map((args, i) => {
      const cwd = path.join(root, String(i));
      fs.mkdirSync(cwd);
      return { args, cwd };
    });
    const r = spawnSync(process.execPath, ["-e", CHILD, REPO_ROOT], {
      cwd: root,
      input: JSON.stringify(input),
      encoding: "utf8",
      timeout: 300_000,
      maxBuffer: 64 * 1024 * 1024,
      stdio: ["pipe", "pipe", "pipe", "pipe"],
      env: { ...process.env, CI: "1" },
    });
    const json = r.output[3] as string | null;
    // Each run's own output is in its result: anything on the process's own stdout or stderr (a
    // stray write or warning, a crash) fails the whole table.
    if (r.status !== 0 || !json || r.stderr !== "" || r.stdout !== "") {
      throw new Error(`the batch of CLI runs failed (exit ${r.status}): ${r.stderr}${r.stdout}`);
    }
    return JSON.parse(json) as BatchResult[];
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}
