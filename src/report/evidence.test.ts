import {
  applyEvidence,
  evidenceFromDocuments,
  readEvidence,
  type EvidenceRequest,
} from "./evidence";
import { memoryReader, parseS3Url } from "../engine/artifacts";
import { sampleCollectOutput } from "../engine/simulate/azureCloud";
import { sampleAwsCollect } from "../engine/simulate/awsCloud";
import { sampleRepairResult, simulatedRepairResult } from "../engine/simulate/artifacts";

const SOURCES = {
  collectOutput: "https://a.blob.core.windows.net/c/collect.json",
  repairResult: "https://a.blob.core.windows.net/c/repair.json",
};
const AZURE: EvidenceRequest = { cloud: "azure" };
const text = (v: unknown) => ({ text: typeof v === "string" ? v : JSON.stringify(v) });

describe("evidenceFromDocuments", () => {
  test("the sample story: one triaged dump, findings against Azure, the full decision, the repair results", () => {
    const ev = evidenceFromDocuments(
      SOURCES,
      { collectOutput: text(sampleCollectOutput()), repairResult: text(sampleRepairResult()) },
      AZURE,
    );
    expect(ev.triage).toHaveLength(1);
    expect(ev.triage[0]).toMatchObject({
      file: "112926-9218-01.dmp",
      error: null,
      causedBy: { module: "cxnetmon.sys" },
    });
    expect(ev.triageSummary[0]).toMatch(
      /^112926-9218-01\.dmp: 0x1000007E .*caused by cxnetmon\.sys/,
    );
    expect(ev.findings.every((f) => f.severity !== "block")).toBe(true);
    expect(ev.decision?.actions.map((a) => a.action)).toEqual(
      expect.arrayContaining(["DisableDriver", "QuarantineDriverFile"]),
    );
    expect(ev.decision?.reasons[0].evidence.join(" ")).toMatch(/112926-9218-01\.dmp/);
    expect(ev.decision?.culprit).toMatchObject({ module: "cxnetmon.sys", thirdParty: true });
    expect(ev.repair?.results[0].undo[0]).toMatchObject({ kind: "registry" });
    expect(ev.documents.map((d) => d.status)).toEqual(["read", "read"]);
    expect(ev.warnings).toEqual([]);
  });

  test("AWS: the driver check is made against the instance type", () => {
    const nitro = evidenceFromDocuments(
      SOURCES,
      { collectOutput: text(sampleAwsCollect()), repairResult: null },
      { cloud: "aws", instanceType: "m5.large" },
    );
    const xen = evidenceFromDocuments(
      SOURCES,
      { collectOutput: text(sampleAwsCollect()), repairResult: null },
      { cloud: "aws", instanceType: "t2.medium" },
    );
    expect(nitro.findings).not.toEqual(xen.findings);
    expect(nitro.documents[1]).toEqual({
      document: "repair result",
      source: SOURCES.repairResult,
      status: "not produced",
    });
  });

  test("invalid JSON, a schema violation and a failed read each become one line; nothing throws", () => {
    const ev = evidenceFromDocuments(
      SOURCES,
      {
        collectOutput: { error: "HTTP 403: AuthorizationPermissionMismatch" },
        repairResult: text("{ not json"),
      },
      AZURE,
    );
    expect(ev.triage).toEqual([]);
    expect(ev.repair).toBeNull();
    expect(ev.documents).toEqual([
      {
        document: "collect output",
        source: SOURCES.collectOutput,
        status: "unreadable",
        message: "HTTP 403: AuthorizationPermissionMismatch",
      },
      {
        document: "repair result",
        source: SOURCES.repairResult,
        status: "invalid",
        message: expect.stringMatching(/^invalid repair result: not JSON/),
      },
    ]);
    const partial = evidenceFromDocuments(
      SOURCES,
      { collectOutput: text({ ...sampleCollectOutput(), os: 7 }), repairResult: null },
      AZURE,
    );
    expect(partial.documents[0]).toMatchObject({
      status: "invalid",
      message: expect.stringMatching(/^invalid collect output: \/os/),
    });
  });

  test("a local plan that differs from what the stack ran keeps the stack's decision and says so", () => {
    const ev = evidenceFromDocuments(
      SOURCES,
      { collectOutput: text(sampleCollectOutput()), repairResult: null },
      { ...AZURE, stackActions: ["SetSafeBoot"] },
    );
    expect(ev.decision).toBeNull();
    expect(ev.triage).toHaveLength(1);
    expect(ev.warnings).toEqual([
      expect.stringMatching(
        /local re-plan \(DisableDriver, QuarantineDriverFile[^)]*\) differs from the actions the stack ran \(SetSafeBoot\)/,
      ),
    ]);
  });

  test("an impossible forced choice is a warning; triage and findings still come through", () => {
    const ev = evidenceFromDocuments(
      SOURCES,
      { collectOutput: text(sampleCollectOutput()), repairResult: null },
      { ...AZURE, choice: { driver: "nosuchdriver" } },
    );
    expect(ev.decision).toBeNull();
    expect(ev.triage).toHaveLength(1);
    expect(ev.warnings[0]).toMatch(/^the repair could not be re-planned locally: /);
  });
});

describe("readEvidence and applyEvidence", () => {
  test("reads through the reader; a missing document is unreadable with its HTTP status", async () => {
    const reader = memoryReader({
      [SOURCES.repairResult]: JSON.stringify(simulatedRepairResult(["DisableDriver"], true)),
    });
    const ev = await readEvidence(reader, SOURCES, AZURE);
    expect(ev.documents[0]).toMatchObject({
      status: "unreadable",
      message: expect.stringMatching(/^HTTP 404: no such artifact/),
    });
    expect(ev.repair).toMatchObject({
      dryRun: true,
      results: [{ action: "DisableDriver", status: "skipped", undo: [] }],
    });
  });

  test("the evidence replaces the stack's summary lines; an unread collect output keeps the stack's findings", () => {
    const stack: Parameters<typeof applyEvidence>[0] = {
      triage: [],
      triageSummary: ["line"],
      findings: [],
      decision: null,
      repair: null,
      warnings: ["w"],
    };
    const read = applyEvidence(
      stack,
      evidenceFromDocuments(
        SOURCES,
        { collectOutput: text(sampleCollectOutput()), repairResult: text(sampleRepairResult()) },
        AZURE,
      ),
    );
    expect(read.triageSummary).not.toEqual(["line"]);
    expect(read.repair?.results).toHaveLength(4);
    expect(read.evidence.map((d) => d.status)).toEqual(["read", "read"]);
    const unread = applyEvidence(
      stack,
      evidenceFromDocuments(
        { collectOutput: null, repairResult: null },
        { collectOutput: null, repairResult: null },
        AZURE,
      ),
    );
    expect(unread).toMatchObject({
      triageSummary: ["line"],
      warnings: ["w"],
      evidence: [{ status: "not produced" }, { status: "not produced" }],
    });
  });

  test("s3 URLs", () => {
    expect(parseS3Url("s3://bucket/rescue/x/cmd/i-1/")).toEqual({
      bucket: "bucket",
      key: "rescue/x/cmd/i-1/",
    });
    expect(() => parseS3Url("https://bucket/x")).toThrow(/not an s3:\/\/bucket\/key URL/);
  });
});

describe("the in-memory artifact reader", () => {
  it("serves text and bytes by URL, at most the bytes asked for, null when absent", async () => {
    const r = memoryReader({
      "s3://b/doc": "{}",
      "s3://b/collect/SYSTEM": new Uint8Array([1, 2, 3]),
    });
    expect(await r.read("s3://b/doc")).toBe("{}");
    expect(Array.from((await r.readBytes?.("s3://b/collect/SYSTEM", 2)) ?? [])).toEqual([1, 2]);
    expect(await r.readBytes?.("s3://b/collect/BCD", 10)).toBeNull();
    await expect(r.read("s3://b/none")).rejects.toMatchObject({ statusCode: 404 });
  });
});
