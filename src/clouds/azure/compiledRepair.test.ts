/**
 * The Azure triage compiles the plan against the SYSTEM hive and BCD store collect shipped, and the
 * repair Run Command carries exactly those operations (repair.ps1 2.0 runs nothing else). Without a
 * hive (a 1.x document, a hive not shipped) or with a plan the compiler refuses, nothing is
 * compiled and the swap gate closes with the reason.
 */
import * as fs from "node:fs";
import { decodeBcd } from "../../evidence/bcd";
import { describeIf, fixture, missing, STORY_COLLECT } from "../../evidence/facts/testing/evidence";
import { openHive } from "../../evidence/hive";
import { compileDecision, decideRescue } from "../../repair/decide";
import { assertCompiledRepair } from "../../repair/operations";
import { collectFromManifest } from "../../evidence/facts";
import { manifestOf } from "../../report/rawEvidence";
import { shippedFileUrl } from "../../collect/layout";
import {
  collectTriageKind,
  operationsOf,
  triageCollectOutput,
  type RepairChoice,
} from "./decision";
import { repairRunCommand } from "./scripts";
import { testContext } from "./testing/runtime";
import { COLLECT_OUTPUT, CONTAINER, Container } from "./testing/shipped";

const SYSTEM = fixture("hives", "SYSTEM_WIN7_X86");
const BCD = fixture("hives", "BCD");

const operationsParam = (params: { name: string; value: string }[]): unknown => {
  const p = params.find((x) => x.name === "Operations");
  return p === undefined ? undefined : JSON.parse(Buffer.from(p.value, "base64").toString("utf8"));
};

describeIf(missing([SYSTEM, BCD]), "the Azure triage compiles the repair", () => {
  const choice: RepairChoice = {
    driver: "Spooler",
    actions: ["DisableDriver"],
    allowIncompatibleDrivers: true,
  };
  const shipped = (files: ("SYSTEM" | "BCD")[] = ["SYSTEM", "BCD"]): Container => {
    const c = new Container();
    c.collect(
      files.map((n) =>
        n === "SYSTEM"
          ? ["SYSTEM", "Windows\\System32\\config\\SYSTEM", fs.readFileSync(SYSTEM)]
          : ["BCD", "S:\\EFI\\Microsoft\\Boot\\BCD", fs.readFileSync(BCD)],
      ),
    );
    return c;
  };
  const triage = async (c: Container, over: RepairChoice = {}) =>
    (
      await collectTriageKind(c.runtime()).create(testContext(), {
        collectOutputUrl: COLLECT_OUTPUT,
        collectRunCommandId: "collect-rc",
        rescueId: "inc-4711",
        filesBase: CONTAINER,
        ...choice,
        ...over,
      })
    ).outs;

  it("sends the operations compiled from the shipped hives, valid against the schema", async () => {
    const t = await triage(shipped());
    const compiled = operationsOf(t);
    expect(compiled).not.toBeNull();
    expect(() => assertCompiledRepair(compiled)).not.toThrow();
    expect(compiled!.operations.some((o) => o.op === "setValue")).toBe(true);
    const rc = repairRunCommand(t.repairParams, CONTAINER, compiled ?? undefined);
    const sent = operationsParam(rc.parameters);
    expect(() => assertCompiledRepair(sent)).not.toThrow();
    expect(sent).toEqual(compiled);
    expect(t.gate).toEqual({ allowed: true, reasons: [] });
  });

  it("compiles what plan-repair prints for the same evidence (one function)", async () => {
    const c = shipped();
    const t = await triage(c);
    const text = c.blobs.get(COLLECT_OUTPUT)!.toString("utf8");
    const facts = await collectFromManifest(manifestOf(text)!, async (name, max) =>
      c.blobs.get(shippedFileUrl(CONTAINER, "collect", name))!.subarray(0, max),
    );
    const decided = decideRescue({
      collect: facts.collect,
      cloud: "azure",
      options: { driver: "Spooler", actions: ["DisableDriver"] },
    });
    const same = compileDecision(decided, {
      system: openHive(fs.readFileSync(SYSTEM), { label: "SYSTEM" }),
      bcd: decodeBcd(openHive(fs.readFileSync(BCD), { label: "BCD" }), { file: BCD }),
    });
    expect(operationsOf(t)).toEqual(same.operations);
  });

  it("a manifest without the SYSTEM hive compiles nothing and closes the gate", async () => {
    const t = await triage(shipped(["BCD"]), { driver: undefined, actions: ["EnableCrashDump"] });
    expect(t.operations).toBe("");
    expect(t.gate.allowed).toBe(false);
    expect(t.gate.reasons.join("\n")).toMatch(/no SYSTEM hive in the evidence/);
  });

  it("a plan the compiler refuses (RestoreHealth without a source) closes the gate with its reason", async () => {
    const t = await triage(shipped(), { driver: undefined, actions: ["DismRestoreHealth"] });
    expect(t.operations).toBe("");
    expect(t.gate.allowed).toBe(false);
    expect(t.gate.reasons.join("\n")).toMatch(
      /the plan could not be compiled: .*DismRestoreHealth/,
    );
    expect(operationParamsOf(t)).toBeUndefined();
  });

  const operationParamsOf = (t: Awaited<ReturnType<typeof triage>>) =>
    operationsParam(
      repairRunCommand(t.repairParams, CONTAINER, operationsOf(t) ?? undefined).parameters,
    );
});

describe("a collect.ps1 1.x document", () => {
  it("has no hive to compile against: no operations are sent, so repair.ps1 refuses to run", () => {
    const t = triageCollectOutput(fs.readFileSync(STORY_COLLECT, "utf8"), {
      allowIncompatibleDrivers: true,
    });
    expect(t.repairActions).not.toEqual([]);
    expect(t.operations).toBe("");
    const rc = repairRunCommand(t.repairParams, CONTAINER, operationsOf(t) ?? undefined);
    expect(rc.parameters.map((p) => p.name)).not.toContain("Operations");
  });
});
