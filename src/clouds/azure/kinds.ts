/**
 * The step kinds of the azure rescue, as the `vm-rescue` provider plugin serves them. One file per
 * kind in this folder; this list is what the plugin and the offline simulation know.
 */
import type { StepKind } from "../../steps/contract";
import { CollectTriageKind } from "./decision";
import { RepairCheckKind } from "./repairCheck";
import { OsDiskSwapKind } from "./swap";
import { BootVerificationKind } from "./bootVerification";
import { OsDiskRollbackKind } from "./rollback";
import { SnapshotDiagnosisKind } from "./snapshotDiagnosis";
import { StandbyUseKind } from "./standby";
import { StandbyStopKind } from "./standbyHelper";
import { DataDiskAttachKind } from "./attach";
import { VmDeallocateKind } from "./stop";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const AZURE_STEP_KINDS: readonly StepKind<any, any>[] = [
  CollectTriageKind,
  RepairCheckKind,
  OsDiskSwapKind,
  BootVerificationKind,
  OsDiskRollbackKind,
  SnapshotDiagnosisKind,
  StandbyUseKind,
  StandbyStopKind,
  DataDiskAttachKind,
  VmDeallocateKind,
];
