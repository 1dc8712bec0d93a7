#!/usr/bin/env node
"use strict";
// Triage time per dump (read the file, parse, find the culprit): median and p95 over N runs, against
// the 50 ms target. Uses dist/ (`npm run build` first). N = BENCH_RUNS (default 200).
const fs = require("node:fs");
const path = require("node:path");

const TARGET_MS = 50;
const RUNS = Number(process.env.BENCH_RUNS) || 200;
const WARMUP = 20;

let triage;
try {
  triage = require("../dist/src/triage/index.js");
} catch (e) {
  process.stderr.write(
    "triage.bench: dist/src/triage/index.js is missing; run `npm run build` first\n",
  );
  process.exit(2);
}

const dumps = [
  [
    "sample (examples/112926-9218-01.dmp)",
    path.resolve(__dirname, "../examples/112926-9218-01.dmp"),
  ],
  ["real (triage_x64.dmp)", path.resolve(__dirname, "../..", "shared/fixtures/triage_x64.dmp")],
];

function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

for (const [label, file] of dumps) {
  if (!fs.existsSync(file)) {
    console.log(`${label}: skipped, ${file} is absent`);
    continue;
  }
  const times = [];
  let result;
  for (let i = 0; i < WARMUP + RUNS; i++) {
    const t0 = process.hrtime.bigint();
    [result] = triage.triageFiles([file]);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (i >= WARMUP) times.push(ms);
  }
  times.sort((a, b) => a - b);
  const median = quantile(times, 0.5);
  const p95 = quantile(times, 0.95);
  const size = fs.statSync(file).size;
  const culprit = result.causedBy
    ? `${result.causedBy.module}+${result.causedBy.offset}`
    : (result.error ?? "no culprit");
  console.log(
    `${label}: ${(size / 1024).toFixed(0)} KiB, ${result.drivers ?? 0} drivers, ${culprit}; ` +
      `${RUNS} runs: median ${median.toFixed(3)} ms, p95 ${p95.toFixed(3)} ms` +
      `; ratio to the ${TARGET_MS} ms target: median ${(median / TARGET_MS).toFixed(3)}, p95 ${(p95 / TARGET_MS).toFixed(3)}`,
  );
}
