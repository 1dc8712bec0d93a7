/**
 * The Azure rescue from raw evidence: the triage plans from the files collect shipped (a real
 * SYSTEM hive and BCD store from the shared fixtures), and the check after the repair reads the
 * hives the repair shipped back — written here by hivex, an independent writer — and keeps the
 * swap from happening when they differ from the plan.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { shippedFileUrl } from "../../collect/layout";
import { decodeBcd } from "../../evidence/bcd";
import { describeIf, fixture, missing } from "../../evidence/facts/testing/evidence";
import { openHive } from "../../evidence/hive";
import { compileRepairPlan, type Operation } from "../../repair/operations";
import { COLLECT_1X_GATE_REASON } from "../../repair/decide";
import { applyWithHivex } from "../../repair/operations/testing/hivex";
import { collectTriageKind, type CollectTriageOutputs } from "./decision";
import { NOT_CHECKED_1X, repairCheckKind, type RepairCheckInputs } from "./repairCheck";
import { OsDiskSwapKind } from "./swap";
import { loadSimulatedCompute } from "./simulatedFile";
import { testContext } from "./testing/runtime";
import { seedFile, swapInputs } from "./testing/world";
import { COLLECT_OUTPUT, CONTAINER, Container, REPAIR_OUTPUT } from "./testing/shipped";

const SYSTEM = fixture("hives", "SYSTEM_WIN7_X86");
const BCD = fixture("hives", "BCD");

describeIf(missing([SYSTEM, BCD], ["hivexregedit"]), "the Azure rescue from raw evidence", () => {
  const system = () => fs.readFileSync(SYSTEM);
  const bcd = () => fs.readFileSync(BCD);
  // The operator names the culprit (the real hive has no dump to triage) and lets the swap through
  // the guest-driver finding of this Windows 7 hive (storvsc not boot-start): only the check closes it.
  const choice = {
    driver: "Spooler",
    actions: ["DisableDriver"],
    swap: true,
    allowIncompatibleDrivers: true,
  };

  function shipped(): Container {
    const c = new Container();
    c.collect([
      ["SYSTEM", "Windows\\System32\\config\\SYSTEM", system()],
      ["BCD", "S:\\EFI\\Microsoft\\Boot\\BCD", bcd()],
    ]);
    return c;
  }

  async function triage(c: Container, filesBase: string | null = CONTAINER) {
    const { outs } = await collectTriageKind(c.runtime()).create(testContext(), {
      collectOutputUrl: COLLECT_OUTPUT,
      collectRunCommandId: "collect-rc",
      rescueId: "inc-4711",
      filesBase: filesBase ?? undefined,
      ...choice,
    });
    return outs;
  }

  /** What the repair of the triage's plan ships back: the operations merged by hivex (after `tamper`). */
  function repair(
    c: Container,
    t: CollectTriageOutputs,
    tamper: (ops: Operation[]) => void = () => undefined,
    keep: { SYSTEM?: boolean; BCD?: boolean } = { SYSTEM: true, BCD: true },
  ) {
    const compiled = compileRepairPlan(t.repairPlan, {
      system: openHive(system(), { label: "SYSTEM" }),
      bcd: decodeBcd(openHive(bcd(), { label: "BCD" }), { file: "BCD" }),
    });
    tamper(compiled.operations);
    c.repair(t.repairPlan, {
      SYSTEM: keep.SYSTEM ? applyWithHivex(system(), compiled.operations, "SYSTEM") : undefined,
      BCD: keep.BCD ? applyWithHivex(bcd(), compiled.operations, "BCD") : undefined,
    });
  }

  const check = (c: Container, t: CollectTriageOutputs, over: Partial<RepairCheckInputs> = {}) =>
    repairCheckKind(c.runtime()).create(testContext(), {
      collectOutputUrl: COLLECT_OUTPUT,
      filesBase: CONTAINER,
      repairResultUrl: REPAIR_OUTPUT,
      repairRunCommandId: "repair-rc",
      repairPlan: t.repairPlan,
      triageGate: t.gate,
      rawEvidence: t.rawEvidence,
      rescueId: "inc-4711",
      ...over,
    });

  it("the triage plans from the shipped files, read by the TypeScript readers", async () => {
    const c = shipped();
    const t = await triage(c);
    expect(t.rawEvidence).toBe(true);
    expect(t.evidenceProblems).toEqual(expect.any(Array));
    // the shipped BCD has EMS off: the serial console is switched on with the repair
    expect(t.repairPlan.actions).toEqual([
      expect.objectContaining({ action: "DisableDriver", args: { service: "Spooler" } }),
      expect.objectContaining({ action: "EnableEms", args: {} }),
    ]);
    expect(t.repairParams).toMatchObject({
      Actions: ["DisableDriver", "EnableEms"],
      DriverService: "Spooler",
    });
    expect(t.gate).toEqual({ allowed: true, reasons: [] });
    expect(t.findings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ component: "hyperv.storvsc", severity: "block" }),
      ]),
    );
    expect(c.reads).toEqual(
      expect.arrayContaining([
        shippedFileUrl(CONTAINER, "collect", "SYSTEM"),
        shippedFileUrl(CONTAINER, "collect", "BCD"),
      ]),
    );
  });

  it("a manifest without the files' location is refused in one line", async () => {
    await expect(triage(shipped(), null)).rejects.toThrow(
      /^the collect output is a manifest of shipped files, but the step was given no filesBase/,
    );
  });

  it("a shipped file whose bytes do not match the manifest is not read", async () => {
    const c = shipped();
    const url = shippedFileUrl(CONTAINER, "collect", "BCD");
    const b = Buffer.from(c.blobs.get(url) as Buffer);
    b[100] ^= 0xff;
    c.blobs.set(url, b);
    const t = await triage(c);
    expect(t.evidenceProblems).toEqual(
      expect.arrayContaining([expect.stringMatching(/^evidence: BCD: SHA-256 [0-9a-f]+ differs/)]),
    );
  });

  it("passes when the returned hives hold what the plan writes; the gate stays the triage's", async () => {
    const c = shipped();
    const t = await triage(c);
    repair(c, t);
    const { id, outs } = await check(c, t);
    expect(id).toBe("repair-rc");
    expect(outs).toMatchObject({ ok: true, checkedRaw: true, differences: [], gate: t.gate });
    expect(outs.checked).toBeGreaterThan(0);
    expect(outs.reason).toBeUndefined();
  });

  it("a flipped value in the returned hive closes the gate, names the difference, and nothing is swapped", async () => {
    const c = shipped();
    const t = await triage(c);
    repair(c, t, (ops) => {
      for (const o of ops)
        if (o.op === "setValue" && o.name === "Start") o.value = { type: "REG_DWORD", data: 3 };
    });
    const { outs } = await check(c, t);
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
    expect(outs.gate.reasons).toEqual([
      expect.stringContaining(
        "SYSTEM\\ControlSet001\\services\\Spooler\\Start: differs, expected REG_DWORD 4, found REG_DWORD 3",
      ),
    ]);

    // The swap with the check's gate leaves the VM on its disk.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vm-rescue-check-"));
    try {
      const file = path.join(dir, "cloud.json");
      seedFile(file);
      const swap = await OsDiskSwapKind.create(testContext({ simulatedCloud: file }), {
        ...swapInputs(),
        gate: outs.gate,
      });
      expect(swap.outs.swapped).toBe(false);
      expect(swap.outs.reasons.join("\n")).toContain("Spooler\\Start: differs");
      expect(
        loadSimulatedCompute(file)
          .writes()
          .filter((w) => /^(deallocate|setOsDisk|start) /.test(w)),
      ).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a hive the repair did not return closes the gate", async () => {
    const c = shipped();
    const t = await triage(c);
    repair(c, t, undefined, { SYSTEM: true });
    const { outs } = await check(c, t);
    expect(outs).toMatchObject({ ok: false, checkedRaw: true, gate: { allowed: false } });
    expect(outs.differences).toEqual([
      {
        where: "BCD",
        kind: "missing",
        expected: "the repaired BCD store",
        found: "not returned by the repair",
      },
    ]);
  });

  it("a returned hive whose bytes differ from what the repair reported is not read", async () => {
    const c = shipped();
    const t = await triage(c);
    repair(c, t);
    const url = shippedFileUrl(CONTAINER, "repaired", "SYSTEM");
    const b = Buffer.from(c.blobs.get(url) as Buffer);
    b[4096 + 200] ^= 0xff;
    c.blobs.set(url, b);
    const { outs } = await check(c, t);
    expect(outs.gate.allowed).toBe(false);
    expect(outs.differences[0]).toMatchObject({ where: "SYSTEM", kind: "differs" });
  });

  it("no repair result closes the gate", async () => {
    const c = shipped();
    const t = await triage(c);
    const { outs } = await check(c, t);
    expect(outs.gate.allowed).toBe(false);
    expect(outs.differences.map((d) => `${d.where} ${d.kind}`)).toEqual([
      "repair result missing",
      "SYSTEM missing",
      "BCD missing",
    ]);
  });
});

test("a collect.ps1 1.x document is not checked: checkedRaw false with the reason, the gate closed", async () => {
  const c = new Container();
  const gate = { allowed: true, reasons: [] };
  const { outs } = await repairCheckKind(c.runtime()).create(testContext(), {
    collectOutputUrl: COLLECT_OUTPUT,
    filesBase: CONTAINER,
    repairResultUrl: REPAIR_OUTPUT,
    repairRunCommandId: "repair-rc",
    repairPlan: { schemaVersion: 1, kind: "repairPlan", dryRun: true, actions: [] },
    triageGate: gate,
    rawEvidence: false,
    rescueId: "inc-4711",
  });
  expect(outs).toMatchObject({
    ok: true,
    checked: 0,
    differences: [],
    checkedRaw: false,
    gate: { allowed: false, reasons: [COLLECT_1X_GATE_REASON] },
  });
  expect(outs.reason).toBe(NOT_CHECKED_1X);
  expect(c.reads).toEqual([]);
});
