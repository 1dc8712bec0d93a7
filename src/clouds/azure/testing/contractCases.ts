/**
 * One contract case per Azure step kind: a simulated cloud in which it runs, its inputs, an
 * out-of-band change its `read` must see, an update-only change and a replacing change. The
 * plugin's tests run them through gRPC; `contractCases.test.ts` runs them by calling the kinds.
 */
import type { StepContractCase } from "../../../steps/testing/contractCase";
import { STEP_TYPES } from "../../../vocabulary/tokens";
import { COLLECT_1X_GATE_REASON } from "../../../repair/decide";
import { sampleCollectOutput } from "../sample";
import { STANDBY_CONTRACT_CASES } from "./standbyCases";
import { editSimulatedAzure, loadSimulatedCompute } from "../simulatedFile";
import { SWAP_PHASE_TAG } from "../osDiskMove";
import { ORIGINAL_OS_DISK_OF_TAG, ID_TAG } from "../../../vocabulary/tags";
import {
  brokenWorld,
  COPY,
  HELPER,
  ORIGINAL,
  RG,
  VM,
  VM_ID,
  rollbackInputs,
  seedFile,
  SNAPSHOT,
  SUB,
  swapInputs,
  verifyInputs,
} from "./world";

const COLLECT_URL = "https://vmr0.blob.core.windows.net/rescue-inc-4711/collect/output.json";
const CONTAINER_URL = "https://vmr0.blob.core.windows.net/rescue-inc-4711";
const OTHER_URL = "https://vmr0.blob.core.windows.net/rescue-inc-4712/collect/output.json";

/** The VM after a completed swap: on the copy, running, the disks tagged as the swap tags them. */
function swappedWorld() {
  const c = brokenWorld();
  c.vm(RG, HELPER).dataDiskIds = [];
  Object.assign(c.vm(RG, VM), { osDiskId: COPY, powerState: "running", agentStatus: "Ready" });
  c.vm(RG, VM).serialLog = "Boot\r\nComputer is booting, SAC started and initialized.\r\n";
  c.diskTags.set(ORIGINAL.toLowerCase(), {
    [ID_TAG]: "inc-4711",
    [ORIGINAL_OS_DISK_OF_TAG]: VM_ID,
  });
  c.diskTags.set(COPY.toLowerCase(), {
    ...c.diskTags.get(COPY.toLowerCase()),
    [SWAP_PHASE_TAG]: "started",
  });
  return c;
}

/** Puts `disk` in as the VM's OS disk by hand, as an operator would (`az vm update --os-disk`). */
const byHand = (file: string, disk: string) =>
  editSimulatedAzure(file, (c) => {
    c.vm(RG, VM).osDiskId = disk;
  });

const bump = (inputs: Record<string, unknown>, key: string, value: unknown) => ({
  ...inputs,
  [key]: value,
});

/** The simulated compute's changing calls (its reads are recorded too). */
const changesIn = (file: string): string[] => loadSimulatedCompute(file).writes();

const CASES: StepContractCase[] = [
  {
    token: STEP_TYPES.azure.collectTriage,
    seed(file) {
      const text = JSON.stringify(sampleCollectOutput());
      seedFile(file, brokenWorld(), { blobs: { [COLLECT_URL]: text, [OTHER_URL]: text } });
      return {
        inputs: {
          collectOutputUrl: COLLECT_URL,
          collectRunCommandId: `${VM_ID}/runCommands/vmrescue-collect`,
          rescueId: "inc-4711",
          swap: true,
        },
      };
    },
    // The triage is pure: a changed blob does not change what was decided.
    outOfBand(file) {
      editSimulatedAzure(file, (_c, azure) => {
        azure.blobs = { ...azure.blobs, [COLLECT_URL]: "{}" };
      });
      return { repairActions: ["DisableDriver", "QuarantineDriverFile"], nothingToRepair: false };
    },
    update: (i) => bump(i, "dryRun", true),
    replace: (i) => bump(i, "collectOutputUrl", OTHER_URL),
  },
  {
    token: STEP_TYPES.azure.repairCheck,
    seed(file) {
      const text = JSON.stringify(sampleCollectOutput());
      seedFile(file, brokenWorld(), { blobs: { [COLLECT_URL]: text } });
      return {
        inputs: {
          collectOutputUrl: COLLECT_URL,
          filesBase: CONTAINER_URL,
          repairResultUrl: `${CONTAINER_URL}/repair/output.json`,
          repairRunCommandId: `${VM_ID.replace(VM, HELPER)}/runCommands/vmrescue-repair`,
          repairPlan: { schemaVersion: 1, kind: "repairPlan", dryRun: false, actions: [] },
          triageGate: { allowed: true, reasons: [] },
          rawEvidence: false,
          rescueId: "inc-4711",
        },
      };
    },
    // The recorded check is the state: a changed blob does not change what was checked (the
    // update before it re-checked with the closed triage gate, which stays closed).
    outOfBand(file) {
      editSimulatedAzure(file, (_c, azure) => {
        azure.blobs = { ...azure.blobs, [COLLECT_URL]: "{}" };
      });
      // a 1.x collect output is not checked: the gate stays closed, the 1.x reason after the rest
      return {
        checkedRaw: false,
        ok: true,
        gate: { allowed: false, reasons: ["dryRun=true", COLLECT_1X_GATE_REASON] },
      };
    },
    update: (i) => bump(i, "triageGate", { allowed: false, reasons: ["dryRun=true"] }),
    replace: (i) => bump(i, "repairRunCommandId", `${String(i.repairRunCommandId)}-2`),
  },
  {
    token: STEP_TYPES.azure.swap,
    seed(file) {
      seedFile(file);
      return { inputs: { ...swapInputs() } };
    },
    // The operator swaps the original back by hand: read sees it (and keeps it from being redone).
    outOfBand(file) {
      byHand(file, ORIGINAL);
      return { swapped: false, osDiskId: ORIGINAL, rolledBack: true };
    },
    update: (i) => bump(i, "gate", { allowed: true, reasons: ["allowIncompatibleDrivers=true"] }),
    replace: (i) => bump(i, "copyDiskId", `${COPY}-2`),
  },
  {
    token: STEP_TYPES.azure.bootVerification,
    seed(file) {
      seedFile(file, swappedWorld());
      return { inputs: { ...verifyInputs() } };
    },
    // The operator stops the VM: read reports its power state now.
    outOfBand(file) {
      editSimulatedAzure(file, (c) => {
        Object.assign(c.vm(RG, VM), { powerState: "deallocated", agentStatus: null });
      });
      return { booted: true, powerState: "deallocated", agentStatus: null };
    },
    update: (i) => bump(i, "timeoutMinutes", 15),
    replace: (i) => bump(i, "vmName", "app-vm-02"),
  },
  {
    token: STEP_TYPES.azure.rollback,
    seed(file) {
      seedFile(file, swappedWorld());
      return { inputs: { ...rollbackInputs() } };
    },
    // The operator puts the copy back in by hand: read sees the rollback undone.
    outOfBand(file) {
      byHand(file, COPY);
      return { rolledBack: false, osDiskId: COPY };
    },
    // A raised swap generation is an update: with the VM on its original disk it changes nothing.
    update: (i) => bump(i, "swapGeneration", 1),
    replace: (i) => bump(i, "originalDiskId", `${ORIGINAL}-2`),
  },
  {
    token: STEP_TYPES.azure.snapshotDiagnosis,
    seed(file) {
      const snapshot = { image: null, sas: null, grants: 0, revokes: 0 };
      seedFile(file, brokenWorld(), { snapshots: { [SNAPSHOT.toLowerCase()]: snapshot } });
      return { inputs: { snapshotId: SNAPSHOT, rescueId: "inc-4711", swap: true } };
    },
    // The recorded diagnosis is the state: the snapshot is a point in time.
    outOfBand(file) {
      editSimulatedAzure(file, (_c, azure) => {
        azure.snapshots = {};
      });
      return { diagnosed: false, repairActions: [] };
    },
    update: (i) => bump(i, "dryRun", true),
    replace: (i) => bump(i, "snapshotId", `${SNAPSHOT}-2`),
  },
  {
    token: STEP_TYPES.azure.attach,
    seed(file) {
      const world = brokenWorld();
      world.vm(RG, HELPER).dataDiskIds = [];
      seedFile(file, world);
      return {
        inputs: {
          ...{ subscriptionId: SUB, resourceGroupName: RG, vmName: HELPER },
          ...{ diskId: COPY, lun: 0, rescueId: "inc-4711" },
          ...{ sourceResourceGroupName: RG, sourceVmName: VM },
        },
      };
    },
    // The operator detaches the copy by hand: read sees it gone.
    outOfBand(file) {
      editSimulatedAzure(file, (c) => {
        c.vm(RG, HELPER).dataDiskIds = [];
      });
      return { attached: false };
    },
    // Another LUN for a copy already attached changes nothing.
    update: (i) => bump(i, "lun", 1),
    replace: (i) => bump(i, "diskId", `${COPY}-2`),
  },
  {
    token: STEP_TYPES.azure.stop,
    seed(file) {
      seedFile(file);
      return {
        inputs: {
          ...{ subscriptionId: SUB, resourceGroupName: RG, vmName: VM, rescueId: "inc-4711" },
          ...{ originalDiskId: ORIGINAL, snapshotId: SNAPSHOT },
        },
      };
    },
    // The operator starts the VM by hand: read reports it running.
    outOfBand(file) {
      editSimulatedAzure(file, (c) => {
        c.vm(RG, VM).powerState = "running";
      });
      return { powerState: "running" };
    },
    // A VM already deallocated is not deallocated again.
    update: (i) => bump(i, "snapshotId", `${SNAPSHOT}-2`),
    replace: (i) => bump(i, "originalDiskId", `${ORIGINAL}-2`),
  },
];

export const AZURE_CONTRACT_CASES: StepContractCase[] = [
  ...CASES.map((c) => ({ ...c, changesIn })),
  ...STANDBY_CONTRACT_CASES,
];
