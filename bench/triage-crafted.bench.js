#!/usr/bin/env node
"use strict";
// A crafted 5 MB dump against the real one: triage time (read, parse, find the culprit), median
// over N runs, against the target "at most twice the real dump's time plus 0.3 s" as a ratio.
// The crafted dump has thousands of drivers and a ~4.5 MB captured "stack" full of kernel
// addresses and no culprit (the worst case for the stack scan and the address lookups). It is
// written with the test builder (tests/builders/dumpScenarios.ts, compiled here with swc).
// Uses dist/ (`npm run build` first). N = BENCH_RUNS (default 15).
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const Module = require("node:module");

const RUNS = Number(process.env.BENCH_RUNS) || 15;
const TARGET_FACTOR = 2;
const TARGET_EXTRA_MS = 300;
const root = path.resolve(__dirname, "..");

let triage;
try {
  triage = require("../dist/src/triage/index.js");
} catch {
  process.stderr.write("triage-crafted.bench: dist/ is missing; run `npm run build` first\n");
  process.exit(2);
}

// The builders are TypeScript: compile them on require.
const swc = require("@swc/core");
Module._extensions[".ts"] = (m, filename) => {
  const { code } = swc.transformSync(fs.readFileSync(filename, "utf8"), {
    filename,
    jsc: { target: "es2022", parser: { syntax: "typescript" } },
    module: { type: "commonjs" },
  });
  m._compile(code, filename);
};
const { DRIVERS, KERNEL_BASE, STACK_TOP, scenario } = require("../tests/builders/dumpScenarios.ts");

function craftedDump() {
  const drivers = [...Object.values(DRIVERS)];
  for (let i = 0; i < 3000; i++)
    drivers.push({
      name: `drv${i}.sys`,
      base: 0xfffff80500000000n + BigInt(i) * 0x100000n,
      size: 0x8000,
    });
  const stack = new Uint8Array(4.5 * 1024 * 1024);
  const view = new DataView(stack.buffer);
  for (let o = 0; o < stack.length; o += 8)
    view.setBigUint64(o, KERNEL_BASE + BigInt(o % 0x1000), true);
  return scenario({
    bugCheck: 0x1000007e,
    parameters: [0xc0000005n, KERNEL_BASE + 0x1234n, 0n, 0n],
    drivers,
    stack: { top: STACK_TOP, bytes: stack },
  });
}

function median(file) {
  const times = [];
  let result;
  for (let i = 0; i < 3 + RUNS; i++) {
    const t0 = process.hrtime.bigint();
    [result] = triage.triageFiles([file]);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (i >= 3) times.push(ms);
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)], result };
}

const shared = path.resolve(root, "..", "shared", "fixtures", "triage_x64.dmp");
const real = fs.existsSync(shared) ? shared : path.join(root, "examples", "112926-9218-01.dmp");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vm-rescue-bench-"));
const crafted = path.join(dir, "crafted.dmp");
fs.writeFileSync(crafted, craftedDump());
try {
  const r = median(real);
  const c = median(crafted);
  const target = TARGET_FACTOR * r.ms + TARGET_EXTRA_MS;
  const mb = (f) => (fs.statSync(f).size / 1024 / 1024).toFixed(2);
  console.log(`real    ${path.basename(real)} (${mb(real)} MB): median ${r.ms.toFixed(3)} ms`);
  console.log(
    `crafted (${mb(crafted)} MB, ${c.result.drivers ?? 0} drivers, ${c.result.causedBy ? "culprit found" : "no culprit"}): ` +
      `median ${c.ms.toFixed(3)} ms → ratio ${(c.ms / target).toFixed(3)} of the target ` +
      `${TARGET_FACTOR} × real + ${TARGET_EXTRA_MS} ms = ${target.toFixed(1)} ms`,
  );
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
