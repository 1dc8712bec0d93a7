/**
 * `vm-rescue rescue --simulate --cloud aws --standby`: the simulated AWS rescue on a standby helper
 * the simulated EC2 holds stopped. It ends RESCUED, launches no helper instance, and the teardown
 * leaves the standby stopped with nothing attached besides its root; a standby in another
 * availability zone, or malformed standby settings, are refused in one line (exit 2).
 */
import * as path from "node:path";
import { runCliInProcess as run } from "./helpers/cliInProcess";
import { simulatedAwsStandbyHelper } from "../src/engine/simulate/awsStandby";
import { sampleFacts } from "./helpers/awsInstances";
import { REPO_ROOT } from "./helpers/paths";
import { validateReport } from "./helpers/reportSchemas";
import { undisposedSimulationFolders } from "../src/engine/simulate/folders";

const aws = ["--simulate", "--cloud", "aws", "--standby", "--yes"];

describe("rescue --simulate --cloud aws --standby", () => {
  test("ends RESCUED on the standby helper and leaves it stopped with only its root; its simulated EC2 folder is gone", async () => {
    const r = await run(["rescue", ...aws, "--json", "--progress", "none"]);
    expect(undisposedSimulationFolders()).toEqual([]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out);
    expect(validateReport(report)).toBe(true);
    expect(report.status).toBe("rescued");
    expect(report.swap.swapped).toBe(true);
    expect(report.standbyHelper).toEqual({
      id: expect.stringMatching(/^i-[0-9a-f]{17}$/),
      powerState: "stopped",
      dataDiskIds: [],
    });
    // no helper instance was launched: the standby was started in its place
    const types = report.timeline.map((s: { type: string }) => s.type);
    expect(types).not.toContain("aws:ec2/instance:Instance");
    expect(types).toContain("vm-rescue:aws:StandbyHelperUse");
  }, 180_000);

  test("the Markdown report says the standby was used and left stopped with nothing attached", async () => {
    const r = await run(["rescue", ...aws, "--progress", "none"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /Standby helper: i-[0-9a-f]{17} used instead of a new helper; left stopped with nothing attached/,
    );
  }, 180_000);

  test("a standby helper in another availability zone is refused in one line with exit 2", async () => {
    const r = await run(["rescue", ...aws, "--standby-zone", "eu-west-1c"]);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err.trim().split("\n")).toHaveLength(1);
    expect(r.err).toMatch(
      /standby helper i-[0-9a-f]{17} is in eu-west-1c \(standbyHelperZone\), the root volume of i-\S+ in eu-west-1[ab]/,
    );
  }, 120_000);
});

describe("plan --cloud aws with a standby helper's settings", () => {
  const examples = path.join(REPO_ROOT, "examples");
  const files = [
    ...["--aws-instance", path.join(examples, "aws-instance.json")],
    ...["--volumes", path.join(examples, "aws-volumes.json")],
  ];
  const h = simulatedAwsStandbyHelper(sampleFacts());
  const set = (zone: string) => [
    ...files,
    ...["--set", "kmsGrantConfirmed=true"],
    ...["--set", `standbyHelperId=${h.instanceId}`],
    ...["--set", `standbyHelperSubnetId=${h.subnetId}`],
    ...["--set", `standbyHelperZone=${zone}`],
  ];

  test("plans the standby helper's start and stop instead of a helper instance", async () => {
    const r = await run(["plan", ...set(h.zone), "--json"]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toContain("vm-rescue:aws:StandbyHelperUse");
    expect(r.out).not.toContain('"aws:ec2/instance:Instance"');
  }, 120_000);

  test("refuses a standby helper in another availability zone in one line with exit 2", async () => {
    const r = await run(["plan", ...set("eu-west-1c")]);
    expect(r.code).toBe(2);
    expect(r.err.trim().split("\n")).toHaveLength(1);
    expect(r.err).toMatch(/is in eu-west-1c \(standbyHelperZone\), the root volume of i-/);
  }, 120_000);

  test("refuses a malformed standby helper id in one line with exit 2", async () => {
    const r = await run(["plan", ...files, "--set", "standbyHelperId=vm-1"]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/standbyHelperId "vm-1" is not an EC2 instance id/);
  }, 120_000);
});
