#!/usr/bin/env node
"use strict";
// Modeled time to recovery of the AWS rescue, both modes, beside AWSSupport-StartEC2RescueWorkflow
// (with a person's diagnosis between its collecting and fixing runs). Uses dist/: `npm run build` first.
const path = require("node:path");
const dist = path.join(__dirname, "..", "dist", "src", "recoveryTime");
const { loadLatencyModel } = require(path.join(dist, "model.js"));
const { awsTimeToRecovery } = require(path.join(dist, "aws.js"));

const model = loadLatencyModel();
const min = (s) => `${(s / 60).toFixed(1)} min`;
// Copy mode: the stop/detach of the broken instance waits for the repair command's success (a failed repair leaves it untouched).
for (const mode of ["copy", "inPlace"]) {
  const t = awsTimeToRecovery(mode, model);
  console.log(
    `${mode.padEnd(8)} critical path ${min(t.critical.totalSeconds).padStart(9)}  vs aws.startEC2RescueWorkflow ${min(t.anchorSeconds)}  ratio ${t.ratio.toFixed(2)}`,
  );
  console.log(`         ${t.critical.path.map((s) => `${s.id}(${s.seconds}s)`).join(" → ")}`);
}
