import { collectFromEvidence } from "../evidence/facts";
import { describeIf, missing, storyBundle } from "../evidence/facts/testing/evidence";
import { decideRescue } from "../repair/decide";
import { citedFacts } from "./facts";

describeIf(missing([], ["xz"]), "the facts a decision rests on", () => {
  it("cites the hive, key and value of the culprit's service and the control sets", () => {
    const facts = collectFromEvidence(storyBundle());
    const decided = decideRescue({ collect: facts.collect, cloud: "azure" });
    const basis = { culprit: decided.repair.culprit, actions: decided.repair.plan.actions };
    const cited = citedFacts(basis, facts.collect, facts.citations);
    const culprit = decided.repair.culprit?.service;
    expect(culprit).toBeTruthy();
    const start = cited.find(
      (c) => /^\/services\/\d+\/start$/.test(c.fact) && c.source.includes(`\\${culprit}`),
    );
    expect(start).toBeDefined();
    expect(start?.source).toMatch(/^SYSTEM \\ControlSet00\d\\Services\\[^ ]+ : Start$/);
    expect(cited.some((c) => c.fact === "/controlSets/current")).toBe(true);
    // Minidump bytes are never shown as a fact's value.
    expect(cited.every((c) => c.value.length <= 161)).toBe(true);
  });
});
