/**
 * The Azure rescue's real plan (the program under Pulumi's mocks, the bundled sample VM) against the
 * table of why each wait exists (src/recoveryTime/azureEdges.ts): no wait without a reason, no
 * rejected wait, every required wait present. Adding a wait to the plan's resources shows that the
 * audit fails on it.
 */
import * as path from "node:path";
import { planAzureOffline, type OfflinePlan } from "../src/engine/simulate/plan";
import { auditAzurePlan } from "../src/recoveryTime/azureEdges";
import { modeledTimeToRecovery, stepsFromPlan } from "../src/recoveryTime/azure";
import { loadLatencyModel } from "../src/recoveryTime/model";
import { EXAMPLES } from "./helpers/paths";

let plan: OfflinePlan;
let component: string;

beforeAll(async () => {
  plan = await planAzureOffline({
    vm: require(path.join(EXAMPLES, "azure-vm.json")),
    nic: require(path.join(EXAMPLES, "azure-nic.json")),
  });
  component = plan.component!.name;
});

const named = (role: string) => `${component}-${role}`;

/** The plan's resources with `step` also waiting for `waitsFor` (as a `dependsOn` would make it). */
function withWait(step: string, waitsFor: string) {
  return plan.resources.map((r) =>
    r.name === named(step) ? { ...r, dependsOn: [...r.dependsOn, named(waitsFor)] } : r,
  );
}

test("every wait of the real plan has a reason; none is rejected and none required is missing", () => {
  expect(auditAzurePlan(plan.resources, component)).toEqual({
    unjustified: [],
    rejected: [],
    missing: [],
  });
});

test("the helper is created in parallel with the snapshot and the copy; the stop waits only for the backup", () => {
  const { steps } = stepsFromPlan(plan.resources);
  const deps = (role: string) => steps.find((s) => s.id === named(role))!.dependsOn.sort();
  expect(deps("helper")).toEqual([named("nic")]);
  expect(deps("copy")).toEqual([named("snapshot")]);
  expect(deps("copy-attach")).toEqual([named("copy"), named("helper")]);
  expect(deps("stop")).toEqual([named("snapshot")]);
  // the repair waits for the diagnosis and the attach, never for a collect on the helper
  expect(deps("repair")).toEqual(
    [
      named("artifacts"),
      named("copy-attach"),
      named("helper"),
      named("snapshot"),
      named("snapshot-diagnosis"),
    ].sort(),
  );
  expect(steps.some((s) => s.id === named("collect") || s.id === named("triage"))).toBe(false);
  expect(steps.find((s) => s.id === named("swap"))!.op).not.toContain("azure.vm.deallocate");
});

test("the modeled critical path: the helper, its attach, the repair decided from the backup", () => {
  const t = modeledTimeToRecovery(plan.resources, loadLatencyModel());
  expect(t.criticalPath.map((p) => p.id.slice(component.length + 1))).toEqual([
    "nic",
    "helper",
    "copy-attach",
    "repair",
    "swap",
    "verify",
  ]);
  // 10 nic + 180 helper + 30 attach + 75 repair + (30 detach + 30 swap + 120 start) + 60 verify
  expect(t.totalSeconds).toBe(535);
  // the diagnosis (snapshot 30 + read 30, after the artifacts) is ready long before the attach
  const diagnosis = t.schedule.find((s) => s.id === named("snapshot-diagnosis"))!;
  expect(diagnosis.end).toBeLessThan(190 + 30);
  expect(t.schedule.find((s) => s.id === named("stop"))).toEqual({
    id: named("stop"),
    start: 30,
    end: 90,
  });
});

test("a wait with no recorded reason fails the audit", () => {
  const a = auditAzurePlan(withWait("copy-attach", "snapshot-diagnosis"), component);
  expect(a.unjustified).toEqual([{ step: "copy-attach", waitsFor: "snapshot-diagnosis" }]);
});

test("a rejected wait fails the audit, directly or through other steps", () => {
  expect(auditAzurePlan(withWait("swap", "stop"), component).rejected).toEqual([
    expect.objectContaining({ step: "swap", waitsFor: "stop" }),
  ]);
  // stop before the repair: the swap then waits for the stop too
  expect(
    auditAzurePlan(withWait("repair", "stop"), component)
      .rejected.map((r) => `${r.step}<-${r.waitsFor}`)
      .sort(),
  ).toEqual(["repair<-stop", "swap<-stop"]);
  // a collect on the helper put back before the repair (write after read): rejected
  const collect = {
    type: "azure-native:compute:VirtualMachineRunCommandByVirtualMachine",
    name: named("collect"),
    inputs: {},
    dependsOn: [named("helper"), named("copy-attach"), named("artifacts")],
    retainOnDelete: false,
  };
  const withCollect = [...plan.resources, collect].map((r) =>
    r.name === named("repair") ? { ...r, dependsOn: [...r.dependsOn, named("collect")] } : r,
  );
  expect(
    auditAzurePlan(withCollect, component).rejected.map((r) => `${r.step}<-${r.waitsFor}`),
  ).toEqual(["repair<-collect"]);
  expect(
    auditAzurePlan(withWait("helper", "copy"), component).rejected.map(
      (r) => `${r.step}<-${r.waitsFor}`,
    ),
  ).toEqual(["helper<-copy", "helper<-snapshot"]);
});

test("a required wait the plan lacks fails the audit", () => {
  const noBackupFirst = plan.resources.map((r) =>
    r.name === named("stop") ? { ...r, dependsOn: [] } : r,
  );
  expect(
    auditAzurePlan(noBackupFirst, component).missing.map((m) => `${m.step}<-${m.waitsFor}`),
  ).toEqual(["stop<-snapshot"]);
});
