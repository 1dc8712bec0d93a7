/**
 * The AWS rescue from raw evidence, against the simulated EC2/SSM/S3: collect ships a real SYSTEM
 * hive and BCD store (the shared fixtures) through presigned PUT URLs the step makes, the decision
 * is taken from what the TypeScript readers find in them, the repair ships the hives back — written
 * here by hivex, an independent writer — and the check keeps the swap from happening when they
 * differ from the plan.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createHash } from "node:crypto";
import { CONTRACT_VERSION, type RepairResult } from "../../collect/contract";
import type { CollectManifest } from "../../collect/manifest";
import { COLLECT_MAX_MINIDUMPS, REPAIRED_NAMES, uploadNames } from "../../collect/manifest";
import { decodeBcd } from "../../evidence/bcd";
import { describeIf, fixture, missing, shippedFile } from "../../evidence/facts/testing/evidence";
import { openHive } from "../../evidence/hive";
import { assertCompiledRepair, compileRepairPlan, type Operation } from "../../repair/operations";
import { applyWithHivex } from "../../repair/operations/testing/hivex";
import { parseEvidence, repairFromCollect, type AwsRepairDecision } from "./decision";
import { repairCheckKind } from "./repairCheck";
import { ssmCommandKind, type SsmCommandOutputs } from "./scripts";
import { rootVolumeDetachKind } from "./swap";
import { readState, writeState, type Ec2State } from "./simulated";
import { BROKEN, HELPER, ORIG, SNAP, rescueWorld, simContext } from "./testing/world";

const SYSTEM = fixture("hives", "SYSTEM_WIN7_X86");
const BCD = fixture("hives", "BCD");
const BUCKET = "vm-rescue-artifacts";
const FILES = `s3://${BUCKET}/rescue/inc-1/`;
const COLLECT_DOC = "vm-rescue-inc-1-collect";
const REPAIR_DOC = "vm-rescue-inc-1-repair";
const region = "eu-west-1";
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const b64 = (b: Buffer) => b.toString("base64");

describeIf(missing([SYSTEM, BCD], ["hivexregedit"]), "the AWS rescue from raw evidence", () => {
  const system = () => fs.readFileSync(SYSTEM);
  const bcd = () => fs.readFileSync(BCD);
  const choice = {
    driver: "Spooler",
    actions: ["DisableDriver"],
    swap: true,
    allowIncompatibleDrivers: true,
  };
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "vm-rescue-aws-raw-"));
    file = path.join(dir, "cloud.json");
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const edit = (f: (s: Ec2State) => void) => {
    const s = readState(file);
    f(s);
    writeState(file, s);
  };

  /** The helper's disk as collect.ps1 2.x finds it: the files it ships and the manifest it prints. */
  function seedCollect(): CollectManifest {
    const manifest: CollectManifest = {
      schemaVersion: 2,
      kind: "collect-manifest",
      collectedAtUtc: "2026-12-06T07:00:00Z",
      scriptVersion: "2.0.0",
      target: {
        diskNumber: 1,
        busType: "NVMe",
        partitionStyle: "MBR",
        signatureCollision: false,
        windowsVolume: "D:\\",
        bcdStore: "D:\\Boot\\BCD",
        generation: 1,
      },
      files: [
        shippedFile("SYSTEM", "Windows\\System32\\config\\SYSTEM", system()),
        shippedFile("BCD", "D:\\Boot\\BCD", bcd()),
      ],
      memoryDump: { exists: false, sizeBytes: null, lastWriteUtc: null },
      binaries: [],
      errors: [],
    };
    const s = rescueWorld();
    s.commandOutput[COLLECT_DOC] = `${JSON.stringify(manifest)}\r\nvm-rescue collect 2.0.0\r\n`;
    s.guestFiles = { [COLLECT_DOC]: { SYSTEM: b64(system()), BCD: b64(bcd()) } };
    writeState(file, s);
    return manifest;
  }

  const command = async (documentName: string, stage: "collect" | "repaired") =>
    (
      await ssmCommandKind.create(simContext(file), {
        region,
        instanceId: HELPER,
        documentName,
        parameters: { Mode: [stage] },
        bucketName: BUCKET,
        keyPrefix: "rescue/inc-1/",
        filesBase: FILES,
        uploadStage: stage,
        uploadNames: stage === "collect" ? uploadNames(COLLECT_MAX_MINIDUMPS) : [...REPAIRED_NAMES],
      })
    ).outs as SsmCommandOutputs;

  async function collectAndDecide(): Promise<[SsmCommandOutputs, AwsRepairDecision]> {
    seedCollect();
    const collect = await command(COLLECT_DOC, "collect");
    return [
      collect,
      repairFromCollect(collect.stdout, "m5.large", choice, parseEvidence(collect.evidence)),
    ];
  }

  /** repair.ps1's run of the plan: the hives merged by hivex (after `tamper`) shipped back. */
  async function repair(d: AwsRepairDecision, tamper: (ops: Operation[]) => void = () => {}) {
    const compiled = compileRepairPlan(d.repairPlan, {
      system: openHive(system(), { label: "SYSTEM" }),
      bcd: decodeBcd(openHive(bcd(), { label: "BCD" }), { file: "BCD" }),
    });
    tamper(compiled.operations);
    const back = {
      SYSTEM: applyWithHivex(system(), compiled.operations, "SYSTEM"),
      BCD: applyWithHivex(bcd(), compiled.operations, "BCD"),
    };
    const result: RepairResult = {
      schemaVersion: CONTRACT_VERSION,
      kind: "repairResult",
      dryRun: false,
      scriptVersion: "1.2.0",
      error: null,
      results: [],
      returned: (["SYSTEM", "BCD"] as const).map((name) => ({
        name,
        sizeBytes: back[name].length,
        sha256: sha(back[name]),
        uploaded: true,
        message: null,
      })),
    };
    edit((s) => {
      s.commandOutput[REPAIR_DOC] = JSON.stringify(result);
      s.guestFiles = {
        ...s.guestFiles,
        [REPAIR_DOC]: { SYSTEM: b64(back.SYSTEM), BCD: b64(back.BCD) },
      };
    });
    return command(REPAIR_DOC, "repaired");
  }

  const check = async (collect: SsmCommandOutputs, rep: SsmCommandOutputs, d: AwsRepairDecision) =>
    (
      await repairCheckKind.create(simContext(file), {
        region,
        collectOutputUrl: `s3://${BUCKET}/rescue/inc-1/${collect.commandId}/${HELPER}/`,
        filesBase: FILES,
        repairResultUrl: `s3://${BUCKET}/rescue/inc-1/${rep.commandId}/${HELPER}/`,
        repairCommandId: rep.commandId,
        repairPlan: d.repairPlan,
        triageGate: d.gate,
        rawEvidence: d.rawEvidence,
        rescueId: "inc-1",
      })
    ).outs;

  it("collect ships through presigned PUT URLs that never reach the step's state", async () => {
    const [collect] = await collectAndDecide();
    const s = readState(file);
    const sent = s.commands[collect.commandId].parameters;
    expect(sent.UploadKind).toEqual(["S3"]);
    const urls = JSON.parse(sent.UploadUrls[0]) as Record<string, string>;
    expect(Object.keys(urls).sort()).toEqual(uploadNames(COLLECT_MAX_MINIDUMPS).sort());
    expect(urls.SYSTEM).toMatch(
      /^https:\/\/vm-rescue-artifacts\.s3\.eu-west-1\.amazonaws\.com\/rescue\/inc-1\/collect\/SYSTEM\?.*X-Amz-Signature=/,
    );
    expect(s.objectBytes?.[`${BUCKET}/rescue/inc-1/collect/SYSTEM`]).toBe(b64(system()));
    // The state records the inputs and what came back: no URL, no signature.
    expect(JSON.stringify(collect)).not.toMatch(/X-Amz-Signature|amazonaws\.com/);
    expect(collect.parameters).toEqual({ Mode: ["collect"] });
    expect(s.calls.join("\n")).not.toMatch(/X-Amz-Signature/);
  });

  it("the decision is taken from the shipped files, read by the TypeScript readers", async () => {
    const [collect, d] = await collectAndDecide();
    expect(parseEvidence(collect.evidence)?.collect.scriptVersion).toMatch(
      /files read by vm-rescue/,
    );
    expect(d.rawEvidence).toBe(true);
    // EnableEms: the additive setting, as the shipped BCD store has EMS off
    expect(d.repairPlan.actions).toEqual([
      expect.objectContaining({ action: "DisableDriver", args: { service: "Spooler" } }),
      expect.objectContaining({ action: "EnableEms" }),
    ]);
    expect(d.repairParams).toMatchObject({
      Actions: ["DisableDriver", "EnableEms"],
      DriverService: "Spooler",
    });
  });

  it("a manifest whose files were not read is refused in one line", async () => {
    seedCollect();
    const stdout = readState(file).commandOutput[COLLECT_DOC];
    expect(() => repairFromCollect(stdout, "m5.large", choice)).toThrow(
      /^the collect output is a manifest of shipped files, but they were not read/,
    );
  });

  it("returned hives holding what the plan writes pass; the gate stays the decision's", async () => {
    const [collect, d] = await collectAndDecide();
    const rep = await repair(d);
    const outs = await check(collect, rep, d);
    expect(outs).toMatchObject({ ok: true, checkedRaw: true, differences: [], gate: d.gate });
    expect(outs.checked).toBeGreaterThan(0);
  });

  it("a flipped value in the returned hive closes the gate, names the difference, and nothing is stopped", async () => {
    const [collect, d] = await collectAndDecide();
    const rep = await repair(d, (ops) => {
      for (const o of ops)
        if (o.op === "setValue" && o.name === "Start") o.value = { type: "REG_DWORD", data: 3 };
    });
    const outs = await check(collect, rep, d);
    expect(outs.ok).toBe(false);
    expect(outs.differences).toEqual([
      {
        where: "SYSTEM\\ControlSet001\\services\\Spooler\\Start",
        kind: "differs",
        expected: "REG_DWORD 4",
        found: "REG_DWORD 3",
      },
    ]);
    expect(outs.gate.allowed).toBe(false);
    expect(outs.gate.reasons.join("\n")).toContain("Spooler\\Start: differs");

    // The stop/detach with the check's gate leaves the broken instance on its root.
    const before = readState(file).calls.length;
    const detach = await rootVolumeDetachKind.create(simContext(file), {
      region,
      instanceId: BROKEN,
      rootVolumeId: ORIG,
      snapshotId: SNAP,
      gate: outs.gate,
    });
    expect(detach.outs.detached).toBe(false);
    expect(readState(file).calls.slice(before)).toEqual([]);
  });

  it("the repair command carries the plan compiled from the shipped hives (Operations)", async () => {
    const [collect, d] = await collectAndDecide();
    // The program decides from facts only: nothing compiled before the repair step runs.
    expect(d.parameters).not.toHaveProperty("Operations");
    const rep = (
      await ssmCommandKind.create(simContext(file), {
        region,
        instanceId: HELPER,
        documentName: REPAIR_DOC,
        parameters: d.parameters,
        bucketName: BUCKET,
        keyPrefix: "rescue/inc-1/",
        filesBase: FILES,
        uploadStage: "repaired",
        uploadNames: [...REPAIRED_NAMES],
        repairPlan: d.repairPlan,
        collectOutput: collect.stdout,
      })
    ).outs as SsmCommandOutputs;
    const sent = readState(file).commands[rep.commandId].parameters;
    const ops = assertCompiledRepair(
      JSON.parse(Buffer.from(sent.Operations[0], "base64").toString("utf8")),
    );
    expect(ops).toEqual(
      compileRepairPlan(d.repairPlan, {
        system: openHive(system(), { label: "SYSTEM" }),
        bcd: decodeBcd(openHive(bcd(), { label: "BCD" }), { file: "D:\\Boot\\BCD" }),
      }),
    );
    expect(ops.operations.some((o) => o.op === "setValue" && o.name === "Start")).toBe(true);
    // The recorded inputs keep the parameters as decided (no identity change on a re-run).
    expect(rep.parameters).not.toHaveProperty("Operations");
  });

  it("a plan that cannot be compiled is refused before anything is sent", async () => {
    const [collect, d] = await collectAndDecide();
    const before = Object.keys(readState(file).commands).length;
    await expect(
      ssmCommandKind.create(simContext(file), {
        region,
        instanceId: HELPER,
        documentName: REPAIR_DOC,
        parameters: d.parameters,
        bucketName: BUCKET,
        keyPrefix: "rescue/inc-1/",
        filesBase: FILES,
        repairPlan: {
          ...d.repairPlan,
          actions: [{ action: "DismRestoreHealth", args: {}, reason: "test" }],
        } as typeof d.repairPlan,
        collectOutput: collect.stdout,
      }),
    ).rejects.toThrow(/the plan could not be compiled/);
    expect(Object.keys(readState(file).commands)).toHaveLength(before);
  });
});
