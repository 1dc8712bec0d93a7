/**
 * `vm-rescue plan-repair <evidence>` through the built CLI (dist/: `npm run build` first): an
 * evidence folder, or a collect manifest with the files it shipped next to it, brings the SYSTEM
 * hive the plan compiles against — no --system-hive needed.
 */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { EXAMPLES, REPO_ROOT } from "./helpers/paths";
import {
  SAMPLE_TARGET,
  SYSTEM_SOURCE,
  sampleManifest,
  shippedFile,
} from "../src/evidence/facts/testing/evidence";
import type { CompiledRepair } from "../src/repair/operations";

const BIN = path.join(REPO_ROOT, "bin", "vm-rescue.js");
const built = fs.existsSync(path.join(REPO_ROOT, "dist", "src", "cli", "main.js"));
const xz = spawnSync("xz", ["--version"]).status === 0;
const maybe = built && xz ? describe : describe.skip;

maybe("vm-rescue plan-repair from an evidence folder or a collect manifest", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "plan-repair-evidence-"));
  const system = xz
    ? execFileSync("xz", ["-dc", path.join(EXAMPLES, "evidence", "SYSTEM.xz")], {
        maxBuffer: 64 * 1024 * 1024,
      })
    : Buffer.alloc(0);
  const software = fs.readFileSync(path.join(EXAMPLES, "evidence", "SOFTWARE"));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const plan = (evidence: string, extra: string[] = []) => {
    const r = spawnSync(
      process.execPath,
      [
        BIN,
        "plan-repair",
        evidence,
        "--cloud",
        "hyperv",
        "--actions",
        "Chkdsk,DisableDriver,DismRestoreHealth,SfcOffline",
        "--driver",
        "cxnetmon",
        "--repair-source",
        "wim:D:\\sources\\install.wim:1",
        "--json",
        ...extra,
      ],
      { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
    );
    return { code: r.status, err: r.stderr, doc: r.stdout ? JSON.parse(r.stdout) : null };
  };
  const expectOrdered = (ops: CompiledRepair["operations"]) => {
    expect(ops.map((o) => `${o.phase} ${o.op}`)).toEqual([
      "volume chkdsk",
      "image dismRestoreHealth",
      "image sfcScan",
      "registry setValue",
    ]);
    expect(ops[3]).toMatchObject({
      target: "SYSTEM\\ControlSet001\\Services\\cxnetmon\\Start",
      expected: { type: "REG_DWORD", data: 1 },
      value: { type: "REG_DWORD", data: 4 },
    });
  };

  const diskTree = (name: string, withSoftware: boolean) => {
    const folder = path.join(tmp, name);
    const config = path.join(folder, "Windows", "System32", "config");
    fs.mkdirSync(config, { recursive: true });
    fs.writeFileSync(path.join(config, "SYSTEM"), system);
    if (withSoftware) fs.writeFileSync(path.join(config, "SOFTWARE"), software);
    return folder;
  };

  it("a folder without SOFTWARE: the image's build is unknown, so DISM and SFC are not planned", () => {
    const r = plan(diskTree("no-software", false), ["--helper-build", "100"]);
    expect(r.code).toBe(2);
    expect(r.doc).toBeNull();
    expect(r.err.trim().split("\n")).toEqual([expect.stringMatching(/^vm-rescue: .*build/i)]);
  });

  it("an evidence folder (the disk's tree)", () => {
    const folder = diskTree("disk", true);
    const r = plan(folder);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expectOrdered((r.doc as { operations: CompiledRepair }).operations.operations);
    expect(r.doc.command).toMatch(/-Operations '/);
  });

  it("a collect manifest with the shipped files next to it", () => {
    const folder = path.join(tmp, "collect");
    fs.mkdirSync(folder);
    fs.writeFileSync(path.join(folder, "SYSTEM"), system);
    fs.writeFileSync(path.join(folder, "SOFTWARE"), software);
    const manifest = sampleManifest(
      [
        shippedFile("SYSTEM", SYSTEM_SOURCE, system),
        shippedFile("SOFTWARE", "Windows\\System32\\config\\SOFTWARE", software),
      ],
      {
        scriptVersion: "2.2.0",
        target: { ...SAMPLE_TARGET, bcdStore: null },
        helper: { osBuild: 26100, osVersion: "10.0.26100.0", dismVersion: null },
      },
    );
    const file = path.join(folder, "collect-manifest.json");
    fs.writeFileSync(file, JSON.stringify(manifest));
    const r = plan(file);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expectOrdered((r.doc as { operations: CompiledRepair }).operations.operations);
  });
});
