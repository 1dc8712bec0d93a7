import { auditEdges, EdgeReason, RejectedEdge } from "./edges";
import type { Step } from "./model";

const role = (id: string) => id.replace(/^vm-/, "");
const reasons: EdgeReason[] = [
  {
    step: "copy",
    waitsFor: "snapshot",
    reason: "the copy is made from the backup",
    required: true,
  },
  { step: "repair", waitsFor: "copy", reason: "the repair writes the copy" },
];
const rejected: RejectedEdge[] = [{ step: "repair", waitsFor: "stop", why: "idle wait" }];

const graph = (extra: Partial<Record<string, string[]>> = {}): Step[] =>
  [
    { id: "vm-snapshot", op: "x", dependsOn: [] as string[] },
    { id: "vm-copy", op: "x", dependsOn: ["vm-snapshot"] },
    { id: "vm-stop", op: "x", dependsOn: ["vm-snapshot"] },
    { id: "vm-repair", op: "x", dependsOn: ["vm-copy"] },
  ].map((s) => ({ ...s, dependsOn: extra[s.id] ?? s.dependsOn }));

describe("auditEdges", () => {
  it("passes a graph whose every wait has a reason", () => {
    expect(auditEdges(graph(), role, reasons, rejected)).toEqual({
      unjustified: [{ step: "stop", waitsFor: "snapshot" }],
      rejected: [],
      missing: [],
    });
  });

  it("names a wait with no recorded reason", () => {
    const a = auditEdges(graph({ "vm-copy": ["vm-snapshot", "vm-stop"] }), role, reasons);
    expect(a.unjustified).toContainEqual({ step: "copy", waitsFor: "stop" });
  });

  it("finds a rejected wait even through other steps", () => {
    const a = auditEdges(graph({ "vm-copy": ["vm-snapshot", "vm-stop"] }), role, reasons, rejected);
    expect(a.rejected).toEqual(rejected);
  });

  it("reports a required wait the graph lacks", () => {
    const a = auditEdges(graph({ "vm-copy": [] }), role, reasons, rejected);
    expect(a.missing.map((m) => `${m.step}<-${m.waitsFor}`)).toEqual(["copy<-snapshot"]);
  });

  it("skips steps whose role is unknown", () => {
    const a = auditEdges(graph(), (id) => (id === "vm-stop" ? null : role(id)), reasons);
    expect(a.unjustified).toEqual([]);
  });
});
