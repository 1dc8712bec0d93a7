import {
  azureOpsFor,
  formatDuration,
  modeledTimeToRecovery,
  stepsFromPlan,
  ttrLine,
} from "./azure";
import { opSeconds } from "./model";
import { describeWithLatencyModel } from "../../tests/helpers/latencyModel";

describeWithLatencyModel("modeled time to recovery of a plan", (model) => {
  const R = (type: string, name: string, dependsOn: string[] = []) => ({ type, name, dependsOn });
  const c = "azure-native:compute:";
  /**
   * The sample plan's shape: the copy from the backup snapshot, the helper created beside them, the
   * copy attached to it, then the collect; the broken VM stopped after the backup; untimed resources between.
   */
  const basePlan = [
    R("random:index/randomPassword:RandomPassword", "x-admin-password"),
    R(`${c}Snapshot`, "x-snapshot"),
    R("vm-rescue:azure:VmDeallocate", "x-stop", ["x-snapshot"]),
    R(`${c}Disk`, "x-copy", ["x-snapshot"]),
    R("azure-native:storage:StorageAccount", "x-artifacts"),
    R("azure-native:network:NetworkSecurityGroup", "x-nsg"),
    R("azure-native:storage:BlobContainer", "x-artifacts-container", ["x-artifacts"]),
    R("azure-native:network:NetworkInterface", "x-nic", ["x-nsg"]),
    R(`${c}VirtualMachine`, "x-helper", ["x-nic", "x-admin-password"]),
    R("vm-rescue:azure:DataDiskAttach", "x-copy-attach", ["x-helper", "x-copy"]),
    R("azure-native:authorization:RoleAssignment", "x-helper-blob-access", [
      "x-helper",
      "x-artifacts-container",
    ]),
    R(`${c}VirtualMachineRunCommandByVirtualMachine`, "x-collect", [
      "x-helper-blob-access",
      "x-helper",
      "x-copy-attach",
    ]),
  ];

  describe("modeled time to recovery", () => {
    test("untimed resources are contracted; dependencies pass through them", () => {
      const { steps } = stepsFromPlan(basePlan, { completeChain: false });
      expect(steps.map((s) => s.id)).toEqual([
        "x-snapshot",
        "x-stop",
        "x-copy",
        "x-artifacts",
        "x-nic",
        "x-helper",
        "x-copy-attach",
        "x-collect",
      ]);
      expect(steps.find((s) => s.id === "x-collect")!.dependsOn.sort()).toEqual([
        "x-artifacts",
        "x-copy-attach",
        "x-helper",
      ]);
      expect(steps.find((s) => s.id === "x-copy-attach")!.op).toEqual(["azure.vm.attachDataDisk"]);
      expect(steps.find((s) => s.id === "x-stop")!.op).toEqual(["azure.vm.deallocate"]);
      expect(steps.find((s) => s.id === "x-nic")!.dependsOn).toEqual([]);
    });

    test("missing phases are modeled after collect; the swap waits for the backup, which stays off the critical path", () => {
      const t = modeledTimeToRecovery(basePlan, model);
      expect(t.assumed).toEqual(["triage", "repair", "swap", "verify"]);
      expect(t.criticalPath.map((p) => p.id)).toEqual([
        "x-nic",
        "x-helper",
        "x-copy-attach",
        "x-collect",
        "(triage)",
        "(repair)",
        "(swap)",
        "(verify)",
      ]);
      // 10 nic + 180 helper + 30 attach + 30+90 collect + 5 triage + 30+45 repair + 30+30+120 swap
      // (the stop deallocated the VM off the path) + 60 verify
      expect(t.totalSeconds).toBe(660);
      expect(t.criticalPath.map((p) => p.id)).not.toContain("x-snapshot");
      expect(t.criticalPath.find((p) => p.id === "(swap)")!.op).not.toContain(
        "azure.vm.deallocate",
      );
      expect(t.anchor).toEqual({ name: "azure.azVmRepair", seconds: 2830, ratio: 0.233 });
      expect(t.schedule.find((s) => s.id === "x-helper")).toEqual({
        id: "x-helper",
        start: 10,
        end: 190,
      });
      expect(t.schedule.find((s) => s.id === "x-stop")).toEqual({
        id: "x-stop",
        start: 30,
        end: 90,
      });
      // without the stop in the plan, the swap deallocates on the path
      const noStop = basePlan.filter((r) => r.name !== "x-stop");
      expect(modeledTimeToRecovery(noStop, model).totalSeconds).toBe(720);
    });

    test("a plan with the whole chain uses its own resources, by name role and step kind", () => {
      const plan = [
        ...basePlan,
        R("vm-rescue:azure:CollectTriage", "x-triage", ["x-collect"]),
        R(`${c}VirtualMachineRunCommandByVirtualMachine`, "x-repair", ["x-triage"]),
        R("vm-rescue:azure:OsDiskSwap", "x-swap", ["x-repair", "x-snapshot"]),
        R("vm-rescue:azure:BootVerification", "x-verify", ["x-swap"]),
        R("vm-rescue:azure:OsDiskRollback", "x-rollback", ["x-verify"]),
      ];
      const t = modeledTimeToRecovery(plan, model, {
        repairActions: ["DisableDriver", "QuarantineDriverFile", "SfcOffline"],
      });
      expect(t.assumed).toEqual([]);
      expect(t.criticalPath.map((p) => p.id)).toEqual([
        "x-nic",
        "x-helper",
        "x-copy-attach",
        "x-collect",
        "x-triage",
        "x-repair",
        "x-swap",
        "x-verify",
      ]);
      expect(t.criticalPath.find((p) => p.id === "x-repair")!.op).toEqual([
        "azure.runCommand.overhead",
        "scripts.repair.driver",
        "scripts.repair.sfc",
      ]);
      expect(azureOpsFor(plan[plan.length - 1])).toEqual([]);
    });

    test("the diagnosis from the snapshot is ready long before the helper, off its path", () => {
      const plan = [
        ...basePlan,
        R("vm-rescue:azure:SnapshotDiagnosis", "x-snapshot-diagnosis", ["x-snapshot"]),
      ];
      const t = modeledTimeToRecovery(plan, model);
      const op = (o: string) => opSeconds(model, o);
      const ready =
        op("azure.snapshot.create") +
        op("azure.snapshot.grantAccess") +
        op("azure.snapshot.readEvidence") +
        op("scripts.triage.local");
      const helper = op("azure.nic.create") + op("azure.vm.create.windows");
      expect(t.diagnosis).toEqual({
        id: "x-snapshot-diagnosis",
        readySeconds: ready,
        helperReadySeconds: helper,
      });
      expect(ready).toBeLessThan(helper);
      expect(t.criticalPath.map((p) => p.id)).not.toContain("x-snapshot-diagnosis");
      expect(t.totalSeconds).toBe(modeledTimeToRecovery(basePlan, model).totalSeconds);
      expect(ttrLine(t)).toMatch(
        new RegExp(
          `; time to a diagnosis: ${formatDuration(ready)} from the snapshot, off the helper's path \\(helper ready at ${formatDuration(helper)}\\), the total above unchanged$`,
        ),
      );
      expect(modeledTimeToRecovery(basePlan, model).diagnosis).toBeUndefined();
    });

    test("--no-swap models no swap or verify", () => {
      expect(modeledTimeToRecovery(basePlan, model, { noSwap: true }).assumed).toEqual([
        "triage",
        "repair",
      ]);
    });

    test("readable durations and the plan line", () => {
      expect([
        formatDuration(45),
        formatDuration(120),
        formatDuration(725),
        formatDuration(4000),
      ]).toEqual(["45 s", "2 min", "12 min 5 s", "1 h 6 min"]);
      expect(ttrLine(modeledTimeToRecovery(basePlan, model))).toMatch(
        /^Modeled time to recovery: 11 min via x-nic → x-helper → x-copy-attach → x-collect → \(triage\).*azure\.azVmRepair: 47 min 10 s \(ratio 0\.233\)/,
      );
    });
  });
});
