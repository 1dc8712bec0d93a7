/**
 * A simulated Azure with one broken VM, its original OS disk, the backup snapshot and the repaired
 * copy attached to the helper: the world the fault-injection and contract tests run the steps in.
 */
import type { OsDiskSwapInputs } from "../swap";
import type { OsDiskRollbackInputs } from "../rollback";
import type { BootVerificationInputs } from "../bootVerification";
import { SimulatedCompute } from "../simulated";
import { writeSimulatedAzure, type SimulatedAzureFile } from "../simulatedFile";
import { ID_TAG, ROLE_TAG, BACKUP_ROLE, COPY_OF_TAG } from "../../../vocabulary/tags";

export const SUB = "6f1e3b2a-41c7-4d2e-9a55-0c8d4b7e2f10";
export const RG = "rg-app-prod";
export const VM = "app-vm-01";
export const HELPER = "inc-4711-helper";
const DISKS = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Compute/disks`;
export const ORIGINAL = `${DISKS}/app-vm-01_OsDisk_1_abc`;
export const COPY = `${DISKS}/app-vm-01-inc-4711-osdisk-copy`;
export const SNAPSHOT = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Compute/snapshots/app-vm-01-inc-4711-osdisk-backup`;
export const VM_ID = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Compute/virtualMachines/${VM}`;

/** The serial log of the broken VM: its last boot bug-checked. */
export const CRASH_LOG =
  'Boot\r\n<INSTANCE CLASSNAME="BLUESCREEN"><PROPERTY NAME="STOPCODE" TYPE="string"><VALUE>"0x1000007E"</VALUE></PROPERTY></INSTANCE>\r\n';

/**
 * The broken VM (crashing on its original disk; boot diagnostics keep the earlier boots' lines, the
 * crash among them), the helper with the copy, the snapshot's tags.
 */
export function brokenWorld(): SimulatedCompute {
  const c = new SimulatedCompute();
  c.addVm(RG, VM, {
    id: VM_ID,
    osDiskId: ORIGINAL,
    agentStatus: "Not Ready",
    serialLog: CRASH_LOG,
  });
  c.serialLogOnStart = "append";
  c.addVm(RG, HELPER, { osDiskId: `${DISKS}/inc-4711-helper-os`, dataDiskIds: [COPY] });
  c.brokenDisks.add(ORIGINAL);
  c.diskTags.set(ORIGINAL.toLowerCase(), {});
  c.diskTags.set(COPY.toLowerCase(), { [ID_TAG]: "inc-4711", [COPY_OF_TAG]: ORIGINAL });
  c.diskTags.set(SNAPSHOT.toLowerCase(), { [ID_TAG]: "inc-4711", [ROLE_TAG]: BACKUP_ROLE });
  return c;
}

/** Writes `compute` (default: {@link brokenWorld}) into the simulated cloud file. */
export function seedFile(
  file: string,
  compute: SimulatedCompute = brokenWorld(),
  extra: SimulatedAzureFile = {},
): void {
  writeSimulatedAzure(file, { ...compute.toJSON(), ...extra });
}

export const swapInputs = (over: Partial<OsDiskSwapInputs> = {}): OsDiskSwapInputs => ({
  subscriptionId: SUB,
  resourceGroupName: RG,
  vmName: VM,
  helperResourceGroupName: RG,
  helperVmName: HELPER,
  originalDiskId: ORIGINAL,
  copyDiskId: COPY,
  rescueId: "inc-4711",
  gate: { allowed: true, reasons: [] },
  snapshotId: SNAPSHOT,
  repairRunCommandId: `${VM_ID.replace(VM, HELPER)}/runCommands/vmrescue-repair`,
  ...over,
});

export const rollbackInputs = (over: Partial<OsDiskRollbackInputs> = {}): OsDiskRollbackInputs => ({
  subscriptionId: SUB,
  resourceGroupName: RG,
  vmName: VM,
  originalDiskId: ORIGINAL,
  copyDiskId: COPY,
  rescueId: "inc-4711",
  ...over,
});

export const verifyInputs = (
  over: Partial<BootVerificationInputs> = {},
): BootVerificationInputs => ({
  subscriptionId: SUB,
  resourceGroupName: RG,
  vmName: VM,
  rescueId: "inc-4711",
  swapped: true,
  osDiskId: COPY,
  serialBaseline: null,
  timeoutMinutes: 10,
  pollSeconds: 30,
  ...over,
});
