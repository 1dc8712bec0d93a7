#!/usr/bin/env node
"use strict";
// CLI start-up: wall time and peak RSS of `vm-rescue --help` and of `vm-rescue triage` on the
// bundled sample dump, median over N runs, against the targets (0.3 s, 80 MB) as ratios.
// Uses dist/ (`npm run build` first). N = BENCH_RUNS (default 7).
const { spawnSync } = require("node:child_process");
const path = require("node:path");

const TARGET_S = 0.3;
const TARGET_MB = 80;
const RUNS = Number(process.env.BENCH_RUNS) || 7;
const root = path.resolve(__dirname, "..");
const cli = path.join(root, "bin", "vm-rescue.js");

// /usr/bin/time -f "%e %M" gives elapsed seconds and peak RSS in KiB of the child alone.
function once(args) {
  const argv = args === null ? ["-e", "0"] : [cli, ...args];
  const r = spawnSync("/usr/bin/time", ["-f", "%e %M", process.execPath, ...argv], {
    encoding: "utf8",
  });
  const last = r.stderr.trim().split("\n").pop();
  const [s, kb] = last.split(" ").map(Number);
  if (!Number.isFinite(s) || !Number.isFinite(kb)) throw new Error(`unexpected: ${last}`);
  return { s, mb: kb / 1024 };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

if (spawnSync("/usr/bin/time", ["-f", "%e", "true"]).status !== 0) {
  console.log("cli-startup: skipped, /usr/bin/time is not installed (Debian package time)");
  process.exit(0);
}
// Node's own start-up on this machine, for scale (the targets include it).
const cases = [
  ["node -e 0 (baseline)", null],
  ["vm-rescue --help", ["--help"]],
  ["vm-rescue triage <sample>", ["triage", path.join(root, "examples", "112926-9218-01.dmp")]],
];
for (const [name, args] of cases) {
  const runs = Array.from({ length: RUNS }, () => once(args));
  const s = median(runs.map((r) => r.s));
  const mb = median(runs.map((r) => r.mb));
  console.log(
    `${name.padEnd(28)} ${s.toFixed(2)} s → ratio ${(s / TARGET_S).toFixed(2)} of ${TARGET_S} s; ` +
      `peak RSS ${mb.toFixed(0)} MB → ratio ${(mb / TARGET_MB).toFixed(2)} of ${TARGET_MB} MB`,
  );
}
