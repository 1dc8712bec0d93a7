#!/usr/bin/env node
"use strict";
// Modeled time to recovery of the Azure rescue of the sample VM (critical path of the plan's step
// DAG) beside the azure.azVmRepair anchor flow, priced by the same latency model. Needs `npm run build`.
const path = require("node:path");
const root = path.resolve(__dirname, "..");
const { planAzureOffline } = require(path.join(root, "dist/src/engine/simulate/plan.js"));
const { modeledTimeToRecovery, formatDuration } = require(
  path.join(root, "dist/src/recoveryTime/azure.js"),
);
const { loadLatencyModel } = require(path.join(root, "dist/src/recoveryTime/model.js"));

(async () => {
  const vm = require(path.join(root, "examples/azure-vm.json"));
  const nic = require(path.join(root, "examples/azure-nic.json"));
  const plan = await planAzureOffline({ vm, nic });
  const t = modeledTimeToRecovery(plan.resources, loadLatencyModel());
  console.log("ttr (azure, sample VM app-vm-01)");
  for (const p of t.criticalPath)
    console.log(
      `  ${String(p.start).padStart(5)}s → ${String(p.end).padStart(5)}s  ${p.id}  [${[].concat(p.op).join(" + ")}]`,
    );
  if (t.assumed.length > 0)
    console.log(`  modeled phases not yet in the plan: ${t.assumed.join(", ")}`);
  console.log(`  vm-rescue critical path: ${t.totalSeconds} s (${formatDuration(t.totalSeconds)})`);
  if (t.anchor) {
    console.log(`  ${t.anchor.name}: ${t.anchor.seconds} s (${formatDuration(t.anchor.seconds)})`);
    console.log(`  ratio vm-rescue / ${t.anchor.name}: ${t.anchor.ratio} (lower is better)`);
  }
  console.log(
    `  backup snapshot on the critical path: ${t.criticalPath.some((p) => /snapshot$/.test(p.id)) ? "YES (wrong)" : "no"}`,
  );
})().catch((e) => {
  console.error(`ttr bench: ${e.message}`);
  process.exitCode = 1;
});
