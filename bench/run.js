#!/usr/bin/env node
"use strict";
// Runs every bench/*.bench.js in sequence (one node process each) and prints what they print.
// Benchmarks use the compiled output in dist/: run `npm run build` first.
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const benches = fs
  .readdirSync(__dirname)
  .filter((f) => f.endsWith(".bench.js"))
  .sort();
let failed = 0;
for (const file of benches) {
  process.stdout.write(`\n== ${file}\n`);
  const r = spawnSync(process.execPath, [path.join(__dirname, file)], { stdio: "inherit" });
  if (r.status !== 0) {
    failed++;
    process.stdout.write(`!! ${file} exited with ${r.status ?? r.signal}\n`);
  }
}
process.stdout.write(
  `\n${benches.length} benchmark${benches.length === 1 ? "" : "s"}, ${failed} failed\n`,
);
process.exitCode = failed > 0 ? 1 : 0;
