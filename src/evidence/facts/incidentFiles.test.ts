import type { EvidenceBundle } from "../bundle";
import { collectFromEvidence } from "./collectFromEvidence";
import { emptyBundle } from "./testing/evidence";

const CS = "Windows\\System32\\drivers\\CrowdStrike";

function bundle(over: Partial<EvidenceBundle> = {}): EvidenceBundle {
  return emptyBundle({
    route: "disk-image",
    disk: { partitionStyle: "GPT", generation: 2 },
    ...over,
  });
}

const now = new Date("2026-11-30T09:00:00Z");

describe("incident files from the evidence", () => {
  test("a disk reader's listing of CrowdStrike channel files becomes incidentFiles with size and last write", () => {
    const { collect } = collectFromEvidence(
      bundle({
        listedFiles: [
          {
            path: `\\${CS}\\C-00000291-00000000-00000032.sys`,
            sizeBytes: 42_000,
            lastWriteUtc: "2024-07-19T04:09:00Z",
          },
          { path: `\\${CS}\\csagent.sys`, sizeBytes: 1, lastWriteUtc: null },
        ],
      }),
      { now },
    );
    expect(collect.incidentFiles).toEqual([
      expect.objectContaining({
        path: `${CS}\\C-00000291-00000000-00000032.sys`,
        exists: true,
        sizeBytes: 42_000,
        lastWriteUtc: "2024-07-19T04:09:00Z",
      }),
    ]);
  });

  test("the binaries collect reported (the evidence-folder route) list them too", () => {
    const { collect } = collectFromEvidence(bundle({ route: "collect" }), {
      now,
      binaries: [
        {
          path: `${CS}\\C-00000291*`,
          foundPath: `${CS}\\C-00000291-00000000-00000033.sys`,
          exists: true,
          version: null,
          company: null,
          product: null,
          signer: null,
          lastWriteUtc: "2024-07-19T04:09:00Z",
          sizeBytes: 40_000,
        },
      ],
    });
    expect(collect.incidentFiles?.map((f) => [f.path, f.sizeBytes])).toEqual([
      [`${CS}\\C-00000291-00000000-00000033.sys`, 40_000],
    ]);
  });

  test("without such files the document has none", () => {
    expect(collectFromEvidence(bundle(), { now }).collect.incidentFiles).toBeUndefined();
  });
});
