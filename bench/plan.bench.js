#!/usr/bin/env node
"use strict";
// Wall time and peak memory (RSS) of `vm-rescue plan` for the sample VM in a child process, and of
// the program's evaluation under mocks alone, against the targets (≤ 1.5 s evaluation, ≤ 300 MB
// peak) as ratios (≤ 1 meets the target). Needs `npm run build`.
const path = require("node:path");
const { spawnSync } = require("node:child_process");
const root = path.resolve(__dirname, "..");
const TARGET_EVAL_S = 1.5;
const TARGET_RSS_MB = 300;
const args = [
  "plan",
  "--azure-vm",
  "examples/azure-vm.json",
  "--nic",
  "examples/azure-nic.json",
  "--json",
];

// The child reports its own peak RSS (process.resourceUsage().maxRSS, KiB) on exit.
const probe = `process.on("exit",()=>process.stderr.write("\\nBENCH_MAXRSS_KB="+process.resourceUsage().maxRSS+"\\n"));`;

function runCli() {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(
    process.execPath,
    [
      "-e",
      `${probe}process.argv.splice(1,0,"x");require("./dist/src/cli/main.js").main(process.argv.slice(2)).then(c=>{process.exitCode=c})`,
      ...args,
    ],
    { cwd: root, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
  );
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const kb = Number(/BENCH_MAXRSS_KB=(\d+)/.exec(r.stderr ?? "")?.[1] ?? NaN);
  if (r.status !== 0)
    throw new Error(`vm-rescue plan exited ${r.status}: ${(r.stderr || "").split("\n")[0]}`);
  return { seconds, rssMb: kb / 1024 };
}

function evalOnly() {
  const code = `${probe}
const {planAzureOffline}=require("./dist/src/engine/simulate/plan.js");
const vm=require("./examples/azure-vm.json"), nic=require("./examples/azure-nic.json");
const t0=process.hrtime.bigint();
planAzureOffline({vm,nic}).then(()=>process.stdout.write(String(Number(process.hrtime.bigint()-t0)/1e9)));`;
  const r = spawnSync(process.execPath, ["-e", code], { cwd: root, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`evaluation failed: ${(r.stderr || "").split("\n")[0]}`);
  return {
    seconds: Number(r.stdout.trim()),
    rssMb: Number(/BENCH_MAXRSS_KB=(\d+)/.exec(r.stderr)?.[1] ?? NaN) / 1024,
  };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

try {
  const runs = Number(process.env.BENCH_RUNS || 3);
  const cli = Array.from({ length: runs }, runCli);
  const ev = Array.from({ length: runs }, evalOnly);
  const f = (x) => x.toFixed(2);
  const cliS = median(cli.map((c) => c.seconds));
  const cliMb = Math.max(...cli.map((c) => c.rssMb));
  const evS = median(ev.map((c) => c.seconds));
  const evMb = Math.max(...ev.map((c) => c.rssMb));
  console.log(`plan (azure, sample VM; median of ${runs})`);
  console.log(
    `  vm-rescue plan (child process): ${f(cliS)} s wall, peak RSS ${f(cliMb)} MB → RSS ratio ${f(cliMb / TARGET_RSS_MB)} of ${TARGET_RSS_MB} MB`,
  );
  console.log(
    `  program evaluation alone:       ${f(evS)} s → ratio ${f(evS / TARGET_EVAL_S)} of ${TARGET_EVAL_S} s; peak RSS ${f(evMb)} MB → ratio ${f(evMb / TARGET_RSS_MB)}`,
  );
} catch (e) {
  console.error(`plan bench: ${e.message}`);
  process.exitCode = 1;
}
