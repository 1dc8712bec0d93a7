#!/usr/bin/env node
"use strict";
// Modeled time to recovery of the Azure rescue of the sample VM (critical path of the plan's step
// DAG) beside the azure.azVmRepair anchor flow, priced by the same latency model. Needs `npm run build`.
const path = require("node:path");
const root = path.resolve(__dirname, "..");
const { planAzureOffline } = require(path.join(root, "dist/src/engine/simulate/plan.js"));
const { modeledTimeToRecovery, formatDuration, stepsFromPlan } = require(
  path.join(root, "dist/src/recoveryTime/azure.js"),
);
const { loadLatencyModel, criticalPath, opSeconds } = require(
  path.join(root, "dist/src/recoveryTime/model.js"),
);
const { auditAzurePlan } = require(path.join(root, "dist/src/recoveryTime/azureEdges.js"));
const { simulatedStandbyHelper } = require(path.join(root, "dist/src/engine/simulate/standby.js"));

/** The stack settings that hand the rescue a standby helper that fits the VM. */
function standbySettings(vm, nic) {
  const f = simulatedStandbyHelper(vm, nic);
  return {
    standbyHelperId: f.id,
    standbyHelperSubnetId: f.subnetId,
    ...(f.zone ? { standbyHelperZone: f.zone } : {}),
  };
}

/**
 * The floor of this graph: the same plan's steps with the repair, the swap's gate and the
 * verification deciding from the diagnosis read from the backup instead of the helper's collect and
 * triage (which then run off the path).
 */
function floorOf(steps, component, model) {
  const id = (role) => `${component}-${role}`;
  const helperFacts = new Set([id("collect"), id("triage")]);
  const decided = new Set([id("repair"), id("swap"), id("verify")]);
  const floor = steps.map((s) =>
    decided.has(s.id) && s.dependsOn.some((d) => helperFacts.has(d))
      ? {
          ...s,
          dependsOn: [
            ...s.dependsOn.filter((d) => !helperFacts.has(d)),
            id("snapshot-diagnosis"),
            ...(s.id === id("repair") ? [id("copy-attach")] : []),
          ],
        }
      : s,
  );
  return criticalPath(floor, model);
}

(async () => {
  const vm = require(path.join(root, "examples/azure-vm.json"));
  const nic = require(path.join(root, "examples/azure-nic.json"));
  const plan = await planAzureOffline({ vm, nic });
  const model = loadLatencyModel();
  const t = modeledTimeToRecovery(plan.resources, model);
  const component = plan.component.name;
  console.log("ttr (azure, sample VM app-vm-01)");
  for (const p of t.criticalPath)
    console.log(
      `  ${String(p.start).padStart(5)}s → ${String(p.end).padStart(5)}s  ${p.id}  [${[].concat(p.op).join(" + ")}]`,
    );
  if (t.assumed.length > 0)
    console.log(`  modeled phases not yet in the plan: ${t.assumed.join(", ")}`);
  console.log(`  vm-rescue critical path: ${t.totalSeconds} s (${formatDuration(t.totalSeconds)})`);
  const target = 650;
  console.log(
    `  target ≤ ${target} s: ${t.totalSeconds <= target ? "met" : `missed by ${t.totalSeconds - target} s`}`,
  );
  if (t.anchor) {
    console.log(`  ${t.anchor.name}: ${t.anchor.seconds} s (${formatDuration(t.anchor.seconds)})`);
    console.log(`  ratio vm-rescue / ${t.anchor.name}: ${t.anchor.ratio} (lower is better)`);
    const automated = model.anchorFlows[t.anchor.name].sequence
      .filter((op) => !op.startsWith("human."))
      .reduce((sum, op) => sum + opSeconds(model, op), 0);
    console.log(
      `  ratio vm-rescue / ${t.anchor.name} without its human hand-offs (${automated} s): ${(t.totalSeconds / automated).toFixed(3)}`,
    );
  }
  const floor = floorOf(stepsFromPlan(plan.resources).steps, component, model);
  console.log(
    `  floor: ${floor.totalSeconds} s (${formatDuration(floor.totalSeconds)}) with the repair decided from the snapshot diagnosis, the helper's collect off the path: ${floor.path.map((p) => p.id.slice(component.length + 1)).join(" → ")}`,
  );
  const stop = t.schedule.find((s) => s.id === `${component}-stop`);
  if (stop)
    console.log(
      `  broken VM deallocated off the path: ${stop.start} s → ${stop.end} s, after the backup snapshot`,
    );
  const audit = auditAzurePlan(plan.resources, component);
  const problems = audit.unjustified.length + audit.rejected.length + audit.missing.length;
  console.log(
    `  waits without a recorded reason, rejected or missing: ${problems === 0 ? "none" : JSON.stringify(audit)}`,
  );
  console.log(
    `  backup snapshot on the critical path: ${t.criticalPath.some((p) => /snapshot$/.test(p.id)) ? "YES (wrong)" : "no"}`,
  );
  // The same VM rescued on a standby helper: started in parallel with the copy, not created.
  const standbyPlan = await planAzureOffline({ vm, nic, settings: standbySettings(vm, nic) });
  const s = modeledTimeToRecovery(standbyPlan.resources, model);
  const standbyTarget = 520;
  const sAudit = auditAzurePlan(standbyPlan.resources, standbyPlan.component.name);
  const sProblems = sAudit.unjustified.length + sAudit.rejected.length + sAudit.missing.length;
  console.log(
    `  Azure standby: ${s.totalSeconds} s (${formatDuration(s.totalSeconds)})${s.anchor ? `, ratio vm-rescue / ${s.anchor.name}: ${s.anchor.ratio}` : ""}; target ≤ ${standbyTarget} s: ${s.totalSeconds <= standbyTarget ? "met" : `missed by ${s.totalSeconds - standbyTarget} s`}; path: ${s.criticalPath.map((p) => p.id.slice(standbyPlan.component.name.length + 1)).join(" → ")}; waits without a reason, rejected or missing: ${sProblems === 0 ? "none" : JSON.stringify(sAudit)}`,
  );
})().catch((e) => {
  console.error(`ttr bench: ${e.message}`);
  process.exitCode = 1;
});
