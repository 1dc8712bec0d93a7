/**
 * The Azure rescue on a standby helper (the real offline plan with the standby settings) against
 * the table of why each wait exists (src/recoveryTime/azureEdges.ts): the standby helper is started
 * in parallel with the snapshot and the copy, the copy is attached to it once both are there, and
 * no wait is without a reason, rejected or missing.
 */
import * as path from "node:path";
import { planAzureOffline, type OfflinePlan } from "../src/engine/simulate/plan";
import { simulatedStandbyHelper } from "../src/engine/simulate/standby";
import { auditAzurePlan } from "../src/recoveryTime/azureEdges";
import { modeledTimeToRecovery, stepsFromPlan } from "../src/recoveryTime/azure";
import { loadLatencyModel } from "../src/recoveryTime/model";
import { EXAMPLES } from "./helpers/paths";

let plan: OfflinePlan;
let component: string;

beforeAll(async () => {
  const vm = require(path.join(EXAMPLES, "azure-vm.json"));
  const nic = require(path.join(EXAMPLES, "azure-nic.json"));
  const f = simulatedStandbyHelper(vm, nic);
  plan = await planAzureOffline({
    vm,
    nic,
    settings: {
      standbyHelperId: f.id,
      standbyHelperSubnetId: f.subnetId,
      ...(f.zone ? { standbyHelperZone: f.zone } : {}),
    },
  });
  component = plan.component!.name;
});

const named = (role: string) => `${component}-${role}`;

function withWait(step: string, waitsFor: string) {
  return plan.resources.map((r) =>
    r.name === named(step) ? { ...r, dependsOn: [...r.dependsOn, named(waitsFor)] } : r,
  );
}

test("every wait of the standby plan has a reason; none is rejected and none required is missing", () => {
  expect(auditAzurePlan(plan.resources, component)).toEqual({
    unjustified: [],
    rejected: [],
    missing: [],
  });
});

test("the standby helper starts at once; the copy is attached to it once both exist", () => {
  const { steps } = stepsFromPlan(plan.resources);
  const step = (role: string) => steps.find((s) => s.id === named(role));
  expect(step("helper")).toBeUndefined();
  expect(step("nic")).toBeUndefined();
  expect(step("standby")!.dependsOn).toEqual([]);
  expect(step("standby")!.op).toEqual(["azure.vm.start.windows"]);
  expect(step("copy-attach")!.dependsOn.sort()).toEqual([named("copy"), named("standby")]);
  expect(step("collect")).toBeUndefined();
  expect(step("repair")!.dependsOn).toContain(named("copy-attach"));
});

test("the modeled critical path starts with the standby helper's start, not the backup", () => {
  const t = modeledTimeToRecovery(plan.resources, loadLatencyModel());
  expect(t.criticalPath.map((p) => p.id.slice(component.length + 1))).toEqual([
    "standby",
    "copy-attach",
    "repair",
    "swap",
    "verify",
  ]);
  // 120 start + 30 attach + 75 repair + (30 detach + 30 swap + 120 start) + 60 verify
  expect(t.totalSeconds).toBe(465);
});

test("a standby helper that waits for the copy fails the audit", () => {
  expect(
    auditAzurePlan(withWait("standby", "copy"), component).rejected.map(
      (r) => `${r.step}<-${r.waitsFor}`,
    ),
  ).toEqual(["standby<-copy", "standby<-snapshot"]);
});
