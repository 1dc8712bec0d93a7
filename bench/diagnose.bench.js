#!/usr/bin/env node
"use strict";
// `vm-rescue diagnose --azure-snapshot-url` on a Gen2 Windows test disk (VHDX) served over loopback
// HTTP with a latency per request (BENCH_LATENCY_MS, default 20): bytes fetched, requests and wall
// time, against the goal of ≤ 64 MiB and ≤ 400 requests. The disk is built like the tests' disk,
// by independent tools only (mkntfs + ntfs-3g FUSE, mtools, sgdisk, qemu-img) around the real
// SYSTEM hive, BCD, minidump and System.evtx; skipped with one line when a tool, FUSE or a fixture
// is missing. Uses dist/ (`npm run build` first). Runs BENCH_RUNS times (default 3).
const { execFileSync } = require("node:child_process");
const fs = require("node:fs");
const http = require("node:http");
const os = require("node:os");
const path = require("node:path");

const GOAL_BYTES = 64 * 1024 * 1024;
const GOAL_REQUESTS = 400;
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 20);
const RUNS = Number(process.env.BENCH_RUNS) || 3;
const MiB = 1024 * 1024;

let cli;
try {
  cli = require("../dist/src/cli/main.js");
} catch {
  process.stderr.write(
    "diagnose.bench: dist/src/cli/main.js is missing; run `npm run build` first\n",
  );
  process.exit(2);
}

const FIXTURES = path.resolve(__dirname, "../..", "shared/fixtures");
const inputs = {
  hive: path.join(FIXTURES, "hives", "SYSTEM_WIN_10_1709"),
  bcd: path.join(FIXTURES, "hives", "BCD"),
  dump: path.join(FIXTURES, "triage_x64.dmp"),
  evtx: path.join(FIXTURES, "evtx", "system.evtx"),
};
const TOOLS = [
  "mkntfs",
  "ntfs-3g",
  "umount",
  "sgdisk",
  "mformat",
  "mmd",
  "mcopy",
  "qemu-img",
  "dd",
];
const env = { ...process.env, LANG: "C.UTF-8", LC_ALL: "C.UTF-8", MTOOLS_SKIP_CHECK: "1" };
const run = (cmd, args) => execFileSync(cmd, args, { env, stdio: ["ignore", "pipe", "pipe"] });

function skipReason() {
  for (const tool of TOOLS) {
    try {
      execFileSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" });
    } catch {
      return `${tool} is not installed`;
    }
  }
  const absent = Object.values(inputs).find((f) => !fs.existsSync(f));
  return absent ? `fixture ${absent} is absent` : undefined;
}

function sparseFile(file, bytes) {
  fs.writeFileSync(file, "");
  fs.truncateSync(file, bytes);
  return file;
}

/** ESP 40 MiB at 1 MiB, Windows NTFS 64 MiB after it, GPT; returns the VHDX, or a skip reason. */
function buildDisk(dir) {
  const ntfs = sparseFile(path.join(dir, "windows.ntfs"), 64 * MiB);
  run("mkntfs", ["-F", "-Q", "-s", "512", "-c", "4096", "-L", "Windows", ntfs]);
  const mnt = fs.mkdtempSync(path.join(dir, "mnt-"));
  try {
    run("ntfs-3g", [ntfs, mnt]);
  } catch {
    return "ntfs-3g cannot mount here (FUSE unavailable)";
  }
  try {
    const at = (...p) => path.join(mnt, "Windows", ...p);
    for (const d of [["System32", "config"], ["System32", "winevt", "Logs"], ["Minidump"]]) {
      fs.mkdirSync(at(...d), { recursive: true });
    }
    fs.copyFileSync(inputs.hive, at("System32", "config", "SYSTEM"));
    fs.copyFileSync(inputs.evtx, at("System32", "winevt", "Logs", "System.evtx"));
    fs.copyFileSync(inputs.dump, at("Minidump", "120626-15484-01.dmp"));
  } finally {
    run("umount", [mnt]);
  }
  const esp = sparseFile(path.join(dir, "esp.fat"), 40 * MiB);
  run("mformat", ["-i", esp, "-F", "-c", "1", "-v", "SYSTEM", "::"]);
  run("mmd", ["-i", esp, "::/EFI", "::/EFI/Microsoft", "::/EFI/Microsoft/Boot"]);
  run("mcopy", ["-i", esp, inputs.bcd, "::/EFI/Microsoft/Boot/BCD"]);
  const dataStart = 2048 + 40 * 2048;
  const raw = sparseFile(path.join(dir, "disk.raw"), (dataStart + 64 * 2048 + 34) * 512);
  run("sgdisk", ["-o", "-n", "1:2048:+40M", "-t", "1:EF00", "-n", "2:0:0", "-t", "2:0700", raw]);
  for (const [part, lba] of [
    [esp, 2048],
    [ntfs, dataStart],
  ]) {
    run("dd", [
      `if=${part}`,
      `of=${raw}`,
      "bs=512",
      `seek=${lba}`,
      "conv=notrunc,sparse",
      "status=none",
    ]);
  }
  const vhdx = path.join(dir, "disk.vhdx");
  run("qemu-img", ["convert", "-f", "raw", "-O", "vhdx", "-o", "subformat=dynamic", raw, vhdx]);
  return vhdx;
}

/** Serves `data` to single-range GETs, each answered after `latency` ms; counts what it sends. */
function serve(data, latency) {
  const served = { requests: 0, bytes: 0 };
  const server = http.createServer((req, res) => {
    const m = /^bytes=(\d+)-(\d+)$/.exec(String(req.headers.range ?? ""));
    served.requests++;
    setTimeout(() => {
      if (!m || +m[1] >= data.length) {
        res.writeHead(416, { "content-range": `bytes */${data.length}` });
        res.end();
        return;
      }
      const start = +m[1];
      const end = Math.min(+m[2], data.length - 1);
      served.bytes += end - start + 1;
      res.writeHead(206, {
        "content-range": `bytes ${start}-${end}/${data.length}`,
        "content-length": `${end - start + 1}`,
      });
      res.end(data.subarray(start, end + 1));
    }, latency);
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve({ server, served, port: server.address().port })),
  );
}

async function main() {
  const skip = skipReason();
  if (skip) {
    console.log(`diagnose over HTTP: skipped, ${skip}`);
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "diagnose-bench-"));
  try {
    const vhdx = buildDisk(dir);
    if (!vhdx.endsWith(".vhdx")) {
      console.log(`diagnose over HTTP: skipped, ${vhdx}`);
      return;
    }
    const data = fs.readFileSync(vhdx);
    const { server, served, port } = await serve(data, LATENCY_MS);
    const url = `http://127.0.0.1:${port}/disk.vhdx?sv=2024-08-04&sig=bench`;
    const walls = [];
    let doc;
    try {
      for (let i = 0; i < RUNS; i++) {
        const before = { ...served };
        const out = [];
        const io = { isTty: false, out: (t) => out.push(t), err: (t) => process.stderr.write(t) };
        const t0 = process.hrtime.bigint();
        const code = await cli.main(["diagnose", "--azure-snapshot-url", url, "--json"], io);
        walls.push(Number(process.hrtime.bigint() - t0) / 1e6);
        if (code !== 0) throw new Error(`diagnose exited ${code}`);
        doc = JSON.parse(out.join(""));
        if (doc.stats.requests !== served.requests - before.requests) {
          throw new Error(
            `client counted ${doc.stats.requests} requests, server ${served.requests - before.requests}`,
          );
        }
      }
    } finally {
      server.closeAllConnections();
      server.close();
    }
    walls.sort((a, b) => a - b);
    const wall = walls[Math.floor(walls.length / 2)];
    const { requests, bytes } = doc.stats;
    const culprit = doc.triage[0]?.causedBy?.module ?? "no culprit";
    console.log(
      `diagnose over HTTP (${(data.length / MiB).toFixed(1)} MiB VHDX, ${LATENCY_MS} ms per request): ` +
        `${doc.controlSet?.name}, ${doc.bcd?.defaultLoaderPath}, ${culprit}; ` +
        `${(bytes / MiB).toFixed(1)} MiB in ${requests} requests; ` +
        `wall ${wall.toFixed(0)} ms (median of ${RUNS}; latency alone ${requests * LATENCY_MS} ms sequential); ` +
        `ratio to the goal: bytes ${(bytes / GOAL_BYTES).toFixed(3)} (≤ 64 MiB), ` +
        `requests ${(requests / GOAL_REQUESTS).toFixed(3)} (≤ ${GOAL_REQUESTS})`,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`diagnose.bench: ${e.message}\n`);
  process.exit(1);
});
