/**
 * One contract case per AWS step kind (see src/steps/testing/contractCase.ts): a simulated EC2 in
 * which the step runs, its inputs, an out-of-band change `read` must see, an update that must not
 * repeat the step and a change of identity that replaces it.
 */
import type { StepContractCase } from "../../../steps/testing/contractCase";
import { STEP_TYPES } from "../../../vocabulary/tokens";
import { serialBaseline } from "../../../swap/serialLog";
import { readState, writeState, BOOTED_TEXT, BUGCHECK_TEXT, type Ec2State } from "../simulated";
import { BROKEN, COPY, GATE_OPEN, HELPER, ORIG, SNAP, rescueWorld, standbyWorld } from "./world";

const region = "eu-west-1";

/** Changes the simulated cloud in `file`. */
function edit(file: string, f: (s: Ec2State) => void): void {
  const s = readState(file);
  f(s);
  writeState(file, s);
}

/** By hand: `volumeId` is put at the instance's /dev/sda1 (whatever was there comes off). */
function putRoot(s: Ec2State, volumeId: string, instanceState: "running" | "stopped"): void {
  const inst = s.instances[BROKEN];
  const old = inst.devices["/dev/sda1"]?.volumeId;
  if (old) {
    s.volumes[old].attachments = [];
    s.volumes[old].state = "available";
  }
  const v = s.volumes[volumeId];
  for (const a of v.attachments) {
    const other = s.instances[a.instanceId];
    if (other?.devices[a.device]?.volumeId === volumeId) delete other.devices[a.device];
  }
  v.attachments = [{ instanceId: BROKEN, device: "/dev/sda1", state: "attached", until: 0 }];
  v.state = "in-use";
  inst.devices["/dev/sda1"] = { volumeId, deleteOnTermination: true };
  inst.state = instanceState;
}

/** After the detach: the broken instance stopped, its root off. */
function afterDetach(): Ec2State {
  const s = rescueWorld();
  s.instances[BROKEN].state = "stopped";
  s.instances[BROKEN].devices = {};
  s.volumes[ORIG].attachments = [];
  s.volumes[ORIG].state = "available";
  return s;
}

/** After the swap: the broken instance runs on the repaired copy. */
function afterSwap(): Ec2State {
  const s = afterDetach();
  putRoot(s, COPY, "running");
  s.instances[BROKEN].console += BOOTED_TEXT;
  s.clock = 3_600_000;
  return s;
}

export const AWS_CONTRACT_CASES: StepContractCase[] = [
  {
    token: STEP_TYPES.aws.backupSnapshot,
    seed(file) {
      writeState(file, rescueWorld());
      return {
        inputs: {
          region,
          volumeId: ORIG,
          description: "backup of the root",
          tags: { "vm-rescue:id": "inc-2", "vm-rescue:role": "backup" },
        },
      };
    },
    outOfBand(file) {
      edit(file, (s) => {
        for (const sn of Object.values(s.snapshots))
          if (sn.tags["vm-rescue:id"] === "inc-2") sn.state = "error";
      });
      return { state: "error" };
    },
    update: (i) => ({ ...i, description: "the backup, described anew", timeoutSeconds: 900 }),
    replace: (i) => ({ ...i, volumeId: COPY }),
  },
  {
    token: STEP_TYPES.aws.backupCompletion,
    seed(file) {
      writeState(file, rescueWorld());
      return { inputs: { region, snapshotId: SNAP } };
    },
    outOfBand(file) {
      edit(file, (s) => (s.snapshots[SNAP].state = "error"));
      return { state: "error" };
    },
    update: (i) => ({ ...i, timeoutSeconds: 900 }),
    replace: (i) => ({ ...i, snapshotId: "snap-0123456789abcdef0" }),
  },
  {
    token: STEP_TYPES.aws.detach,
    seed(file) {
      writeState(file, rescueWorld());
      return {
        inputs: {
          region,
          instanceId: BROKEN,
          rootVolumeId: ORIG,
          snapshotId: SNAP,
          gate: GATE_OPEN,
        },
      };
    },
    outOfBand(file) {
      edit(file, (s) => putRoot(s, ORIG, "running"));
      return { detached: false, attachedTo: `${BROKEN} /dev/sda1` };
    },
    update: (i) => ({ ...i, gate: { allowed: true, reasons: ["checked again"] } }),
    replace: (i) => ({ ...i, rootVolumeId: COPY }),
  },
  {
    token: STEP_TYPES.aws.command,
    seed(file) {
      const s = rescueWorld();
      s.commandOutput["vm-rescue-inc-1-collect"] = JSON.stringify({ collected: true });
      writeState(file, s);
      return {
        inputs: {
          region,
          instanceId: HELPER,
          documentName: "vm-rescue-inc-1-collect",
          parameters: { Mode: ["collect"] },
          bucketName: "vm-rescue-artifacts",
          keyPrefix: "rescue/inc-1",
        },
      };
    },
    outOfBand(file) {
      // The helper is gone: the command's recorded result stands.
      edit(file, (s) => void (s.instances[HELPER].state = "terminated"));
      return { status: "Success", stdout: JSON.stringify({ collected: true }) };
    },
    update: (i) => ({ ...i, instanceId: "i-0999999999999999a", timeoutSeconds: 120 }),
    replace: (i) => ({ ...i, parameters: { Mode: ["repair"] } }),
  },
  {
    token: STEP_TYPES.aws.repairCheck,
    seed(file) {
      const s = rescueWorld();
      // A collect.ps1 1.x run: nothing shipped, so nothing to check; the gate stays the decision's.
      s.objects["vm-rescue-artifacts/rescue/inc-1/c1/" + HELPER + "/stdout"] = "{}";
      writeState(file, s);
      return {
        inputs: {
          region,
          collectOutputUrl: `s3://vm-rescue-artifacts/rescue/inc-1/c1/${HELPER}/`,
          filesBase: "s3://vm-rescue-artifacts/rescue/inc-1/",
          repairResultUrl: `s3://vm-rescue-artifacts/rescue/inc-1/r1/${HELPER}/`,
          repairCommandId: "r1",
          repairPlan: { schemaVersion: 1, kind: "repairPlan", dryRun: false, actions: [] },
          triageGate: { allowed: true, reasons: [] },
          rawEvidence: false,
          rescueId: "inc-1",
        },
      };
    },
    // The recorded check is the state: an object changed since does not change what was checked.
    outOfBand(file) {
      edit(file, (s) => void (s.objects = {}));
      return { checkedRaw: false, ok: true, checked: 0 };
    },
    update: (i) => ({ ...i, triageGate: { allowed: false, reasons: ["dryRun=true"] } }),
    replace: (i) => ({ ...i, repairCommandId: "r2" }),
  },
  {
    token: STEP_TYPES.aws.swap,
    seed(file) {
      writeState(file, afterDetach());
      return {
        inputs: {
          region,
          instanceId: BROKEN,
          rootDeviceName: "/dev/sda1",
          volumeId: COPY,
          helperInstanceId: HELPER,
          deleteOnTermination: true,
          gate: GATE_OPEN,
          reattachWhenClosed: false,
        },
      };
    },
    outOfBand(file) {
      edit(file, (s) => putRoot(s, ORIG, "running"));
      return { swapped: false, rootVolumeId: ORIG };
    },
    update: (i) => ({
      ...i,
      helperInstanceId: "i-0999999999999999a",
      gate: { allowed: true, reasons: ["again"] },
    }),
    replace: (i) => ({ ...i, volumeId: ORIG }),
  },
  {
    token: STEP_TYPES.aws.bootVerification,
    seed(file) {
      writeState(file, afterSwap());
      return {
        inputs: {
          region,
          instanceId: BROKEN,
          swapped: true,
          swapReason: "",
          finalState: "running",
          rollbackVolumeId: ORIG,
          swappedVolumeId: COPY,
          // The console as the swap found it: the old root's stop error, which no longer counts.
          consoleBaseline: serialBaseline(BUGCHECK_TEXT),
        },
      };
    },
    update: (i) => ({ ...i, rollbackVolumeId: "a new volume from the backup", timeoutSeconds: 60 }),
    replace: (i) => ({ ...i, instanceId: HELPER }),
  },
  {
    token: STEP_TYPES.aws.rollback,
    seed(file) {
      writeState(file, afterSwap());
      return {
        inputs: {
          region,
          instanceId: BROKEN,
          rootDeviceName: "/dev/sda1",
          volumeId: ORIG,
          deleteOnTermination: true,
          finalState: "running",
        },
      };
    },
    outOfBand(file) {
      edit(file, (s) => putRoot(s, COPY, "running"));
      return { rootVolumeId: COPY };
    },
    update: (i) => ({ ...i, finalState: "stopped" }),
    replace: (i) => ({ ...i, volumeId: COPY }),
  },
  {
    token: STEP_TYPES.aws.standbyUse,
    seed(file) {
      writeState(file, standbyWorld());
      return {
        inputs: {
          region,
          instanceId: HELPER,
          availabilityZone: "eu-west-1a",
          rescueId: "inc-1",
          rescueVolumeIds: [],
        },
      };
    },
    outOfBand(file) {
      edit(file, (s) => {
        s.instances[HELPER].state = "stopped";
      });
      return { state: "stopped" };
    },
    update: (i) => ({ ...i, timeoutSeconds: 900 }),
    replace: (i) => ({ ...i, instanceId: BROKEN }),
  },
  {
    token: STEP_TYPES.aws.standbyStop,
    seed(file) {
      const s = standbyWorld();
      s.instances[HELPER].state = "running";
      writeState(file, s);
      return { inputs: { region, instanceId: HELPER } };
    },
    outOfBand(file) {
      edit(file, (s) => {
        s.instances[HELPER].state = "running";
      });
      return { state: "running" };
    },
    update: (i) => ({ ...i, timeoutSeconds: 900 }),
    replace: (i) => ({ ...i, instanceId: BROKEN }),
  },
];
