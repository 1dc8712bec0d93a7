/**
 * The AWS decision compiles the plan against the SYSTEM hive and BCD store collect shipped and
 * sends those operations as the repair command's `Operations`; without a hive or with a plan the
 * compiler refuses, nothing is compiled and the gate closes with the reason.
 */
import * as fs from "node:fs";
import { describeIf, fixture, missing } from "../../evidence/facts/testing/evidence";
import { collectFromManifest } from "../../evidence/facts";
import { hivesOfBundle } from "../../repair/decide";
import { assertCompiledRepair } from "../../repair/operations";
import { shippedFileUrl } from "../../collect/layout";
import { manifestOf } from "../../report/rawEvidence";
import { COLLECT_OUTPUT, CONTAINER, Container } from "../azure/testing/shipped";
import { repairFromCollect, type AwsRepairChoice } from "./decision";

const SYSTEM = fixture("hives", "SYSTEM_WIN7_X86");
const BCD = fixture("hives", "BCD");

describeIf(missing([SYSTEM, BCD]), "the AWS decision compiles the repair", () => {
  const choice: AwsRepairChoice = {
    driver: "Spooler",
    actions: ["DisableDriver"],
    allowIncompatibleDrivers: true,
  };
  async function decide(over: AwsRepairChoice = {}, files = ["SYSTEM", "BCD"], helper = 7601) {
    const c = new Container();
    c.collect(
      files.map((n) =>
        n === "SYSTEM"
          ? ["SYSTEM", "Windows\\System32\\config\\SYSTEM", fs.readFileSync(SYSTEM)]
          : ["BCD", "S:\\EFI\\Microsoft\\Boot\\BCD", fs.readFileSync(BCD)],
      ),
    );
    const text = c.blobs.get(COLLECT_OUTPUT)!.toString("utf8");
    const facts = await collectFromManifest(manifestOf(text)!, async (name, max) =>
      c.blobs.get(shippedFileUrl(CONTAINER, "collect", name))!.subarray(0, max),
    );
    return repairFromCollect(
      text,
      "m5.large",
      { ...choice, ...over },
      { collect: facts.collect, problems: facts.problems },
      { hives: hivesOfBundle(facts.bundle).hives, helperBuild: helper },
    );
  }
  const sent = (p: Record<string, string[]>): unknown =>
    p.Operations && JSON.parse(Buffer.from(p.Operations[0], "base64").toString("utf8"));

  it("sends the compiled operations as Operations, valid against the schema", async () => {
    const d = await decide();
    expect(d.operations).not.toBeNull();
    expect(() => assertCompiledRepair(sent(d.parameters))).not.toThrow();
    expect(sent(d.parameters)).toEqual(d.operations);
    expect(d.operations!.operations.some((o) => o.op === "setValue")).toBe(true);
  });

  it("an inPlace repair forced to a dry run sends its operations as a dry run", async () => {
    const d = await decide({ mode: "inPlace", allowIncompatibleDrivers: false });
    expect(d.repairIsDryRun).toBe(true);
    expect((sent(d.parameters) as { dryRun: boolean }).dryRun).toBe(true);
  });

  it("a plan the compiler refuses closes the gate with its reason and sends no Operations", async () => {
    const d = await decide({ driver: null, actions: ["DismRestoreHealth"] });
    expect(d.operations).toBeNull();
    expect(d.parameters).not.toHaveProperty("Operations");
    expect(d.gate.allowed).toBe(false);
    expect(d.gate.reasons.join("\n")).toMatch(
      /the plan could not be compiled: .*DismRestoreHealth/,
    );
  });

  it("no SYSTEM hive shipped: nothing compiled, the gate closed", async () => {
    const d = await decide({ driver: null, actions: ["EnableCrashDump"] }, ["BCD"]);
    expect(d.operations).toBeNull();
    expect(d.gate.allowed).toBe(false);
    expect(d.gate.reasons.join("\n")).toMatch(/no SYSTEM hive in the evidence/);
  });
});
