/**
 * `vm-rescue rescue --simulate --standby`: the simulated rescue on a standby helper the simulated
 * cloud holds deallocated. It ends RESCUED, creates no helper, and the teardown leaves the helper
 * deallocated with no data disk; a helper outside the VM's zone is refused in one line (exit 2).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { runCliInProcess as run } from "./helpers/cliInProcess";
import { simulatedStandbyHelper } from "../src/engine/simulate/standby";
import { REPO_ROOT } from "./helpers/paths";
import { validateReport } from "./helpers/reportSchemas";

describe("rescue --simulate --standby", () => {
  test("ends RESCUED on the standby helper and leaves it deallocated with nothing attached", async () => {
    const r = await run([
      "rescue",
      "--simulate",
      "--standby",
      "--yes",
      "--json",
      "--progress",
      "none",
    ]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out);
    expect(validateReport(report)).toBe(true);
    expect(report.status).toBe("rescued");
    expect(report.swap.swapped).toBe(true);
    expect(report.standbyHelper).toEqual({
      id: expect.stringMatching(/\/virtualMachines\/standby-helper-1$/),
      powerState: "deallocated",
      dataDiskIds: [],
    });
    // no helper VM was created: the timeline has none, and the modeled path starts the standby
    const types = report.timeline.map((s: { type: string }) => s.type);
    expect(types).not.toContain("azure-native:compute:VirtualMachine");
    expect(types).toContain("vm-rescue:azure:StandbyHelperUse");
    expect(report.timeToRecovery.criticalPath.join(" ")).not.toMatch(/-helper\b/);
  }, 120_000);

  test("the Markdown report says the standby helper was used and left stopped with nothing attached", async () => {
    const r = await run(["rescue", "--simulate", "--standby", "--yes", "--progress", "none"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /Standby helper: standby-helper-1 used instead of a new helper; left deallocated with nothing attached/,
    );
  }, 120_000);

  test("a standby helper in another zone is refused in one line with exit 2", async () => {
    const r = await run(["rescue", "--simulate", "--standby", "--standby-zone", "2", "--yes"]);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err.trim().split("\n")).toHaveLength(1);
    expect(r.err).toMatch(/standby helper standby-helper-1 is in zone 2, the VM in zone 1/);
  }, 120_000);

  test("--standby is refused without --simulate", async () => {
    const live = await run([
      "rescue",
      "--standby",
      "--resource-group",
      "rg",
      "--vm",
      "vm",
      "--yes",
    ]);
    expect(live.code).toBe(2);
    expect(live.err).toMatch(/--standby runs with --simulate/);
  });
});

describe("plan with a standby helper's settings", () => {
  const json = (f: string) =>
    JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "examples", f), "utf8"));
  const facts = simulatedStandbyHelper(json("azure-vm.json"), json("azure-nic.json"));
  const set = (zone: string) => [
    ...["--azure-vm", path.join(REPO_ROOT, "examples", "azure-vm.json")],
    ...["--nic", path.join(REPO_ROOT, "examples", "azure-nic.json")],
    ...["--set", `standbyHelperId=${facts.id}`],
    ...["--set", `standbyHelperSubnetId=${facts.subnetId}`],
    ...["--set", `standbyHelperZone=${zone}`],
  ];

  test("plans the standby helper's start instead of a helper VM", async () => {
    const r = await run(["plan", ...set(String(facts.zone)), "--json"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("vm-rescue:azure:StandbyHelperUse");
    expect(r.out).not.toContain('azure-native:compute:VirtualMachine"');
    expect(r.out).not.toContain("azure-native:network:NetworkInterface");
  }, 120_000);

  test("refuses a standby helper in another zone in one line with exit 2", async () => {
    const r = await run(["plan", ...set("3")]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/standby helper standby-helper-1 is in zone 3, the VM in zone 1/);
  });
});
