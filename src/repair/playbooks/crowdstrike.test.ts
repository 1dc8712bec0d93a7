import { planRepair } from "../plan";
import { fileFacts, sampleCollect, triageOf } from "../../../tests/builders/facts";
import type { CollectOutput } from "../../collect/contract";
import { matchCrowdStrike } from "./crowdstrike";

const CS = "Windows\\System32\\drivers\\CrowdStrike";

function withChannelFiles(files: [string, string][]): CollectOutput {
  const c = sampleCollect();
  c.incidentFiles = files.map(([name, at]) =>
    fileFacts(`${CS}\\${name}`, { lastWriteUtc: at, version: null, company: null }),
  );
  c.services.push({
    name: "CSAgent",
    displayName: "CrowdStrike Falcon",
    imagePath: "\\SystemRoot\\System32\\drivers\\CrowdStrike\\csagent.sys",
    start: 1,
    type: 1,
    errorControl: 1,
    group: "FSFilter Activity Monitor",
    startOverride: null,
    file: fileFacts(`${CS}\\csagent.sys`, { company: "CrowdStrike, Inc." }),
  });
  return c;
}

describe("CrowdStrike channel file 291", () => {
  test("the faulting module csagent.sys and a 291 file: the file goes, the sensor stays", () => {
    const collect = withChannelFiles([
      ["C-00000291-00000000-00000029.sys", "2024-07-19T05:30:00Z"],
      ["C-00000290-00000000-00000001.sys", "2024-07-19T04:09:00Z"],
    ]);
    const d = planRepair({ collect, triage: [triageOf("csagent.sys")], findings: [], options: {} });
    expect(d.plan.actions.map((a) => [a.action, a.args])).toEqual([
      ["QuarantineDriverFile", { path: `${CS}\\C-00000291-00000000-00000029.sys` }],
    ]);
  });

  test("without the faulting module, a 291 file written in the bad window matches; outside it nothing does", () => {
    const inWindow = withChannelFiles([
      ["c-00000291-00000000-00000032.SYS", "2024-07-19T04:09:00Z"],
    ]);
    expect(matchCrowdStrike(inWindow, [])?.proposals).toHaveLength(1);
    const after = withChannelFiles([["C-00000291-00000000-00000033.sys", "2024-07-19T05:27:00Z"]]);
    expect(matchCrowdStrike(after, [])).toBeNull();
    const elsewhere = sampleCollect();
    elsewhere.incidentFiles = [
      fileFacts("Windows\\System32\\drivers\\C-00000291-00000000-00000032.sys", {
        lastWriteUtc: "2024-07-19T04:09:00Z",
      }),
    ];
    expect(matchCrowdStrike(elsewhere, [triageOf("csagent.sys")])).toBeNull();
  });

  test("without a matching playbook, csagent.sys as the culprit is disabled as any third-party driver", () => {
    const collect = withChannelFiles([]);
    const d = planRepair({ collect, triage: [triageOf("csagent.sys")], findings: [], options: {} });
    expect(d.plan.actions.map((a) => a.action)).toContain("DisableDriver");
    expect(d.playbooks).toEqual([]);
  });
});
