#!/usr/bin/env node
"use strict";
// Bad input is refused quickly: wall time of `vm-rescue` refusing each kind of bad input in one
// line (median over N runs), against the 2 s the issue allows, as a ratio. Uses dist/
// (`npm run build` first). N = BENCH_RUNS (default 5). Nothing here is asserted.
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const TARGET_S = 2;
const RUNS = Number(process.env.BENCH_RUNS) || 5;
const root = path.resolve(__dirname, "..");
const cli = path.join(root, "bin", "vm-rescue.js");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "vm-rescue-refusal-"));
const file = (name, content) => {
  const f = path.join(tmp, name);
  fs.writeFileSync(f, content);
  return f;
};

// A 200 MB array, written in chunks (refused at the 8 MiB cap without being read whole).
const big = path.join(tmp, "big.json");
const fd = fs.openSync(big, "w");
const chunk = Buffer.from("0,".repeat(512 * 1024));
fs.writeSync(fd, "[");
for (let i = 0; i < 200; i++) fs.writeSync(fd, chunk);
fs.writeSync(fd, "0]");
fs.closeSync(fd);

const vm = path.join(root, "examples", "azure-vm.json");
const cases = [
  ["plan: a missing file", ["plan", "--azure-vm", path.join(tmp, "none.json")]],
  ["plan: not JSON", ["plan", "--azure-vm", file("bad.json", '{"id": ')]],
  ["plan: the wrong shape", ["plan", "--azure-vm", file("shape.json", '{"hello": 1}')]],
  ["plan: UTF-32", ["plan", "--azure-vm", file("u32.json", Buffer.from([0xff, 0xfe, 0, 0]))]],
  [
    "plan: 5,000-deep array",
    ["plan", "--azure-vm", file("deep.json", "[".repeat(5000) + "]".repeat(5000))],
  ],
  ["plan: a 200 MB array", ["plan", "--azure-vm", big]],
  ["plan: /dev/zero", ["plan", "--azure-vm", "/dev/zero"]],
  [
    "plan --nic: the wrong shape",
    ["plan", "--azure-vm", vm, "--nic", path.join(tmp, "shape.json")],
  ],
  ["plan-repair: not JSON", ["plan-repair", path.join(tmp, "bad.json")]],
  [
    "rescue --simulate: a missing file",
    ["rescue", "--simulate", "--yes", "--azure-vm", path.join(tmp, "none.json")],
  ],
  // The commands that run the engine read and check their files before loading it.
  ...[
    ["fleet", (f) => ["fleet", f]],
    ["rescue --simulate", (f) => ["rescue", "--simulate", "--yes", "--azure-vm", f]],
  ].flatMap(([command, args]) => [
    [`${command}: the wrong shape`, args(path.join(tmp, "shape.json"))],
    [`${command}: 5,000-deep array`, args(path.join(tmp, "deep.json"))],
    [`${command}: a 200 MB array`, args(big)],
    [`${command}: /dev/zero`, args("/dev/zero")],
  ]),
  ["an unknown option", ["plan", "--nope"]],
];

function once(args) {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [cli, ...args], {
    encoding: "utf8",
    env: { ...process.env, CI: "1" },
  });
  const s = Number(process.hrtime.bigint() - start) / 1e9;
  return { s, code: r.status, lines: r.stderr.trimEnd().split("\n").length };
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

try {
  for (const [name, args] of cases) {
    const runs = Array.from({ length: RUNS }, () => once(args));
    const s = median(runs.map((r) => r.s));
    const last = runs[runs.length - 1];
    console.log(
      `${name.padEnd(42)} ${s.toFixed(2)} s → ratio ${(s / TARGET_S).toFixed(2)} of ${TARGET_S} s` +
        ` (exit ${last.code}, ${last.lines} line${last.lines === 1 ? "" : "s"})`,
    );
  }
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
