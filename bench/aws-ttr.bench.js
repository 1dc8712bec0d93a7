#!/usr/bin/env node
"use strict";
// Modeled time to recovery of the AWS rescue of the sample instance, both modes: the critical path
// of the step graph of the real plan (the component under Pulumi's mocks), its floor (the same
// steps waiting only for the waits they cannot do without, src/recoveryTime/awsEdges.ts) and the
// AWSSupport-StartEC2RescueWorkflow anchor flow (a person's diagnosis between its collecting and
// fixing runs), all priced by the same latency model. Uses dist/: `npm run build` first.
const path = require("node:path");
const root = path.resolve(__dirname, "..");
const dist = (f) => require(path.join(root, "dist", "src", f));
const { planAwsOffline } = dist("engine/simulate/plan.js");
const { asEc2Instance, asEc2Volumes, instanceFacts } = dist("describe/awsInstance.js");
const { awsModeledTimeToRecovery } = dist("recoveryTime/aws.js");
const { loadLatencyModel } = dist("recoveryTime/model.js");
const { simulatedAwsStandbyHelper } = dist("engine/simulate/awsStandby.js");

const min = (s) => `${(s / 60).toFixed(1)} min`;
(async () => {
  const model = loadLatencyModel();
  const instance = instanceFacts(
    asEc2Instance(require(path.join(root, "examples/aws-instance.json"))),
    asEc2Volumes(require(path.join(root, "examples/aws-volumes.json"))),
  );
  // The same instance rescued on a standby helper that fits it: started, not launched.
  const h = simulatedAwsStandbyHelper(instance);
  const standby = {
    standbyHelperId: h.instanceId,
    standbyHelperSubnetId: h.subnetId,
    standbyHelperZone: h.zone,
  };
  const runs = [
    ["copy", {}],
    ["inPlace", {}],
    ["copy", standby],
    ["inPlace", standby],
  ];
  for (const [mode, extra] of runs) {
    const settings = { kmsGrantConfirmed: "true", mode, ...extra };
    const plan = await planAwsOffline({ instance, settings });
    const t = awsModeledTimeToRecovery(plan.resources, model);
    const a = t.anchor;
    const label = `${mode}${extra.standbyHelperId ? " standby" : ""}`.padEnd(15);
    console.log(
      `vm-rescue critical path aws ${label} ${String(t.totalSeconds).padStart(5)} s (${min(t.totalSeconds)})  floor ${t.floor.totalSeconds} s (${min(t.floor.totalSeconds)})  vs ${a.name} ${a.seconds} s (${min(a.seconds)})  ratio ${a.ratio}`,
    );
    const role = (id) => id.slice(plan.stack.length + 1) || id;
    console.log(
      `  ${t.criticalPath.map((s) => `${role(s.id)}(${s.start}→${s.end}s)`).join(" → ")}`,
    );
  }
})().catch((e) => {
  console.error(`aws-ttr bench: ${e.message}`);
  process.exitCode = 1;
});
